package org.bitsearch.actors.trial;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Where checkpoints live: {@code <dataDir>/checkpoints/<searchId>/<number>/epoch-<k>.ckpt}, one file per epoch
 * until older ones are deleted. File operations block: call them on the trainer dispatcher.
 */
public final class CheckpointFiles {
    private static final Pattern EPOCH_FILE = Pattern.compile("epoch-(\\d+)\\.ckpt");

    private CheckpointFiles() {}

    public static Path trialDir(Path dataDir, long searchId, int number) {
        return dataDir.resolve("checkpoints").resolve(Long.toString(searchId)).resolve(Integer.toString(number));
    }

    public static Path file(Path trialDir, int epoch) {
        return trialDir.resolve(String.format("epoch-%04d.ckpt", epoch));
    }

    /** Deletes the epoch files of {@code trialDir} older than {@code keepEpoch} (and stray temp files of them). */
    public static void deleteOlderThan(Path trialDir, int keepEpoch) {
        if (!Files.isDirectory(trialDir)) return;
        try (Stream<Path> files = Files.list(trialDir)) {
            for (Path f : files.toList()) {
                Matcher m = EPOCH_FILE.matcher(f.getFileName().toString());
                if (m.matches() && Integer.parseInt(m.group(1)) < keepEpoch) Files.deleteIfExists(f);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean checkpoints in " + trialDir + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a trial's checkpoint directory (pruned and failed trials need none). */
    public static void deleteAll(Path trialDir) {
        if (!Files.exists(trialDir)) return;
        try (Stream<Path> walk = Files.walk(trialDir)) {
            List<Path> all = walk.sorted(Comparator.reverseOrder()).toList();
            for (Path p : all) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete checkpoints in " + trialDir + ": " + e.getMessage(), e);
        }
    }
}
