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
}
