package org.bitsearch.tests.search;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.actors.spec.SpecCompiler;
import org.bitsearch.orchestrator.http.ExportBuilder;
import org.bitsearch.orchestrator.http.SearchReader;
import org.bitsearch.orchestrator.http.SpecTrainerLookup;
import org.bitsearch.orchestrator.wiring.StandardTrainers;
import org.bitsearch.storage.H2SearchStore;
import org.bitsearch.tests.search.InProcessCli.Result;
import org.bitsearch.trainers.packed.PackedLayer;
import org.bitsearch.trainers.packed.PackedModel;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.LossFunctions;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 14 end to end: real searches ({@code bitsearch run --json}, the command line's own code in this JVM: its
 * Pekko system, a real H2 file, real DL4J training) on a user's model file ({@code trainer.modelFile}) and on data
 * given by format ({@code trainer.data}), each generated here in a temp dir with a class-dependent pattern so that a
 * trained model is clearly above chance:
 * <ul>
 *   <li>a user {@code MultiLayerNetwork} zip ({@code ModelSerializer}) on a CSV with a named label column;</li>
 *   <li>a user {@code ComputationGraph} zip with a residual add on a folder of PNG images per class, with
 *       {@code space.activationBits};</li>
 *   <li>the built-in MLP on CIFAR-10 binary batches.</li>
 * </ul>
 * Each search must end COMPLETED with every trial completed; each trial's allocation has one entry per slot, and
 * the export (the {@link ExportBuilder} behind {@code GET /api/searches/{id}/export}) names the slots by the user's
 * layer names ({@code pareto.json}, {@code trials.csv}) and holds, for every front point, the plain DL4J zip (stock
 * {@code ModelSerializer} restores it; no bitsearch class in its configuration; for the CIFAR MLP its own output gives
 * the reported test accuracy) and the packed form.
 * Bad data is refused before anything is written: a CSV without its label column, a CIFAR batch of the wrong length.
 */
class UserModelAndDataFormatsSearchTest {
    static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path work;

    /** Runs the command line in this JVM, capturing what it prints. */
    static Result cli(String... args) {
        return InProcessCli.run(args);
    }

    @Test
    void aUserMultiLayerNetworkIsSearchedOnCsvData() throws Exception {
        Path train = csv(work.resolve("train.csv"), 300, 1), test = csv(work.resolve("test.csv"), 90, 2);
        MultiLayerNetwork user = new MultiLayerNetwork(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).list()
                .layer(new DenseLayer.Builder().name("hidden").nIn(FEATURES).nOut(16).activation(Activation.RELU).build())
                .layer(new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).name("scores").nOut(3).activation(Activation.SOFTMAX).build())
                .setInputType(InputType.feedForward(FEATURES)).build());
        user.init();
        Path model = work.resolve("my-mlp.zip");
        ModelSerializer.writeModel(user, model.toFile(), false);
        Path spec = spec("user-mlp-csv", """
                  modelFile: %s
                  data: {format: csv, file: %s, testFile: %s, labelColumn: label}
                  validationSize: 60
                """.formatted(model, train, test), "");
        Searched s = search(spec, 3, List.of("hidden", "scores"), false);
        assertTrue(s.bestTest() > 0.6, "clearly above chance (1/3): best test accuracy " + s.bestTest());
        for (Path plain : s.plainModels()) {
            MultiLayerNetwork restored = ModelSerializer.restoreMultiLayerNetwork(plain.toFile(), false);
            assertEquals(3, restored.output(Nd4j.zeros(DataType.FLOAT, 1, FEATURES)).length());
        }
    }

    @Test
    void aUserComputationGraphIsSearchedWithActivationBitsOnAFolderOfImages() throws Exception {
        Path images = images(work.resolve("images"));
        ComputationGraph user = new ComputationGraph(new NeuralNetConfiguration.Builder().seed(1).dataType(DataType.FLOAT)
                .updater(new Adam(1e-3)).convolutionMode(ConvolutionMode.Same).graphBuilder().addInputs("pixels")
                .setInputTypes(InputType.convolutionalFlat(SIDE, SIDE, 1))
                .addLayer("stem", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.RELU).build(), "pixels")
                .addLayer("c1", new ConvolutionLayer.Builder(3, 3).nOut(4).activation(Activation.IDENTITY).build(), "stem")
                .addLayer("bn1", new BatchNormalization.Builder().build(), "c1")
                .addVertex("add", new ElementWiseVertex(ElementWiseVertex.Op.Add), "stem", "bn1")
                .addLayer("relu", new ActivationLayer.Builder().activation(Activation.RELU).build(), "add")
                .addLayer("pool", new SubsamplingLayer.Builder(SubsamplingLayer.PoolingType.MAX).kernelSize(2, 2).stride(2, 2).build(), "relu")
                .addLayer("fc", new DenseLayer.Builder().nOut(16).activation(Activation.RELU).build(), "pool")
                .addLayer("head", new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT).nOut(3).activation(Activation.SOFTMAX).build(), "fc")
                .setOutputs("head").build());
        user.init();
        Path model = work.resolve("my-graph.zip");
        ModelSerializer.writeModel(user, model.toFile(), false);
        Path spec = spec("user-graph-images", """
                  modelFile: %s
                  data: {format: images, dir: %s, width: %d, height: %d, channels: 1}
                  validationSize: 30
                """.formatted(model, images, SIDE, SIDE), "  activationBits: {allowed: [4, 8]}\n");
        Searched s = search(spec, 3, List.of("stem", "c1", "fc", "head"), true);
        assertTrue(s.bestTest() > 0.6, "clearly above chance (1/3): best test accuracy " + s.bestTest());
        for (Path plain : s.plainModels()) {
            ComputationGraph restored = ModelSerializer.restoreComputationGraph(plain.toFile(), false);
            assertEquals(3, restored.outputSingle(Nd4j.zeros(DataType.FLOAT, 1, SIDE * SIDE)).length());
        }
        for (PackedModel packed : s.packed()) {
            assertEquals(List.of(1, SIDE, SIDE, 3), List.of(packed.channels(), packed.rows(), packed.cols(), packed.classes()));
            PackedLayer stem = packed.layers().stream().filter(l -> l.name().equals("stem")).findFirst().orElseThrow();
            assertNotEquals(32, stem.bits(), "the packed stem holds its searched bits: " + stem.name());
            assertTrue(packed.layers().stream().anyMatch(l -> l.activationBits() != 32), "the packed form quantizes activations");
        }
    }

    @Test
    void theBuiltInMlpIsSearchedOnCifarBinaryBatches() throws Exception {
        Path dir = Files.createDirectories(work.resolve("cifar"));
        Random rng = new Random(5);
        Files.write(dir.resolve("data_batch_1.bin"), cifar(300, rng));
        Files.write(dir.resolve("data_batch_2.bin"), cifar(200, rng));
        byte[] testBatch = cifar(200, rng);
        Files.write(dir.resolve("test_batch.bin"), testBatch);
        Path spec = spec("mlp-cifar", """
                  model: mlp
                  hidden: [16]
                  data: {format: cifar, dir: %s}
                  validationSize: 100
                """.formatted(dir), "");
        Searched s = search(spec, 3, List.of("dense0", "dense1"), false);
        assertTrue(s.bestTest() > 0.3, "clearly above chance (1/10): best test accuracy " + s.bestTest());
        // stock DL4J on the plain zip gives the reported test accuracy (weights only: no activation quantizer to miss)
        float[] x = new float[200 * 3072];
        for (int r = 0; r < 200; r++)
            for (int i = 0; i < 3072; i++) x[r * 3072 + i] = (testBatch[r * 3073 + 1 + i] & 0xFF) / 255f;
        for (int p = 0; p < s.plainModels().size(); p++) {
            INDArray scores = ModelSerializer.restoreMultiLayerNetwork(s.plainModels().get(p).toFile(), false)
                    .output(Nd4j.create(x, new long[]{200, 3072}, 'c'));
            int correct = 0;
            for (int r = 0; r < 200; r++) if (scores.getRow(r).argMax().getInt(0) == (testBatch[r * 3073] & 0xFF)) correct++;
            assertEquals(s.frontTest().get(p), correct / 200.0, 1e-9, "the exported model's test accuracy is the reported one");
        }
    }

    @Test
    void badDataIsRefusedBeforeAnythingIsWrittenNamingTheFileAndTheRule() throws Exception {
        // a CSV whose label column is not there
        Path train = work.resolve("nolabel.csv"), test = work.resolve("nolabel-test.csv");
        Files.writeString(train, "a,b,c\n1,2,0\n3,4,1\n5,6,0\n");
        Files.writeString(test, "a,b,c\n1,2,0\n");
        refused(spec("bad-csv", """
                  hidden: [4]
                  data: {format: csv, file: %s, testFile: %s, labelColumn: label}
                  validationSize: 1
                """.formatted(train, test), ""), "trainer: data: " + train + ": labelColumn 'label' is neither a header name [a, b, c] nor a column index");
        // a CIFAR-10 batch whose length is not a whole number of records
        Path dir = Files.createDirectories(work.resolve("bad-cifar"));
        Files.write(dir.resolve("data_batch_1.bin"), Arrays.copyOf(cifar(20, new Random(1)), 20 * 3073 + 5));
        Files.write(dir.resolve("test_batch.bin"), cifar(10, new Random(2)));
        refused(spec("bad-cifar", """
                  hidden: [4]
                  data: {format: cifar, dir: %s}
                  validationSize: 5
                """.formatted(dir), ""), "trainer: data: " + dir.resolve("data_batch_1.bin")
                + ": size 61465 bytes is not a multiple of the 3073-byte CIFAR-10 record");
    }

    private void refused(Path spec, String expected) {
        Path db = work.resolve("refused-db");
        Result r = cli("run", spec.toString(), "--db", db.toString(), "--cpu-slots", "1");
        assertEquals(2, r.exit(), r.err());
        assertTrue(r.err().contains(expected), "missing '" + expected + "' in:\n" + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace:\n" + r.err());
        assertFalse(Files.exists(db), "nothing was written");
    }

    /** A small search spec: random bits from {4, 8} (plus {@code space}), a fast learning rate, one thread, no pruning. */
    private Path spec(String name, String trainer, String space) throws IOException {
        Path spec = work.resolve(name + ".yaml");
        Files.writeString(spec, """
                name: %s
                seed: 7
                trainer:
                  kind: dl4j
                  threads: 1
                  batchSize: 32
                %sspace:
                  params:
                    learningRate: {type: categorical, choices: [0.01]}
                  bits: {allowed: [4, 8]}
                %ssampler: {type: random}
                pruner: {type: none}
                budget: {maxTrials: 3, maxConcurrent: 1, maxEpochs: 2}
                """.formatted(name, trainer, space));
        return spec;
    }

    /** What a finished search left: its best test accuracy and, unpacked from its export, each front point's two forms. */
    record Searched(double bestTest, List<Double> frontTest, List<Path> plainModels, List<PackedModel> packed) {}

    /**
     * Runs {@code spec} to the end and checks the common contract: COMPLETED, {@code trials} completed, every trial's
     * {@code bits} (and {@code activationBits}, last entry 32) one entry per slot, a non-empty front with measured test
     * accuracies, and the export: slot names in {@code pareto.json} and {@code trials.csv}, per front point a plain
     * DL4J zip without bitsearch classes and its packed form with one named layer per slot.
     */
    private Searched search(Path spec, int trials, List<String> slots, boolean activations) throws Exception {
        Path db = work.resolve(spec.getFileName() + "-db");
        Result r = cli("run", spec.toString(), "--db", db.toString(), "--cpu-slots", "1", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode result = JSON.readTree(r.out());
        assertEquals("COMPLETED", result.get("state").asText(), result.toPrettyString());
        assertEquals(trials, result.get("counts").get("completed").asInt(), result.toPrettyString());
        JsonNode front = result.get("front");
        assertFalse(front.isEmpty(), result.toPrettyString());
        double best = 0;
        List<Double> frontTest = new ArrayList<>();
        for (JsonNode p : front) {
            best = Math.max(best, p.get("testAccuracy").asDouble());
            frontTest.add(p.get("testAccuracy").asDouble());
        }
        System.out.println(spec.getFileName() + ": front " + front);

        Result show = cli("show", "1", "--db", db.toString(), "--json");
        assertEquals(0, show.exit(), show.err());
        for (JsonNode t : JSON.readTree(show.out()).get("trials")) {
            assertEquals("COMPLETED", t.get("state").asText(), t.toString());
            assertEquals(slots.size(), t.get("bits").size(), "one bit-width per slot " + slots + ": " + t);
            for (JsonNode b : t.get("bits")) assertTrue(Set.of(4, 8).contains(b.asInt()), t.toString());
            assertEquals(activations, t.has("activationBits"), t.toString());
            if (activations) {
                JsonNode a = t.get("activationBits");
                assertEquals(slots.size(), a.size(), "one activation bit-width per slot: " + t);
                for (int i = 0; i < a.size() - 1; i++) assertTrue(Set.of(4, 8).contains(a.get(i).asInt()), t.toString());
                assertEquals(32, a.get(a.size() - 1).asInt(), "the output stays FP32: " + t);
            }
        }

        List<Path> plain = new ArrayList<>();
        List<PackedModel> packed = new ArrayList<>();
        try (H2SearchStore store = H2SearchStore.open(db)) {
            SpecTrainerLookup trainers = new SpecTrainerLookup(new SpecCompiler(StandardTrainers.factory()));
            Optional<Path> zip = new ExportBuilder(store, new SearchReader(store, trainers), trainers,
                    Files.createDirectories(work.resolve(spec.getFileName() + "-export")), "test").build(1);
            assertTrue(zip.isPresent());
            try (ZipFile z = new ZipFile(zip.get().toFile())) {
                JsonNode pareto = JSON.readTree(text(z, "pareto.json"));
                List<String> names = new ArrayList<>();
                for (JsonNode l : pareto.get("layers")) names.add(l.get("name").asText());
                assertEquals(slots, names, "the slots are named by the model's layers");
                String header = text(z, "trials.csv").lines().findFirst().orElseThrow();
                for (String slot : slots) {
                    assertTrue(header.contains("bits." + slot), header);
                    if (activations) assertTrue(header.contains("activationBits." + slot), header);
                }
                for (JsonNode p : front) {
                    int n = p.get("number").asInt();
                    ZipEntry model = z.getEntry("models/trial-" + n + ".zip"), bsq = z.getEntry("models/trial-" + n + ".bsq");
                    assertTrue(model != null && bsq != null, "trial " + n + " exported in both forms: " + text(z, "REPORT.md"));
                    Path file = work.resolve(spec.getFileName() + "-trial-" + n + ".zip");
                    try (InputStream in = z.getInputStream(model)) {
                        Files.copy(in, file);
                    }
                    try (ZipFile m = new ZipFile(file.toFile())) {
                        String conf = text(m, "configuration.json");
                        assertFalse(conf.contains("bitsearch"), "stock DL4J loads it: no bitsearch class in " + conf);
                        JsonNode bits = JSON.readTree(text(m, "bitsearch-bits.json"));
                        Map<String, Integer> recorded = new HashMap<>();
                        for (JsonNode l : bits.get("layers")) recorded.put(l.get("name").asText(), l.get("bits").asInt());
                        for (int i = 0; i < slots.size(); i++)
                            assertEquals(p.get("bits").get(i).asInt(), recorded.get(slots.get(i)), "bits recorded beside the model: " + bits);
                    }
                    plain.add(file);
                    PackedModel pm;
                    try (InputStream in = z.getInputStream(bsq)) {
                        pm = PackedModel.fromBytes(in.readAllBytes());
                    }
                    List<String> packedNames = pm.layers().stream().map(PackedLayer::name).toList();
                    assertTrue(packedNames.containsAll(slots), "the packed form holds every slot: " + packedNames);
                    packed.add(pm);
                }
            }
        }
        return new Searched(best, frontTest, plain, packed);
    }

    private static String text(ZipFile z, String entry) throws IOException {
        ZipEntry e = z.getEntry(entry);
        assertTrue(e != null, "no " + entry + " in " + z.getName());
        try (InputStream in = z.getInputStream(e)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    // ---- generated data, each class with its own pattern plus noise ------------------------------------------

    static final int FEATURES = 6, SIDE = 12;

    /** A header, then {@code rows} lines "f0,f1,f2,label,f3,f4,f5" (the label in the middle): class k raises features k and k + 3. */
    private static Path csv(Path file, int rows, long seed) throws IOException {
        Random rng = new Random(seed);
        StringBuilder s = new StringBuilder("f0,f1,f2,label,f3,f4,f5\n");
        for (int i = 0; i < rows; i++) {
            int k = i % 3;
            List<String> fields = new ArrayList<>();
            for (int j = 0; j < FEATURES; j++)
                fields.add(String.format(Locale.ROOT, "%.4f", (j % 3 == k ? 2.0 : 0.0) + rng.nextGaussian()));
            fields.add(3, Integer.toString(k));
            s.append(String.join(",", fields)).append('\n');
        }
        Files.writeString(file, s.toString());
        return file;
    }

    /** {@code train/<class>/*.png} (30 per class) and {@code test/<class>/*.png} (15 per class): a bright bar per class. */
    private static Path images(Path dir) throws IOException {
        Random rng = new Random(3);
        String[] classes = {"across", "down", "diagonal"};
        for (String part : new String[]{"train", "test"})
            for (int k = 0; k < classes.length; k++) {
                Path folder = Files.createDirectories(dir.resolve(part).resolve(classes[k]));
                for (int i = 0; i < (part.equals("train") ? 30 : 15); i++) {
                    BufferedImage img = new BufferedImage(SIDE, SIDE, BufferedImage.TYPE_BYTE_GRAY);
                    int offset = rng.nextInt(SIDE - 4) + 2;
                    for (int y = 0; y < SIDE; y++)
                        for (int x = 0; x < SIDE; x++) {
                            boolean bar = switch (k) {
                                case 0 -> Math.abs(y - offset) <= 1;
                                case 1 -> Math.abs(x - offset) <= 1;
                                default -> Math.abs(x - y) <= 1;
                            };
                            int v = Math.max(0, Math.min(255, (bar ? 200 : 40) + (int) (rng.nextGaussian() * 25)));
                            img.getRaster().setSample(x, y, 0, v);
                        }
                    ImageIO.write(img, "png", folder.resolve(part + "-" + i + ".png").toFile());
                }
            }
        return dir;
    }

    /** {@code n} CIFAR-10 records (label byte + 3x1024 pixel bytes): class k brightens rows 3k..3k+2 of every channel
     * (a band in strong noise: the MLP learns it, but not perfectly, in two epochs). */
    private static byte[] cifar(int n, Random rng) {
        byte[] b = new byte[n * 3073];
        for (int r = 0; r < n; r++) {
            int k = r % 10, off = r * 3073;
            b[off] = (byte) k;
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 32; y++)
                    for (int x = 0; x < 32; x++) {
                        int v = (y / 3 == k ? 150 : 40) + (int) (rng.nextGaussian() * 50);
                        b[off + 1 + c * 1024 + y * 32 + x] = (byte) Math.max(0, Math.min(255, v));
                    }
        }
        return b;
    }
}
