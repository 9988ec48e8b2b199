package org.bitsearch.bench;

import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where the training thread's time goes: a JDK Flight Recorder sampling profile (Java and native-method samples,
 * every 10 ms) taken while figure 1 trains, each sample of the named thread attributed to the first category whose
 * rule matches a frame, walking from the innermost frame outwards. Native code (OpenBLAS, libnd4j) appears as the
 * Java method that called it, which is what the categories name. Start with {@link #start()}, stop with
 * {@link #stop(String)} on the same thread; not reusable.
 */
final class TrainingProfile implements AutoCloseable {
    /** A category: a label and the substrings of "Class.method" that put a frame in it. */
    record Category(String label, List<String> patterns) {
        boolean matches(String frame) { return patterns.stream().anyMatch(frame::contains); }
    }

    static final List<Category> CATEGORIES = List.of(
            new Category("validation pass (evaluation after the epoch)", List.of("Dl4jTrainingRun.evaluate")),
            new Category("minibatch gather (Nd4j.pullRows)", List.of("pullRows")),
            new Category("fake quantization of weights (QuantizedWeightNoise / Quantizer)", List.of("QuantizedWeightNoise", "quant.Quantizer")),
            new Category("fast step: copies between Java arrays and native buffers", List.of("fast.NativeFloats", "fast.Slot.", "javacpp.Pointer.memcpy")),
            new Category("fast step: optimizer update (Java loops)", List.of("fast.UpdateRule")),
            new Category("fast step: im2col / col2im", List.of("ConvOp.im2col", "ConvOp.col2im")),
            new Category("fast step: bias, ReLU, softmax, pooling (Java loops)", List.of("fast.DenseOp", "fast.SoftmaxOutputOp",
                    "fast.ConvOp", "fast.MaxPoolOp", "fast.FlattenOp", "fast.FastStep")),
            new Category("softmax activation of the output layer", List.of("ActivationSoftmax")),
            new Category("matrix multiplications (gemm/mmul; the fast step's cblas_sgemm)", List.of("gemm", "mmul", "Mmul")),
            new Category("Adam updater", List.of("AdamUpdater")),
            new Category("other ND4J ops and DL4J bookkeeping", List.of("org.nd4j", "org.deeplearning4j", "org.bytedeco")));

    private final Recording recording = new Recording();
    private boolean started;

    /** Starts sampling every thread. */
    TrainingProfile start() {
        recording.enable("jdk.ExecutionSample").withPeriod(Duration.ofMillis(10));
        recording.enable("jdk.NativeMethodSample").withPeriod(Duration.ofMillis(10));
        recording.setToDisk(true);
        recording.start();
        started = true;
        return this;
    }

    /** Stops, reads the samples of {@code threadName} and returns samples per category label, "other" last. */
    Map<String, Integer> stop(String threadName) throws Exception {
        if (!started) throw new IllegalStateException("the profile was not started");
        recording.stop();
        Path file = Files.createTempFile("bitsearch-bench", ".jfr");
        try {
            recording.dump(file);
            Map<String, Integer> counts = new LinkedHashMap<>();
            CATEGORIES.forEach(c -> counts.put(c.label(), 0));
            counts.put("other (JVM, JIT, GC, I/O)", 0);
            try (RecordingFile in = new RecordingFile(file)) {
                while (in.hasMoreEvents()) {
                    RecordedEvent e = in.readEvent();
                    String type = e.getEventType().getName();
                    if (!type.equals("jdk.ExecutionSample") && !type.equals("jdk.NativeMethodSample")) continue;
                    if (e.getThread("sampledThread") == null || !threadName.equals(e.getThread("sampledThread").getJavaName())) continue;
                    if (e.getStackTrace() == null) continue;
                    counts.merge(categorize(e.getStackTrace().getFrames().stream()
                            .map(f -> frameName(f)).toList()), 1, Integer::sum);
                }
            }
            return counts;
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static String frameName(RecordedFrame f) {
        return f.getMethod().getType().getName() + "." + f.getMethod().getName();
    }

    /**
     * The category of a stack (innermost frame first): evaluation anywhere wins; then the innermost frame that
     * matches a specific category; then the generic ND4J/DL4J category if any frame is theirs; else other.
     */
    static String categorize(List<String> frames) {
        if (frames.stream().anyMatch(CATEGORIES.get(0)::matches)) return CATEGORIES.get(0).label();
        List<Category> specific = CATEGORIES.subList(1, CATEGORIES.size() - 1);
        for (String f : frames)
            for (Category c : specific)
                if (c.matches(f)) return c.label();
        Category generic = CATEGORIES.get(CATEGORIES.size() - 1);
        return frames.stream().anyMatch(generic::matches) ? generic.label() : "other (JVM, JIT, GC, I/O)";
    }

    @Override public void close() { recording.close(); }
}
