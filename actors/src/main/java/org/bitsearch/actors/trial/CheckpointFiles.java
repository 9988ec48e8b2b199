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
    /** A temp file of a checkpoint being written: "epoch-0003.ckpt.tmp", or with a unique part ("epoch-0003.ckpt.1234.tmp", ".tmp-x"). */
    private static final Pattern TEMP_FILE = Pattern.compile("epoch-(\\d+)\\.ckpt(\\..*)?\\.tmp.*");

    private CheckpointFiles() {}

    public static Path trialDir(Path dataDir, long searchId, int number) {
        return dataDir.resolve("checkpoints").resolve(Long.toString(searchId)).resolve(Integer.toString(number));
    }

    public static Path file(Path trialDir, int epoch) {
        return trialDir.resolve(String.format("epoch-%04d.ckpt", epoch));
    }

    /**
     * Deletes the epoch files of {@code trialDir} older than {@code keepEpoch}, and the stray temp files of epochs
     * up to {@code keepEpoch} (left by a process killed while saving; epoch {@code keepEpoch}'s save has finished).
     * Call it only while no save of this trial runs (the trial's actor calls it before training the next epoch).
     */
    public static void deleteOlderThan(Path trialDir, int keepEpoch) {
        if (!Files.isDirectory(trialDir)) return;
        try (Stream<Path> files = Files.list(trialDir)) {
            for (Path f : files.toList()) {
                Matcher m = EPOCH_FILE.matcher(f.getFileName().toString());
                if (m.matches() && Integer.parseInt(m.group(1)) < keepEpoch) Files.deleteIfExists(f);
                Matcher t = TEMP_FILE.matcher(f.getFileName().toString());
                if (t.matches() && Integer.parseInt(t.group(1)) <= keepEpoch) Files.deleteIfExists(f);
            }
        } catch (java.nio.file.NoSuchFileException e) {
            // the directory went away meanwhile (the trial finished and its checkpoints were deleted): nothing to clean
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean checkpoints in " + trialDir + ": " + e.getMessage(), e);
        }
    }

    /** Deletes a trial's checkpoint directory (pruned and failed trials need none). */
    public static void deleteAll(Path trialDir) {
        // A file may vanish while we walk (the trial's own cleanup of older epochs runs on the trainer thread):
        // that is what we want anyway, so walk again rather than fail.
        for (int attempt = 1; ; attempt++) {
            if (!Files.exists(trialDir)) return;
            try (Stream<Path> walk = Files.walk(trialDir)) {
                List<Path> all = walk.sorted(Comparator.reverseOrder()).toList();
                for (Path p : all) Files.deleteIfExists(p);
                return;
            } catch (IOException | UncheckedIOException e) {
                Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
                if (!(cause instanceof java.nio.file.NoSuchFileException || cause instanceof java.nio.file.DirectoryNotEmptyException)
                        || attempt >= 10)
                    throw new UncheckedIOException("cannot delete checkpoints in " + trialDir + ": " + cause.getMessage(),
                            cause instanceof IOException io ? io : new IOException(cause));
            }
        }
    }
}
