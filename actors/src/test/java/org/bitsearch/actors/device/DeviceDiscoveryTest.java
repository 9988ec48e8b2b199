package org.bitsearch.actors.device;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** GPU discovery against a fake {@code nvidia-smi} written to a temp directory and passed as the PATH. */
class DeviceDiscoveryTest {
    @TempDir Path bin;

    private String fakeSmi(int gpus) throws Exception {
        StringBuilder s = new StringBuilder("#!/bin/sh\n[ \"$1\" = -L ] || exit 2\n");
        for (int i = 0; i < gpus; i++)
            s.append("echo 'GPU ").append(i).append(": NVIDIA H200 (UUID: GPU-0000000").append(i).append(")'\n");
        Path smi = bin.resolve("nvidia-smi");
        Files.writeString(smi, s.toString());
        Files.setPosixFilePermissions(smi, PosixFilePermissions.fromString("rwxr-xr-x"));
        return bin + ":/usr/bin:/bin";
    }

    @Test
    void countsTheGpusThatNvidiaSmiLists() throws Exception {
        String path = fakeSmi(3);
        assertEquals(3, DeviceDiscovery.gpuCount(null, path));
        assertEquals(List.of("gpu:0", "gpu:1", "gpu:2"), DeviceDiscovery.discover(2, GpuSelection.ALL, null, path, 8, false));
        assertEquals(List.of("gpu:0", "gpu:2"), DeviceDiscovery.discover(2, GpuSelection.parse("0,2"), null, path, 8, false));
    }

    @Test
    void cudaVisibleDevicesRestrictsWhatIsVisible() throws Exception {
        String path = fakeSmi(4);
        assertEquals(2, DeviceDiscovery.gpuCount("2,3", path));
        assertEquals(List.of("gpu:0", "gpu:1"), DeviceDiscovery.discover(0, GpuSelection.ALL, "2,3", path, 8, false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceDiscovery.discover(0, GpuSelection.parse("2"), "2,3", path, 8, false));
        assertEquals("--gpus is 2, but names GPU 2 and only GPUs 0..1 are visible (CUDA_VISIBLE_DEVICES is '2,3')", e.getMessage());
        assertEquals(0, DeviceDiscovery.gpuCount("", path), "an empty CUDA_VISIBLE_DEVICES hides every GPU");
    }

    @Test
    void autoUsesGpusOnlyWithTheCudaBackendAndNoneNever() throws Exception {
        String path = fakeSmi(2);
        assertEquals(List.of("cpu:0", "cpu:1", "cpu:2", "cpu:3"), DeviceDiscovery.discover(0, GpuSelection.AUTO, null, path, 4, false), "one slot per core");
        assertEquals(List.of("gpu:0", "gpu:1"), DeviceDiscovery.discover(0, GpuSelection.AUTO, null, path, 8, true));
        assertEquals(List.of("cpu:0"), DeviceDiscovery.discover(1, GpuSelection.NONE, null, path, 8, true));
    }

    @Test
    void askingForGpusThatAreNotThereIsAnError() throws Exception {
        String none = bin + ":/nonexistent";
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceDiscovery.discover(0, GpuSelection.ALL, null, none, 8, false));
        assertEquals("--gpus is all, but no GPU is visible (nvidia-smi -L)", e.getMessage());
        String path = fakeSmi(1);
        e = assertThrows(IllegalArgumentException.class, () -> DeviceDiscovery.discover(0, GpuSelection.parse("0,1"), null, path, 8, false));
        assertEquals("--gpus is 0,1, but names GPU 1 and only GPUs 0..0 are visible (nvidia-smi -L)", e.getMessage());
    }

    @Test
    void theFlagIsParsedStrictly() {
        assertEquals(GpuSelection.ALL, GpuSelection.parse("all"));
        assertEquals(List.of(0, 1), GpuSelection.parse(" 0, 1 ").indices());
        assertEquals("--gpus is 'x', but must be auto, all, none or a list of GPU indices such as 0,1",
                assertThrows(IllegalArgumentException.class, () -> GpuSelection.parse("x")).getMessage());
        assertEquals("--gpus is '1,1', but names GPU 1 twice",
                assertThrows(IllegalArgumentException.class, () -> GpuSelection.parse("1,1")).getMessage());
        assertEquals("--gpus is '', but must be auto, all, none or a list of GPU indices such as 0,1",
                assertThrows(IllegalArgumentException.class, () -> GpuSelection.parse("")).getMessage());
    }
}
