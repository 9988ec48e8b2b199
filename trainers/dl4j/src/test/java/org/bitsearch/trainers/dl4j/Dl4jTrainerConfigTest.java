package org.bitsearch.trainers.dl4j;

import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.trial.Candidate;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Dl4jTrainerConfigTest {
    private final ObjectMapper mapper = new ObjectMapper();

    @Test
    void bindsFromJsonWithDefaults() throws Exception {
        Dl4jTrainerConfig c = mapper.readValue("{\"dataset\":\"fashion-mnist\",\"dataDir\":\"data\"}", Dl4jTrainerConfig.class);
        assertEquals("mlp", c.model());
        assertEquals(List.of(256, 128), c.hidden());
        assertEquals(0, c.trainSubset());
        assertEquals(5000, c.validationSize());
        assertEquals(128, c.batchSize());
        assertEquals(2000, c.evalBatchSize());
        assertEquals(ScheduleConfig.NONE, c.schedule());
        assertEquals(DropBitsConfig.OFF, c.dropBits());
        Dl4jTrainerConfig full = mapper.readValue("""
                {"dataset":"mnist","dataDir":"d","model":"cnn","hidden":[64],"trainSubset":3000,"validationSize":500,
                 "splitSeed":7,"batchSize":64,"evalBatchSize":1000,"threads":1,"perChannel":true,
                 "schedule":{"type":"progressive","order":"sensitivity","everyEpochs":2},
                 "dropBits":{"probability":0.1,"maxDrop":2},"sensitivity":{"pretrainEpochs":2,"bits":[1,4]}}""",
                Dl4jTrainerConfig.class);
        assertEquals(new ScheduleConfig("progressive", "sensitivity", 2), full.schedule());
        assertEquals(new DropBitsConfig(0.1, 2), full.dropBits());
        assertEquals(List.of(1, 4), full.sensitivity().bits());
        assertEquals(List.of(64), full.hidden());
        assertTrue(full.perChannel());
        assertEquals(full, mapper.readValue(mapper.writeValueAsString(full), Dl4jTrainerConfig.class), "JSON round trip");
        Dl4jTrainerConfig built = Dl4jTrainerConfig.builder("mnist", "d").model("cnn").hidden(List.of(64)).trainSubset(3000)
                .validationSize(500).splitSeed(7).batchSize(64).evalBatchSize(1000).threads(1).perChannel(true)
                .schedule(new ScheduleConfig("progressive", "sensitivity", 2)).dropBits(new DropBitsConfig(0.1, 2))
                .sensitivity(full.sensitivity()).build();
        assertEquals(full, built, "the builder gives what the YAML/JSON binding gives");
        assertEquals(c, Dl4jTrainerConfig.builder("fashion-mnist", "data").build(), "builder defaults = binding defaults");
        assertEquals(full.withPerChannel(false), full.toBuilder().perChannel(false).build());
        assertEquals(List.of(128), c.toBuilder().model("cnn").build().hidden(), "a new model takes its default hidden layers");
        IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, () -> c.toBuilder().batchSize(0).build());
        assertEquals("batchSize is 0, but must be >= 1", bad.getMessage());
    }

    @Test
    void rejectsBadFieldsNamingThem() {
        assertMessage("{\"dataset\":\"cifar\",\"dataDir\":\"d\"}", "dataset is 'cifar', but must be one of [fashion-mnist, mnist]");
        // no dataDir: looked for (DataLocator); mnist is nowhere here, so the message says where it looked
        ValueInstantiationException none = assertThrows(ValueInstantiationException.class,
                () -> mapper.readValue("{\"dataset\":\"mnist\"}", Dl4jTrainerConfig.class));
        assertTrue(none.getCause().getMessage().startsWith("dataDir is not given, and no mnist data was found in "), none.getCause().getMessage());
        assertMessage("{\"dataset\":\"mnist\",\"dataDir\":\"d\",\"batchSize\":0,\"threads\":-2}",
                "batchSize is 0, but must be >= 1\nthreads is -2, but must be >= 0 (0 = one native thread per run)");
        assertMessage("{\"dataset\":\"mnist\",\"dataDir\":\"d\",\"model\":\"resnet\"}", "model is 'resnet', but must be one of [cnn, mlp, resnet20, vgg-small]");
        assertMessage("{\"dataset\":\"mnist\",\"dataDir\":\"d\",\"batchSize\":0}", "batchSize is 0, but must be >= 1");
        assertMessage("{\"dataset\":\"mnist\",\"dataDir\":\"d\",\"hidden\":[10,0]}", "hidden[1] is 0, but must be >= 1");
        assertMessage("{\"dataset\":\"mnist\",\"dataDir\":\"d\",\"schedule\":{\"type\":\"random\"}}",
                "schedule.type is 'random', but must be one of [none, progressive]");
        assertMessage("{\"dataset\":\"mnist\",\"dataDir\":\"d\",\"dropBits\":{\"probability\":1.5}}",
                "dropBits.probability is 1.5, but must be in [0, 1]");
        assertThrows(UnrecognizedPropertyException.class,
                () -> mapper.readValue("{\"dataset\":\"mnist\",\"dataDir\":\"d\",\"batchsize\":3}", Dl4jTrainerConfig.class));
    }

    private void assertMessage(String json, String message) {
        ValueInstantiationException e = assertThrows(ValueInstantiationException.class, () -> mapper.readValue(json, Dl4jTrainerConfig.class));
        assertEquals(message, e.getCause().getMessage());
    }

    @Test
    void hyperparametersComeFromTheCandidate() {
        Candidate c = new Candidate(Map.of("learningRate", 0.01, "optimizer", "sgd", "weightDecay", 1e-4, "batchSize", 64L),
                BitAllocation.of(4, 4, 4));
        assertEquals(new Hyperparameters(0.01, "sgd", 1e-4, 64), Hyperparameters.of(c, 128));
        assertEquals(new Hyperparameters(1e-3, "adam", 0, 128), Hyperparameters.of(new Candidate(Map.of(), BitAllocation.of(4)), 128));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Hyperparameters.of(
                new Candidate(Map.of("learningRate", -1.0), BitAllocation.of(4)), 128));
        assertEquals("param 'learningRate' is -1.0, but must be a finite number > 0", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Hyperparameters.of(
                new Candidate(Map.of("batchSize", 12.5), BitAllocation.of(4)), 128));
        assertEquals("param 'batchSize' is 12.5, but must be an integer", e.getMessage());
    }

    @Test
    void splitSizesAreCheckedAgainstTheData() {
        Dl4jTrainer t = new Dl4jTrainer(TestData.small(0).withValidationSize(3500).withTrainSubset(600));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, t::data);
        assertEquals("trainSubset is 600, but only 500 samples of fashion-mnist remain after holding out validationSize = 3500", e.getMessage());
    }
}
