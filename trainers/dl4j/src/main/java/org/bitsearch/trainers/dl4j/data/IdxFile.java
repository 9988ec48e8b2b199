package org.bitsearch.trainers.dl4j.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;

/**
 * One IDX file of unsigned bytes (the MNIST-family format, http://yann.lecun.com/exdb/mnist/): a magic number
 * {@code 0x00 0x00 0x08 rank}, {@code rank} big-endian int dimensions, then the data. Gzip-compressed files
 * are recognised by their magic bytes, whatever their name.
 *
 * @param dims the dimensions, outermost first (e.g. [60000, 28, 28] for images, [60000] for labels)
 * @param data the values, row-major, as stored (unsigned: read with {@code & 0xFF})
 */
public record IdxFile(int[] dims, byte[] data) {
    private static final int UNSIGNED_BYTE = 0x08;

    public IdxFile {
        dims = dims.clone();
    }

    /** Number of items (the first dimension). */
    public int count() { return dims[0]; }

    /** Number of values per item (the product of the other dimensions; 1 for labels). */
    public int itemSize() {
        int s = 1;
        for (int i = 1; i < dims.length; i++) s *= dims[i];
        return s;
    }

    /**
     * Reads and checks {@code file}.
     *
     * @throws IdxFormatException naming the file if it is missing, has a bad magic number, unsupported type,
     *                            or is shorter than its header says
     */
    public static IdxFile read(Path file) throws IdxFormatException {
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16)) {
            raw.mark(2);
            int b0 = raw.read(), b1 = raw.read();
            raw.reset();
            InputStream in = (b0 == 0x1f && b1 == 0x8b) ? new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16) : raw;
            DataInputStream data = new DataInputStream(in);
            int magic = data.readInt();
            if ((magic >>> 16) != 0)
                throw new IdxFormatException(file, String.format("bad magic number 0x%08x, expected 0x0000%02xNN (IDX)", magic, UNSIGNED_BYTE));
            int type = (magic >>> 8) & 0xFF, rank = magic & 0xFF;
            if (type != UNSIGNED_BYTE)
                throw new IdxFormatException(file, String.format("bad magic number 0x%08x: data type 0x%02x is not unsigned byte (0x08)", magic, type));
            if (rank < 1 || rank > 4)
                throw new IdxFormatException(file, String.format("bad magic number 0x%08x: rank %d is not in 1..4", magic, rank));
            int[] dims = new int[rank];
            long total = 1;
            for (int i = 0; i < rank; i++) {
                dims[i] = data.readInt();
                if (dims[i] < 0) throw new IdxFormatException(file, "dimension " + i + " is " + dims[i] + ", but must be >= 0");
                total *= dims[i];
            }
            if (total > Integer.MAX_VALUE - 16)
                throw new IdxFormatException(file, "holds " + total + " values, more than this loader supports");
            byte[] values = new byte[(int) total];
            int read = data.readNBytes(values, 0, values.length);
            if (read < values.length)
                throw new IdxFormatException(file, "truncated: header " + Arrays.toString(dims) + " promises " + total
                        + " bytes of data, but the file holds only " + read);
            return new IdxFile(dims, values);
        } catch (IdxFormatException e) {
            throw e;
        } catch (NoSuchFileException e) {
            throw new IdxFormatException(file, "file not found", e);
        } catch (EOFException e) {
            throw new IdxFormatException(file, "truncated: the file ends inside its header or compressed stream", e);
        } catch (IOException e) {
            throw new IdxFormatException(file, "cannot be read: " + e, e);
        }
    }
}
