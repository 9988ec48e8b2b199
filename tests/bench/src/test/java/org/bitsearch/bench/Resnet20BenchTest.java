package org.bitsearch.bench;

import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.data.DataConfig;
import org.bitsearch.trainers.dl4j.data.DataSources;
import org.bitsearch.trainers.dl4j.data.Dataset;
import org.bitsearch.trainers.dl4j.data.InputShape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Figure 10's pieces, without timing anything: the generated subset, the bit mapping, the script in the bench jar. */
class Resnet20BenchTest {
    @TempDir Path dir;

    @Test
    void theGeneratedSubsetIsCifar10ThatTheTrainerReads() throws Exception {
        Resnet20Bench.writeCifar(dir, 30, 20, 1);
        assertEquals(30L * 3073, Files.size(dir.resolve("data_batch_1.bin")));
        assertEquals(20L * 3073, Files.size(dir.resolve("test_batch.bin")));
        DataConfig c = DataConfig.dir("cifar", dir);
        assertEquals(new InputShape(3, 32, 32, 10), DataSources.shape(c));
        Dataset d = DataSources.load(c);
        assertEquals(30, d.trainLabels().length);
        assertEquals(0, d.trainLabels()[0]);
        assertEquals(9, d.trainLabels()[9]);
        Dl4jTrainer t = Resnet20Bench.trainer(dir, 20);
        assertEquals(22, t.layers().size());
        assertEquals("conv1", t.layers().get(0).name());
        assertEquals("fc", t.layers().get(21).name());
        assertEquals(20, t.data().trainCount());
    }

    @Test
    void firstMiddleLastMapOntoTheStemTheClassifierAndEveryOtherConvolution() {
        List<Integer> b = Resnet20Bench.dl4jBits(List.of(8, 4, 2));
        assertEquals(22, b.size());
        assertEquals(8, b.get(0));
        assertEquals(2, b.get(21));
        assertTrue(b.subList(1, 21).stream().allMatch(x -> x == 4), b.toString());
        assertEquals("FP32", Resnet20Bench.label(List.of(32, 32, 32)));
        assertEquals("W8/4/8", Resnet20Bench.label(List.of(8, 4, 8)));
    }

    @Test
    void theBenchJarHoldsTheExampleScriptUnchanged() throws Exception {
        try (InputStream s = Resnet20Bench.class.getResourceAsStream("resnet20_torch.py")) {
            assertNotNull(s, "resnet20_torch.py copied by the pom");
            assertArrayEquals(Files.readAllBytes(Path.of("../../examples/tools/resnet20_torch.py")), s.readAllBytes());
        }
        String text = Files.readString(Path.of("../../examples/tools/resnet20_torch.py"), StandardCharsets.UTF_8);
        assertTrue(text.contains("\"cpuSeconds\"") && text.contains("\"samplesPerSecond\""), "the fields figure 10 reads");
    }
}
