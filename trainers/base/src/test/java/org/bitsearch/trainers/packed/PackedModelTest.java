package org.bitsearch.trainers.packed;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bit packing round trips at every width; the BSQ1 file round trips and its size is the model size plus a header. */
class PackedModelTest {
    @Test
    void packingRoundTripsAtEveryWidth() {
        SplittableRandom rng = new SplittableRandom(1);
        for (int bits = 1; bits <= 8; bits++) {
            int[] codes = new int[1001];
            for (int i = 0; i < codes.length; i++) codes[i] = rng.nextInt(1 << bits);
            byte[] packed = BitPacking.pack(codes, bits);
            assertEquals((1001L * bits + 7) / 8, packed.length);
            assertArrayEquals(codes, BitPacking.unpack(packed, codes.length, bits));
        }
        assertArrayEquals(new byte[]{(byte) 0b1110_0100}, BitPacking.pack(new int[]{0, 1, 2, 3}, 2), "LSB first");
        assertThrows(IllegalArgumentException.class, () -> BitPacking.pack(new int[]{4}, 2));
    }

    private static PackedModel model(int bits) {
        int[] codes = new int[6 * 4];
        for (int i = 0; i < codes.length; i++) codes[i] = i % (bits == 32 ? 1000 : 1 << bits);
        PackedLayer dense = new PackedLayer(PackedLayer.Kind.DENSE, "fc", PackedLayer.Activation.RELU, 6, 4, new int[0],
                bits, bits == 32 ? new double[0] : new double[]{0.25}, codes, new float[]{1, 2, 3, 4}, 32, false, 0f);
        PackedLayer out = new PackedLayer(PackedLayer.Kind.DENSE, "out", PackedLayer.Activation.SOFTMAX, 4, 2, new int[0],
                bits, bits == 32 ? new double[0] : new double[]{0.5, 0.125}, Arrays.copyOf(codes, 8), new float[]{0, 0}, 32, false, 0f);
        return new PackedModel(1, 1, 6, 2, List.of(dense, out));
    }

    @Test
    void roundTripsAndSizeIsModelSizePlusHeader() throws IOException {
        for (int bits : new int[]{1, 2, 3, 4, 8}) {
            PackedModel m = model(bits);
            byte[] b = m.toBytes();
            assertEquals(m, PackedModel.fromBytes(b));
            long modelBits = (24L + 8) * bits + 32 * 6;
            assertEquals(b.length - (modelBits + 7) / 8, m.overheadBytes());
            assertTrue(m.overheadBytes() <= 16 + 2 * 61 + 8 * 3 + 2, "overhead " + m.overheadBytes());
        }
        assertThrows(IOException.class, () -> PackedModel.fromBytes(Arrays.copyOf(model(4).toBytes(), 30)));
        assertThrows(IOException.class, () -> PackedModel.fromBytes("nope-nope-nope".getBytes()));
    }

    @Test
    void dequantizationAndReferenceInference() {
        PackedModel m = model(3); // levels code - 3, scale 0.25 for fc
        float[] w = m.layers().get(0).dequantize();
        assertEquals(-0.75f, w[0]);
        assertEquals(0.75f, w[6]);
        float[] p = new ReferenceInference(m).forward(new float[]{1, 0, 0, 0, 0, 0});
        assertEquals(2, p.length);
        assertEquals(1.0, p[0] + p[1], 1e-6);
        assertEquals(0.5f, ReferenceInference.quantizeActivation(0.4f, 2, false, 1.5f));
        assertEquals(-1f, ReferenceInference.quantizeActivation(-0.2f, 1, true, 1f) + 0f);
        assertEquals(1f, ReferenceInference.quantizeActivation(0f, 1, true, 1f));
    }

    /**
     * Version 2: a residual graph by hand, input 2x1x2 → bn (a = 2, 3; b = 1, −1) → relu → add(relu, input) → global
     * average → dense (FP32 weights) — outputs checked against arithmetic done by hand; version 1 readers' kinds
     * stay as they were.
     */
    @Test
    void versionTwoGraphWithBatchNormAddAndGlobalPoolingRoundTripsAndComputes() throws IOException {
        int[] g = {1, 1, 1, 1, 0, 0, 1, 2, 1, 2};
        PackedLayer bn = new PackedLayer(PackedLayer.Kind.BATCH_NORM, "bn", PackedLayer.Activation.IDENTITY, 2, 2, g, 32, new double[0],
                new int[]{Float.floatToRawIntBits(2f), Float.floatToRawIntBits(3f)}, new float[]{1, -1}, 32, false, 0f);
        PackedLayer relu = new PackedLayer(PackedLayer.Kind.ACTIVATION, "relu", PackedLayer.Activation.RELU, 2, 2, g, 0, new double[0],
                new int[0], new float[0], 32, false, 0f);
        PackedLayer add = new PackedLayer(PackedLayer.Kind.ADD, "add", PackedLayer.Activation.IDENTITY, 2, 2, g, 0, new double[0],
                new int[0], new float[0], 32, false, 0f, new int[]{1, -1});
        PackedLayer gap = new PackedLayer(PackedLayer.Kind.GLOBAL_AVG_POOL, "gap", PackedLayer.Activation.IDENTITY, 2, 2,
                new int[]{1, 1, 1, 1, 0, 0, 1, 2, 1, 1}, 0, new double[0], new int[0], new float[0], 32, false, 0f);
        PackedLayer fc = new PackedLayer(PackedLayer.Kind.DENSE, "fc", PackedLayer.Activation.IDENTITY, 2, 1, new int[0], 32, new double[0],
                new int[]{Float.floatToRawIntBits(1f), Float.floatToRawIntBits(10f)}, new float[]{0.5f}, 32, false, 0f);
        PackedModel m = new PackedModel(2, 1, 2, 1, List.of(bn, relu, add, gap, fc));
        assertEquals(2, m.version());
        assertEquals(m, PackedModel.fromBytes(m.toBytes()));
        // x = [c0: 1, -2 | c1: 0.5, 1]; bn = [3, -3 | 0.5, 2]; relu = [3, 0 | 0.5, 2]; + x = [4, -2 | 1, 3]; gap = [1, 2]
        float[] y = new ReferenceInference(m).forward(new float[]{1, -2, 0.5f, 1});
        assertArrayEquals(new float[]{1 * 1 + 2 * 10 + 0.5f}, y);
        assertEquals(1, model(4).version(), "a sequential model of version 1's kinds is still written as version 1");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new PackedModel(2, 1, 2, 1, List.of(bn, add.withInputs(2, 0))));
        assertTrue(e.getMessage().contains("earlier layers"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> add.withInputs(0));
    }
}
