package org.bitsearch.trainers.io;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * A fingerprint of a dataset on disk: SHA-256 over the relative path and content of every regular file under a
 * directory (sorted by path, so the order the file system lists them in does not matter), or over one file. Two
 * machines holding the same dataset files get the same fingerprint wherever the directory is; a cluster coordinator
 * compares it with each worker's before a trial trains there. Blocking (reads every byte once).
 */
public final class DataFingerprint {
    private DataFingerprint() {}

    /** The fingerprint of {@code path} (a directory, recursively, or a file), as 64 hex digits. */
    public static String of(Path path) throws IOException {
        MessageDigest all = sha256();
        if (Files.isRegularFile(path)) {
            digestFile(all, path);
        } else {
            List<Path> files;
            try (Stream<Path> walk = Files.walk(path)) {
                files = walk.filter(Files::isRegularFile).sorted().toList();
            }
            for (Path f : files) {
                all.update(path.relativize(f).toString().replace('\\', '/').getBytes(StandardCharsets.UTF_8));
                all.update((byte) 0);
                digestFile(all, f);
            }
        }
        return HexFormat.of().formatHex(all.digest());
    }

    private static void digestFile(MessageDigest all, Path file) throws IOException {
        MessageDigest one = sha256();
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            for (int n; (n = in.read(buffer)) > 0; ) one.update(buffer, 0, n);
        }
        all.update(one.digest());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }
}
