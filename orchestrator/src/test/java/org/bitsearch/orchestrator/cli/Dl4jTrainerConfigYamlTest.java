package org.bitsearch.orchestrator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.bitsearch.trainers.dl4j.Dl4jTrainerConfig;
import org.bitsearch.trainers.dl4j.data.DataConfig;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    @Test
    void bindsADataSectionByFormat() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        JsonNode spec = yaml.readTree("""
                trainer:
                  model: cnn
                  data: {format: images, dir: my-photos, width: 24, height: 20, channels: 1}
                """);
        Dl4jTrainerConfig c = yaml.treeToValue(spec.get("trainer"), Dl4jTrainerConfig.class);
        assertEquals(new DataConfig("images", "my-photos", null, null, null, 24, 20, 1, true), c.data());
        assertEquals("images", c.dataset());
        JsonNode csv = yaml.readTree("""
                trainer: {data: {format: csv, file: a.csv, testFile: b.csv, labelColumn: species}}
                """);
        Dl4jTrainerConfig d = yaml.treeToValue(csv.get("trainer"), Dl4jTrainerConfig.class);
        assertEquals("species", d.data().labelColumn());
        assertEquals("a.csv", d.dataDir());
        JsonNode both = yaml.readTree("""
                trainer: {dataset: mnist, data: {format: cifar, dir: c}}
                """);
        Exception e = assertThrows(Exception.class, () -> yaml.treeToValue(both.get("trainer"), Dl4jTrainerConfig.class));
        assertTrue(e.getMessage().contains("not both"), e.getMessage());
    }
}
