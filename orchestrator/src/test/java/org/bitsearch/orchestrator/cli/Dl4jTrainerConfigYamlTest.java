package org.bitsearch.orchestrator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.bitsearch.trainers.dl4j.Dl4jTrainerConfig;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The {@code trainer:} section of a YAML spec binds to {@link Dl4jTrainerConfig}. */
class Dl4jTrainerConfigYamlTest {
    @Test
    void bindsTheTrainerSectionOfAYamlSpec() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode spec = yaml.readTree("""
                name: demo
                trainer:
                  dataset: fashion-mnist
                  dataDir: ../shared/datasets
                  model: mlp
                  hidden: [128, 64]
                  trainSubset: 3000
                  batchSize: 64
                  schedule: {type: progressive, order: forward, everyEpochs: 1}
                  dropBits: {probability: 0.05, maxDrop: 2}
                """);
        Dl4jTrainerConfig c = yaml.treeToValue(spec.get("trainer"), Dl4jTrainerConfig.class);
        assertEquals(List.of(128, 64), c.hidden());
        assertEquals(3000, c.trainSubset());
        assertEquals(64, c.batchSize());
        assertEquals(new ScheduleConfig("progressive", "forward", 1), c.schedule());
        assertEquals(0.05, c.dropBits().probability());
        assertEquals(5000, c.validationSize());
    }
}
