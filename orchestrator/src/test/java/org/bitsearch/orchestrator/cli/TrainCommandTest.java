package org.bitsearch.orchestrator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.orchestrator.Main;
import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.Dl4jTrainerConfig;
import org.bitsearch.trainers.packed.PackedLayer;
import org.bitsearch.trainers.packed.PackedModel;
import org.bitsearch.trainers.packed.ReferenceInference;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code bitsearch train} and {@code bitsearch sensitivity} in-process: bad input exits 2 naming the flag. */
class TrainCommandTest {
    /** The Fashion-MNIST subset shipped in the repository (data/README.md). */
    static final String DATA = Path.of(System.getProperty("bitsearch.repoRoot"), "data", "fashion-mnist-small").toString();

    record Result(int exit, String out, String err) {}

    private static Result run(String... args) {
        CommandLine cmd = Main.commandLine();
        StringWriter out = new StringWriter(), err = new StringWriter();
        cmd.setOut(new PrintWriter(out));
        cmd.setErr(new PrintWriter(err));
        int exit = cmd.execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    private static Result train(String... extra) {
        List<String> args = new ArrayList<>(List.of("train", "--dataset", "fashion-mnist", "--data", DATA, "--model", "mlp",
                "--train-subset", "600", "--validation-size", "300", "--epochs", "1"));
        args.addAll(List.of(extra));
        return run(args.toArray(String[]::new));
    }

    @Test
    void unknownDatasetExits2() {
        Result r = run("train", "--dataset", "cifar10", "--data", DATA, "--bits", "4,4,4");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--dataset: dataset is 'cifar10', but must be one of [fashion-mnist, mnist]"), r.err());
    }

    @Test
    void wrongBitsCountSaysHowManyLayers() {
        Result r = train("--bits", "4,4");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--bits: bits has 2 entries, but the mlp model has 3 quantizable layers (dense0, dense1, dense2)"), r.err());
        r = run("train", "--dataset", "fashion-mnist", "--data", DATA, "--model", "cnn", "--bits", "4,4,4");
        assertTrue(r.err().contains("the cnn model has 4 quantizable layers (conv0, conv1, dense2, dense3)"), r.err());
    }

    @Test
    void bitsOutsideTheSetExit2() {
        Result r = train("--bits", "4,9,4");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--bits: bits[1] is 9, but must be one of [1, 2, 3, 4, 5, 6, 7, 8, 32]"), r.err());
        r = train("--bits", "4,x,4");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--bits: 'x' is not an integer"), r.err());
    }

    @Test
    void corruptOrMissingFilesExit2NamingTheFile(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("fashion-mnist");
        Files.createDirectories(dir);
        for (String f : List.of("train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz"))
            Files.copy(Path.of(DATA, f), dir.resolve(f));
        Result r = run("train", "--dataset", "fashion-mnist", "--data", dir.toString(), "--bits", "4,4,4");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--data: ") && r.err().contains("t10k-labels-idx1-ubyte.gz: file not found"), r.err());
        Files.write(dir.resolve("t10k-labels-idx1-ubyte"), new byte[]{0, 0, 0x0D, 1, 0, 0, 0, 1, 0});
        r = run("train", "--dataset", "fashion-mnist", "--data", dir.toString(), "--bits", "4,4,4");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("t10k-labels-idx1-ubyte: bad magic number"), r.err());
    }

    @Test
    void jsonPrintsExactlyOneObject() throws Exception {
        Result r = train("--bits", "4,2,1", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(r.out().strip(), json.toString(), "nothing but the object on stdout");
        assertTrue(json.get("testAccuracy").asDouble() > 0.3, r.out());
        assertEquals(784 * 256 * 4L + 256 * 128 * 2L + 1280 + 32L * 3 + 32L * 394, json.get("sizeBits").asLong(), "weights, 3 scales, biases");
        assertEquals(json.get("sizeBits").asDouble() / 8192, json.get("sizeKiB").asDouble(), 1e-9);
        assertTrue(json.get("compression").asDouble() > 7);
        assertTrue(json.get("samplesPerSecond").asDouble() > 0);
        assertEquals(json.get("reports").size(), json.get("epochs").asInt(), "epochs is the number of epochs trained");
        assertEquals(json.get("reports").get(json.get("reports").size() - 1).get("valAccuracy").asDouble(),
                json.get("valAccuracy").asDouble(), "valAccuracy is the last epoch's");
        assertTrue(json.get("bestValAccuracy").asDouble() >= json.get("valAccuracy").asDouble());
        JsonNode epoch = json.get("reports").get(0);
        for (String f : List.of("epoch", "valAccuracy", "valLoss", "trainLoss", "seconds", "samplesPerSecond"))
            assertTrue(epoch.has(f), f);
    }

    @Test
    void aProgressiveBitatRunPrintsTheCurrentAccuracyBesideTheTargetUntilEveryLayerIsQuantized(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("bitat.zip");
        Result r = run("train", "--dataset", "fashion-mnist", "--data", DATA, "--model", "mlp", "--train-subset", "600",
                "--validation-size", "300", "--epochs", "3", "--bits", "1,1,1", "--schedule", "progressive", "--transform", "bitat", "--json",
                "--save", file.toString());
        assertEquals(0, r.exit(), r.err());
        // --save writes both forms: the packed one holds each layer's rotation, then its 1-bit levels
        var packed = PackedModel.read(tmp.resolve("bitat.bsq"));
        assertEquals(List.of(32, 1, 32, 1, 32, 1), packed.layers().stream().map(PackedLayer::bits).toList());
        assertTrue(!ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false)
                .getLayerWiseConfigurations().toJson().contains("bitsearch"), "the plain zip loads in stock DL4J");
        JsonNode reports = new ObjectMapper().readTree(r.out()).get("reports");
        assertEquals(3, reports.size());
        assertTrue(reports.get(0).get("currentAccuracy").asDouble() != reports.get(0).get("valAccuracy").asDouble(),
                "epoch 1: two layers still in full precision: " + reports.get(0));
        assertEquals(reports.get(2).get("valAccuracy").asDouble(), reports.get(2).get("currentAccuracy").asDouble(),
                "epoch 3: every layer quantized: " + reports.get(2));
        Result bad = train("--bits", "1,1,1", "--transform", "rotate");
        assertEquals(2, bad.exit());
        assertTrue(bad.err().contains("--transform") && bad.err().contains("[none, bitat]"), bad.err());
    }

    @Test
    void saveWritesThePlainDl4jZipAndThePackedForm(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("model.zip");
        Result r = train("--bits", "4,2,8", "--json", "--save", file.toString());
        assertEquals(0, r.exit(), r.err());
        double test = new ObjectMapper().readTree(r.out()).get("testAccuracy").asDouble();
        var plain = ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
        assertTrue(!plain.getLayerWiseConfigurations().toJson().contains("bitsearch"));
        var packed = PackedModel.read(tmp.resolve("model.bsq"));
        assertEquals(List.of(4, 2, 8), packed.layers().stream().map(PackedLayer::bits).toList());
        var split = new Dl4jTrainer(
                Dl4jTrainerConfig.defaults("fashion-mnist", DATA, "mlp").withValidationSize(300)).data().test();
        List<float[]> rows = new ArrayList<>();
        for (var b : split.batches()) rows.addAll(List.of(b.toFloatMatrix()));
        double ref = new ReferenceInference(packed).accuracy(rows.toArray(new float[0][]), split.labels());
        assertEquals(test, ref, 0.0, "the packed model's reference accuracy is the reported test accuracy");
    }

    @Test
    void aModelFileThatDoesNotFitTheDataExits2NamingTheFlag(@TempDir Path tmp) throws Exception {
        var conf = new NeuralNetConfiguration.Builder().list()
                .layer(new DenseLayer.Builder().nIn(50).nOut(8).build())
                .layer(new OutputLayer.Builder().nIn(8).nOut(10).build()).build();
        Path file = Files.writeString(tmp.resolve("net.json"), conf.toJson());
        Result r = run("train", "--dataset", "fashion-mnist", "--data", DATA, "--model-file", file.toString(), "--bits", "4,4");
        assertEquals(2, r.exit(), r.out());
        assertTrue(r.err().contains("--model-file") && r.err().contains("net.json") && r.err().contains("50 inputs"), r.err());
    }

    @Test
    void sensitivityPrintsOneRowPerLayerAndBits() throws Exception {
        Result r = run("sensitivity", "--dataset", "fashion-mnist", "--data", DATA, "--train-subset", "600",
                "--validation-size", "300", "--bits", "1,4", "--json");
        assertEquals(0, r.exit(), r.err());
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertEquals(6, json.get("rows").size());
        assertEquals(3, json.get("leastSensitiveFirst").size());
        r = run("sensitivity", "--dataset", "fashion-mnist", "--data", DATA, "--bits", "1,16");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("--bits/--pretrain-epochs/--fine-tune-batches/--mode/--hutchinson-samples: sensitivity.bits contains 16, but each must be in 1..8"), r.err());
        r = run("sensitivity", "--dataset", "fashion-mnist", "--data", DATA, "--mode", "curvature");
        assertEquals(2, r.exit());
        assertTrue(r.err().contains("sensitivity.mode is 'curvature', but must be one of [hessian, proxy, train]"), r.err());
        r = run("sensitivity", "--dataset", "fashion-mnist", "--data", DATA, "--train-subset", "600",
                "--validation-size", "300", "--bits", "1,4", "--mode", "hessian", "--hutchinson-samples", "2", "--json");
        assertEquals(0, r.exit(), r.err());
        json = new ObjectMapper().readTree(r.out());
        assertEquals("hessian", json.get("mode").asText());
        assertEquals(6, json.get("rows").size());
    }
}
