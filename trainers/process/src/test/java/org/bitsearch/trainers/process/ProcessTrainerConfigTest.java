package org.bitsearch.trainers.process;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProcessTrainerConfigTest {
    static final List<ProcessTrainerConfig.Layer> LAYERS = List.of(new ProcessTrainerConfig.Layer("a", 10, 1));

    @Test
    void defaultsAndLayers() {
        ProcessTrainerConfig c = ProcessTrainerConfig.json(List.of("python3", "train.py"), null, null,
                List.of(new ProcessTrainerConfig.Layer("a", 10, 1), new ProcessTrainerConfig.Layer("b", 20, 0)), null, null);
        assertEquals(".", c.workingDir());
        assertEquals(Map.of(), c.env());
        assertEquals(900, c.epochTimeoutSeconds());
        assertEquals(10, c.stopGraceSeconds());
        assertEquals(1, c.quantLayers().get(1).index());
        assertEquals(20, c.quantLayers().get(1).weights());
    }

    @Test
    void everyBrokenRuleNamesItsField() {
        assertRejected(() -> ProcessTrainerConfig.json(List.of(), null, null, LAYERS, null, null),
                "command is empty, but must name the program to run and its arguments");
        assertRejected(() -> ProcessTrainerConfig.json(List.of(" "), null, null, LAYERS, null, null),
                "command[0] is blank, but must be a string naming the program");
        assertRejected(() -> ProcessTrainerConfig.json(List.of("x"), null, Map.of("CUDA_VISIBLE_DEVICES", "0"), LAYERS, null, null),
                "env.CUDA_VISIBLE_DEVICES is set, but bitsearch sets CUDA_VISIBLE_DEVICES for each attempt from its device slot");
        assertRejected(() -> ProcessTrainerConfig.json(List.of("x"), null, null, List.of(), null, null),
                "layers is empty, but must list the model's quantizable layers ([{name, weights, biases}, ...], in forward order)");
        assertRejected(() -> ProcessTrainerConfig.json(List.of("x"), null, null,
                        List.of(new ProcessTrainerConfig.Layer("a", 1, 0), new ProcessTrainerConfig.Layer("a", 1, 0)), null, null),
                "layers[1].name is 'a', but layer names must be distinct");
        assertRejected(() -> ProcessTrainerConfig.json(List.of("x"), null, null, List.of(new ProcessTrainerConfig.Layer("a", 0, 0)), null, null),
                "layers[0].weights is 0, but must be > 0");
        assertRejected(() -> ProcessTrainerConfig.json(List.of("x"), null, null, List.of(new ProcessTrainerConfig.Layer("a", 3, -1)), null, null),
                "layers[0].biases is -1, but must be >= 0");
        assertRejected(() -> ProcessTrainerConfig.json(List.of("x"), null, null, LAYERS, 0, null),
                "epochTimeoutSeconds is 0, but must be >= 1");
        assertRejected(() -> ProcessTrainerConfig.json(List.of("x"), null, null, LAYERS, null, -1),
                "stopGraceSeconds is -1, but must be >= 0");
    }

    @Test
    void theSlotBindsTheDevice() {
        assertEquals(Map.of("CUDA_VISIBLE_DEVICES", "", "BITSEARCH_DEVICE", "cpu"), DeviceEnvironment.of("cpu:3", "0,1"));
        assertEquals(Map.of("CUDA_VISIBLE_DEVICES", "1", "BITSEARCH_DEVICE", "cuda:0"), DeviceEnvironment.of("gpu:1", null));
        assertEquals(Map.of("CUDA_VISIBLE_DEVICES", "GPU-abc", "BITSEARCH_DEVICE", "cuda:0"), DeviceEnvironment.of("gpu:1", "5, GPU-abc"));
        assertEquals(Map.of("CUDA_VISIBLE_DEVICES", "7", "BITSEARCH_DEVICE", "cuda:0"), DeviceEnvironment.of("gpu:0", "7"));
    }

    private static void assertRejected(Runnable r, String message) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, r::run);
        assertEquals(message, e.getMessage());
    }
}
