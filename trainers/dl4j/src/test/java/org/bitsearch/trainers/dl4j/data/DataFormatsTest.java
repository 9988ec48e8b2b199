package org.bitsearch.trainers.dl4j.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each data format reads files the test writes, with the right shape, classes and counts; bad files are named. */
class DataFormatsTest {
    @TempDir Path tmp;

    @Test
    void cifar10BatchesAreReadInOrderChannelMajor() throws IOException {
        Path dir = tmp.resolve("c10");
        DataFiles.cifar10(dir, 2, 30, 20, 1);
        DataConfig c = DataConfig.dir("cifar", dir);
        assertEquals(new InputShape(3, 32, 32, 10), DataSources.shape(c));
        Dataset d = DataSources.load(c);
        assertEquals(60, d.trainCount());
        assertEquals(20, d.testCount());
        assertEquals(3072, d.features());
        byte[] raw = Files.readAllBytes(dir.resolve("data_batch_2.bin"));
        // sample 30 is record 0 of batch 2: label byte, then R plane, G plane, B plane
        assertEquals(raw[0] & 0xFF, d.trainLabels()[30]);
        for (int i : new int[]{0, 1023, 1024, 2048, 3071})
            assertEquals((raw[1 + i] & 0xFF) / 255f, d.trainImages().getFloat(30, i), 1e-7);
    }

    @Test
    void cifar100UsesTheFineLabel() throws IOException {
        Path dir = tmp.resolve("c100");
        DataFiles.cifar100(dir, 40, 10, 20, 2);
        Dataset d = DataSources.load(DataConfig.dir("cifar", dir));
        assertEquals(100, d.classes());
        byte[] raw = Files.readAllBytes(dir.resolve("train.bin"));
        assertEquals(raw[3074 + 1] & 0xFF, d.trainLabels()[1]);
        assertEquals(19, Arrays.stream(d.trainLabels()).max().orElseThrow());
    }

    @Test
    void truncatedCifarBatchIsNamed() throws IOException {
        Path dir = tmp.resolve("bad");
        DataFiles.cifar10(dir, 1, 5, 5, 3);
        Path f = dir.resolve("data_batch_1.bin");
        byte[] b = Files.readAllBytes(f);
        Files.write(f, Arrays.copyOf(b, b.length - 7));
        DataFileException e = assertThrows(DataFileException.class, () -> DataSources.load(DataConfig.dir("cifar", dir)));
        assertTrue(e.getMessage().contains("data_batch_1.bin") && e.getMessage().contains("3073"), e.getMessage());
        Files.delete(dir.resolve("test_batch.bin"));
        e = assertThrows(DataFileException.class, () -> DataSources.shape(DataConfig.dir("cifar", dir)));
        assertTrue(e.getMessage().contains("test_batch.bin"), e.getMessage());
    }

    @Test
    void imageFoldersAreResizedToTheModelInput() throws IOException {
        Path dir = tmp.resolve("img");
        DataFiles.images(dir, new String[]{"cat", "dog", "emu"}, 4, 2, 20, 4);
        DataConfig c = DataConfig.images(dir, 10, 8, 3);
        assertEquals(new InputShape(3, 8, 10, 3), DataSources.shape(c));
        Dataset d = DataSources.load(c);
        assertEquals(12, d.trainCount());
        assertEquals(6, d.testCount());
        assertEquals(240, d.features());
        // sorted class folders: cat 0, dog 1, emu 2; files within a folder sorted by name
        assertEquals(0, d.trainLabels()[0]);
        assertEquals(2, d.trainLabels()[11]);
        // class 0 is bright in the top third: the first row is bright, the last dark, in every channel (grey images)
        float top = d.trainImages().getFloat(0, 0), bottom = d.trainImages().getFloat(0, 7 * 10);
        assertTrue(top > 0.5 && bottom < 0.4, top + " " + bottom);
        assertEquals(top, d.trainImages().getFloat(0, 80), 0.02);
        Dataset grey = DataSources.load(DataConfig.images(dir, 10, 8, 1));
        assertEquals(80, grey.features());
    }

    @Test
    void strayFilesAndUnknownClassesAreNamed() throws IOException {
        Path dir = tmp.resolve("img2");
        DataFiles.images(dir, new String[]{"a", "b"}, 2, 1, 8, 5);
        Path stray = dir.resolve("train/a/notes.txt");
        Files.writeString(stray, "hello");
        DataFileException e = assertThrows(DataFileException.class, () -> DataSources.load(DataConfig.images(dir, 8, 8, 3)));
        assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
        Files.delete(stray);
        Files.write(dir.resolve("train/a/broken.png"), new byte[]{1, 2, 3});
        e = assertThrows(DataFileException.class, () -> DataSources.load(DataConfig.images(dir, 8, 8, 3)));
        assertTrue(e.getMessage().contains("broken.png"), e.getMessage());
        Files.delete(dir.resolve("train/a/broken.png"));
        Files.createDirectories(dir.resolve("test/zebra"));
        e = assertThrows(DataFileException.class, () -> DataSources.load(DataConfig.images(dir, 8, 8, 3)));
        assertTrue(e.getMessage().contains("zebra"), e.getMessage());
    }

    @Test
    void csvWithHeaderNamedLabelsAndStandardisation() throws IOException {
        Path train = tmp.resolve("train.csv"), test = tmp.resolve("test.csv");
        DataFiles.csv(train, 60, 5, 3, true, 6);
        DataFiles.csv(test, 15, 5, 3, true, 7);
        Dataset d = DataSources.load(DataConfig.csv(train, test, "label"));
        assertEquals(new InputShape(1, 1, 5, 3), d.shape());
        assertEquals(60, d.trainCount());
        assertEquals(1, d.trainLabels()[1]); // "class-1"
        double mean = d.trainImages().getColumn(2).meanNumber().doubleValue();
        double sd = d.trainImages().getColumn(2).stdNumber().doubleValue();
        assertEquals(0, mean, 1e-4);
        assertEquals(1, sd, 0.05);
    }

    @Test
    void csvLabelColumnByIndexWithoutHeader() throws IOException {
        Path train = tmp.resolve("a.csv"), test = tmp.resolve("b.csv");
        Files.writeString(train, "0,1.0,2.0\n1,3.0,4.0\n\n2,5.0,6.0\n1,0.5,0.5\n");
        Files.writeString(test, "2,1.0,1.0\n");
        Dataset d = DataSources.load(new DataConfig("csv", null, train.toString(), test.toString(), "0", 32, 32, 3, false));
        assertEquals(3, d.classes());
        assertEquals(4, d.trainCount());
        assertEquals(2, d.features());
        assertEquals(5.0f, d.trainImages().getFloat(2, 0));
        assertEquals(2, d.testLabels()[0]);
    }

    @Test
    void badCsvNamesFileAndLine() throws IOException {
        Path train = tmp.resolve("t.csv"), test = tmp.resolve("u.csv");
        Files.writeString(train, "x,y,label\n1,2,0\n3,oops,1\n");
        Files.writeString(test, "1,2,0\n");
        DataFileException e = assertThrows(DataFileException.class, () -> DataSources.load(DataConfig.csv(train, test, null)));
        assertTrue(e.getMessage().contains("t.csv") && e.getMessage().contains("line 3") && e.getMessage().contains("oops"), e.getMessage());
        Files.writeString(train, "x,y,label\n1,2,0\n3,4,1\n");
        Files.writeString(test, "1,2,7\n");
        e = assertThrows(DataFileException.class, () -> DataSources.load(DataConfig.csv(train, test, null)));
        assertTrue(e.getMessage().contains("u.csv") && e.getMessage().contains("label 7"), e.getMessage());
        Files.writeString(test, "1,2\n");
        e = assertThrows(DataFileException.class, () -> DataSources.load(DataConfig.csv(train, test, null)));
        assertTrue(e.getMessage().contains("u.csv") && e.getMessage().contains("columns"), e.getMessage());
        e = assertThrows(DataFileException.class, () -> DataSources.load(DataConfig.csv(train, test, "nope")));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void idxFormatReadsAnyDirectory() throws IOException {
        Path dir = tmp.resolve("idx");
        DataFiles.idx(dir, 50, 10, 12, 8);
        Dataset d = DataSources.load(DataConfig.dir("idx", dir));
        assertEquals(new InputShape(1, 12, 12, 10), d.shape());
        assertEquals(50, d.trainCount());
    }

    @Test
    void configRulesNameTheField() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> DataConfig.dir("parquet", tmp)).getMessage().contains("data.format"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new DataConfig("csv", null, "a.csv", null, null, 32, 32, 3, true)).getMessage().contains("data.testFile"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new DataConfig("images", tmp.toString(), null, null, null, 32, 32, 2, true)).getMessage().contains("data.channels"));
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> new DataConfig("cifar", tmp.toString(), "x.csv", null, null, 32, 32, 3, true)).getMessage().contains("data.file"));
    }
}
