package org.bitsearch.trainers.dl4j.data;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * Verifies files against a {@code SHA256SUMS} file (the {@code sha256sum} output format: hex digest, two spaces
 * or space-star, file name) in the same directory. Without a {@code SHA256SUMS} nothing is checked.
 */
public final class Checksums {
    public static final String FILE_NAME = "SHA256SUMS";

    private Checksums() {}

    /**
     * Checks every file of {@code names} that {@code dir/SHA256SUMS} lists.
     *
     * @throws IdxFormatException naming the file whose digest differs
     */
    public static void verify(Path dir, List<String> names) throws IOException {
        Path sums = dir.resolve(FILE_NAME);
        if (!Files.isRegularFile(sums)) return;
        Map<String, String> expected = new HashMap<>();
        for (String line : Files.readAllLines(sums)) {
            String t = line.strip();
            if (t.isEmpty() || t.startsWith("#")) continue;
            String[] parts = t.split("\\s+", 2);
            if (parts.length != 2) throw new IdxFormatException(sums, "malformed line '" + line + "'");
            String name = parts[1].startsWith("*") ? parts[1].substring(1) : parts[1];
            expected.put(name, parts[0].toLowerCase());
        }
        for (String name : names) {
            String want = expected.get(name);
            if (want == null) continue;
            Path file = dir.resolve(name);
            if (!Files.isRegularFile(file)) throw new IdxFormatException(file, "file not found");
            String got = sha256(file);
            if (!got.equals(want))
                throw new IdxFormatException(file, "SHA-256 checksum mismatch: " + FILE_NAME + " says " + want + ", but the file has " + got);
        }
    }

    static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
            return HexFormat.of().formatHex(md.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available in this JVM", e);
        }
    }
}
