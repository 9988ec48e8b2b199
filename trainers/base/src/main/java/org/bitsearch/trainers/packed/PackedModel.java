package org.bitsearch.trainers.packed;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * bitsearch's packed low-bit model format ("BSQ1"), for devices: per layer the integer weight codes bit-packed at
 * the layer's bit-width, the scales, the FP32 biases and the activation quantization parameters (README,
 * "Packed model format"). All numbers are big-endian.
 *
 * <pre>
 * file    = "BSQ1" u16:version(1 or 2) u16:channels u16:rows u16:cols u16:classes u16:layerCount layer*
 * layer   = u8:kind u8:activation u8:nameLength name(UTF-8) u32:nIn u32:nOut
 *           [kind != DENSE: 10 x u16 geometry (kH kW sH sW padTop padLeft inH inW outH outW)]
 *           [DENSE, CONV2D, BATCH_NORM: u8:bits u32:scaleCount f64*scaleCount codes u32:biasCount f32*biasCount]
 *           u8:activationBits u8:activationSigned f32:activationClip
 *           [version 2: u8:inputCount u16*inputCount (layer indices, 0xFFFF = the model input; none = the previous layer)]
 * codes   = bits 1..8: ceil(weights·bits/8) bytes, the codes packed LSB-first ({@link BitPacking});
 *           bits 32: weights x f32
 * </pre>
 *
 * kind: 0 DENSE, 1 CONV2D, 2 MAX_POOL, 3 AVG_POOL; version 2 adds 4 BATCH_NORM (bits 32, nOut codes = the folded
 * per-channel scales a_c as f32, nOut biases = the shifts b_c; geometry 1 1 1 1 0 0 h w h w) and 5 ACTIVATION (no
 * parameters), 6 ADD (the sum of its inputs) and 7 GLOBAL_AVG_POOL (geometry 1 1 1 1 0 0 h w 1 1), and per layer its
 * inputs, so that a graph (a residual network) is a list of layers in topological order. A file is written as
 * version 1 when it has none of version 2's kinds and no layer names its inputs.
 *
 * So the file is the model size the search reports (weights·bits + 32·biases, in bits) plus {@link #overheadBytes}:
 * 16 header bytes, per layer at most 17 + name + 20 geometry + 13 bytes, 8 per scale, and the padding of each
 * layer's codes to a whole byte.
 *
 * @param channels input channels
 * @param rows     input height (1 for feature vectors)
 * @param cols     input width (the feature count for feature vectors)
 * @param classes  outputs of the last layer
 * @param layers   the layers in forward order; inputs are channel-major (c, row, col) and a dense layer after a
 *                 convolution reads them flattened in that order
 */
public record PackedModel(int channels, int rows, int cols, int classes, List<PackedLayer> layers) {
    static final byte[] MAGIC = "BSQ1".getBytes(StandardCharsets.US_ASCII);
    /** The newest version written: 2 when a layer is BATCH_NORM or ACTIVATION, else 1 (the reader reads both). */
    public static final int VERSION = 2;

    public PackedModel {
        layers = List.copyOf(layers);
        if (channels < 1 || rows < 1 || cols < 1 || classes < 1)
            throw new IllegalArgumentException("input " + channels + "x" + rows + "x" + cols + " with " + classes + " classes: every value must be >= 1");
        if (layers.isEmpty()) throw new IllegalArgumentException("a packed model needs at least one layer");
        for (int i = 0; i < layers.size(); i++)
            for (int from : layers.get(i).inputs())
                if (from >= i) throw new IllegalArgumentException("layer " + layers.get(i).name() + " (index " + i + ") reads layer " + from
                        + ", but layers may read only earlier layers (forward order)");
    }

    /** The serialised bytes. */
    public byte[] toBytes() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.write(MAGIC);
            out.writeShort(version());
            for (int v : new int[]{channels, rows, cols, classes, layers.size()}) out.writeShort(u16(v, "header value"));
            int version = version();
            for (PackedLayer l : layers) write(out, l, version);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return bytes.toByteArray();
    }

    /** The format version this model is written in: 1 unless a layer needs version 2's kinds. */
    public int version() {
        for (PackedLayer l : layers) if (l.kind().ordinal() > PackedLayer.Kind.AVG_POOL.ordinal() || l.inputs().length > 0) return 2;
        return 1;
    }

    private static void write(DataOutputStream out, PackedLayer l, int version) throws IOException {
        out.writeByte(l.kind().ordinal());
        out.writeByte(l.activation().ordinal());
        byte[] name = l.name().getBytes(StandardCharsets.UTF_8);
        if (name.length > 255) throw new IllegalArgumentException("layer name " + l.name() + " is longer than 255 bytes");
        out.writeByte(name.length);
        out.write(name);
        out.writeInt(l.nIn());
        out.writeInt(l.nOut());
        if (l.kind() != PackedLayer.Kind.DENSE) for (int g : l.geometry()) out.writeShort(u16(g, "geometry of " + l.name()));
        if (l.hasParams()) {
            out.writeByte(l.bits());
            out.writeInt(l.scales().length);
            for (double s : l.scales()) out.writeDouble(s);
            if (l.bits() == 32) for (int c : l.codes()) out.writeInt(c);
            else out.write(BitPacking.pack(l.codes(), l.bits()));
            out.writeInt(l.biases().length);
            for (float b : l.biases()) out.writeFloat(b);
        }
        out.writeByte(l.activationBits());
        out.writeByte(l.activationSigned() ? 1 : 0);
        out.writeFloat(l.activationClip());
        if (version >= 2) {
            if (l.inputs().length > 255) throw new IllegalArgumentException("layer " + l.name() + " has more than 255 inputs");
            out.writeByte(l.inputs().length);
            for (int i : l.inputs()) out.writeShort(i == -1 ? 0xFFFF : u16(i, "input of " + l.name()));
        }
    }

    private static int u16(int v, String what) {
        if (v < 0 || v > 0xFFFF) throw new IllegalArgumentException(what + " is " + v + ", but the format stores 0..65535");
        return v;
    }

    public void write(Path file) throws IOException { Files.write(file, toBytes()); }

    /**
     * Reads a packed model.
     *
     * @throws IOException naming the file if it is not a BSQ1 file, has another version, or is truncated or malformed
     */
    public static PackedModel read(Path file) throws IOException {
        try {
            return fromBytes(Files.readAllBytes(file));
        } catch (IOException | IllegalArgumentException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
    }

    public static PackedModel fromBytes(byte[] bytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            byte[] magic = in.readNBytes(4);
            if (!java.util.Arrays.equals(magic, MAGIC)) throw new IOException("not a packed bitsearch model (magic is not BSQ1)");
            int version = in.readUnsignedShort();
            if (version < 1 || version > VERSION) throw new IOException("packed model version " + version + ", but this reader reads 1.." + VERSION);
            int channels = in.readUnsignedShort(), rows = in.readUnsignedShort(), cols = in.readUnsignedShort(),
                    classes = in.readUnsignedShort(), n = in.readUnsignedShort();
            List<PackedLayer> layers = new ArrayList<>();
            for (int i = 0; i < n; i++) layers.add(readLayer(in, version));
            if (in.available() > 0) throw new IOException(in.available() + " bytes after the last layer");
            return new PackedModel(channels, rows, cols, classes, layers);
        } catch (EOFException e) {
            throw new IOException("truncated packed model", e);
        }
    }

    private static PackedLayer readLayer(DataInputStream in, int version) throws IOException {
        int k = in.readUnsignedByte(), a = in.readUnsignedByte();
        int kinds = version == 1 ? PackedLayer.Kind.AVG_POOL.ordinal() + 1 : PackedLayer.Kind.values().length;
        if (k >= kinds) throw new IOException("unknown layer kind " + k + " in a version " + version + " file");
        if (a >= PackedLayer.Activation.values().length) throw new IOException("unknown activation " + a);
        PackedLayer.Kind kind = PackedLayer.Kind.values()[k];
        String name = new String(in.readNBytes(in.readUnsignedByte()), StandardCharsets.UTF_8);
        int nIn = in.readInt(), nOut = in.readInt();
        int[] g = new int[kind == PackedLayer.Kind.DENSE ? 0 : 10];
        for (int i = 0; i < g.length; i++) g[i] = in.readUnsignedShort();
        int bits = 0;
        double[] scales = new double[0];
        int[] codes = new int[0];
        float[] biases = new float[0];
        if (PackedLayer.hasParams(kind)) {
            bits = in.readUnsignedByte();
            int sc = in.readInt();
            if (sc < 0 || sc > nOut) throw new IOException("layer " + name + ": " + sc + " scales");
            scales = new double[sc];
            for (int i = 0; i < sc; i++) scales[i] = in.readDouble();
            int w = Math.toIntExact(PackedLayer.weightCount(kind, nIn, nOut, g));
            if (bits == 32) {
                codes = new int[w];
                for (int i = 0; i < w; i++) codes[i] = in.readInt();
            } else {
                if (bits < 1 || bits > 8) throw new IOException("layer " + name + ": bits " + bits);
                byte[] packed = in.readNBytes(Math.toIntExact(BitPacking.bytes(w, bits)));
                if (packed.length < BitPacking.bytes(w, bits)) throw new EOFException();
                codes = BitPacking.unpack(packed, w, bits);
            }
            int nb = in.readInt();
            if (nb < 0 || nb > nOut) throw new IOException("layer " + name + ": " + nb + " biases");
            biases = new float[nb];
            for (int i = 0; i < nb; i++) biases[i] = in.readFloat();
        }
        int aBits = in.readUnsignedByte();
        boolean signed = in.readUnsignedByte() != 0;
        float clip = in.readFloat();
        int[] inputs = new int[version >= 2 ? in.readUnsignedByte() : 0];
        for (int i = 0; i < inputs.length; i++) {
            int v = in.readUnsignedShort();
            inputs[i] = v == 0xFFFF ? -1 : v;
        }
        return new PackedLayer(kind, name, PackedLayer.Activation.values()[a], nIn, nOut, g, bits, scales, codes, biases, aBits, signed, clip, inputs);
    }

    /**
     * Bytes beyond the reported model size: {@code toBytes().length - ceil(sum(weights·bits + 32·biases) / 8)}.
     */
    public long overheadBytes() {
        long bits = 0;
        for (PackedLayer l : layers) if (l.hasParams()) bits += l.weights() * l.bits() + 32L * l.biases().length;
        return toBytes().length - (bits + 7) / 8;
    }
}
