package org.bitsearch.trainers.dl4j;

import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedOutputStream;
import java.io.DataOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes DL4J's model zip in one pass: the entries {@code ModelSerializer.writeModel(model, file, true)} writes
 * (configuration JSON, parameters and updater state in {@code Nd4j.write}'s format) followed by the entries
 * {@code ModelSerializer.addObjectToFile} adds ({@code objects/<key>}, Java-serialized), so that
 * {@code ModelSerializer.restoreMultiLayerNetwork}/{@code restoreComputationGraph} and {@code getObjectFromFile}
 * read it as they read their own files. The difference is cost: {@code addObjectToFile} copies the whole zip to add
 * one entry, inflating and deflating every entry again, and DL4J deflates at the default level. Here every entry is
 * written once and stored uncompressed ({@link Deflater#NO_COMPRESSION}: trained float parameters deflate by only 12 %,
 * at 7 times the write time, measured on the 235k-parameter MLP with its Adam state, 2.8 MB). Measured in a
 * 24-trial MLP search (issue 11): the checkpoint after each epoch was a third of the trainer thread's native time,
 * two full deflates of a 2.8 MB model per epoch.
 */
final class ModelZip {
    private ModelZip() {}

    /**
     * Writes {@code model} with its updater state and the {@code objects} (in the map's iteration order) to
     * {@code file}, replacing it. Keys must not be DL4J's own entry names.
     */
    static void write(Path file, Model model, Map<String, ? extends Serializable> objects) throws IOException {
        for (String key : objects.keySet())
            if (RESERVED.stream().anyMatch(key::equalsIgnoreCase))
                throw new IllegalArgumentException("object key '" + key + "' is one of DL4J's own entry names " + RESERVED);
        try (OutputStream file0 = Files.newOutputStream(file);
             ZipOutputStream zip = new ZipOutputStream(new BufferedOutputStream(file0, 1 << 16))) {
            zip.setLevel(Deflater.NO_COMPRESSION);
            zip.putNextEntry(new ZipEntry(ModelSerializer.CONFIGURATION_JSON));
            // DL4J writes and reads this entry in the platform charset
            zip.write(configurationJson(model).getBytes(Charset.defaultCharset()));
            zip.closeEntry();
            DataOutputStream data = new DataOutputStream(new BufferedOutputStream(new NoClose(zip), 1 << 16));
            INDArray params = model.params();
            zip.putNextEntry(new ZipEntry(ModelSerializer.COEFFICIENTS_BIN));
            if (params != null) Nd4j.write(params, data);
            data.flush();
            zip.closeEntry();
            if (params == null) {
                zip.putNextEntry(new ZipEntry(ModelSerializer.NO_PARAMS_MARKER));
                zip.closeEntry();
            }
            INDArray state = updaterState(model);
            if (state != null && state.length() > 0) {
                zip.putNextEntry(new ZipEntry(ModelSerializer.UPDATER_BIN));
                Nd4j.write(state, data);
                data.flush();
                zip.closeEntry();
            }
            for (var e : objects.entrySet()) {
                zip.putNextEntry(new ZipEntry("objects/" + e.getKey()));
                ObjectOutputStream out = new ObjectOutputStream(new NoClose(zip));
                out.writeObject(e.getValue());
                out.flush();
                zip.closeEntry();
            }
        }
    }

    private static final List<String> RESERVED = List.of(ModelSerializer.UPDATER_BIN, ModelSerializer.NORMALIZER_BIN,
            ModelSerializer.CONFIGURATION_JSON, ModelSerializer.COEFFICIENTS_BIN, ModelSerializer.NO_PARAMS_MARKER,
            ModelSerializer.PREPROCESSOR_BIN);

    private static String configurationJson(Model model) {
        if (model instanceof MultiLayerNetwork m) return m.getLayerWiseConfigurations().toJson();
        if (model instanceof ComputationGraph g) return g.getConfiguration().toJson();
        throw new IllegalArgumentException("model is a " + model.getClass().getName() + ", but must be a MultiLayerNetwork or a ComputationGraph");
    }

    private static INDArray updaterState(Model model) {
        if (model instanceof MultiLayerNetwork m) return m.getUpdater() == null ? null : m.getUpdater().getStateViewArray();
        if (model instanceof ComputationGraph g) return g.getUpdater() == null ? null : g.getUpdater().getStateViewArray();
        return null;
    }

    /** Passes writes through and ignores close, so that closing a wrapper does not close the zip. */
    private static final class NoClose extends FilterOutputStream {
        NoClose(OutputStream out) { super(out); }

        @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }

        @Override public void close() throws IOException { flush(); }
    }
}
