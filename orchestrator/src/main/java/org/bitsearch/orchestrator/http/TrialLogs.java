package org.bitsearch.orchestrator.http;

import org.bitsearch.storage.SearchStore;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.nio.ByteBuffer;
import java.io.FileNotFoundException;

/**
 * A trial's log files ({@code GET /api/searches/{id}/trials/{n}/logs} and {@code .../logs/{name}}): what a trainer
 * wrote under {@code <checkpoints>/<search>/<trial>/logs/}. The process trainer writes one file per attempt
 * ({@code attempt-N.log}: the program's stderr and its stdout lines that are not protocol messages) and one per
 * end-of-search task ({@code test.log}, {@code export.log}). Only names of that form are served, so a request
 * cannot reach another file. A log is read from its end: at most {@code maxBytes} of its last bytes, cut at a line
 * start, decoded as UTF-8 with malformed bytes replaced. Blocking (file reads): call on the blocking executor.
 * A trial that trained on a cluster worker wrote its logs on that worker's machine; they are not listed here.
 */
final class TrialLogs {
    /** The file names served: {@code attempt-N.log}, {@code test.log}, {@code export.log}. */
    static final Pattern NAME = Pattern.compile("(attempt-([1-9][0-9]{0,5})|test|export)\\.log");
    /** The most a log read returns, from the file's end. */
    static final int MAX_BYTES = 256 * 1024;

    /** One log file: its name, its size in bytes, and the attempt it belongs to (0 for {@code test}/{@code export}). */
    record LogFile(String name, long bytes, int attempt) {
        LogFile {
            if (name == null || !NAME.matcher(name).matches()) throw new IllegalArgumentException("name is '" + name + "', but must be a log name");
            if (bytes < 0) throw new IllegalArgumentException("bytes must be >= 0");
        }
    }

    /** The list answer: the trial's logs, attempts first in order, then the tasks. */
    record LogList(long search, int trial, List<LogFile> logs) {
        LogList { logs = List.copyOf(logs); }
    }

    /**
     * One log's text.
     *
     * @param bytes     the file's whole size
     * @param truncated true if {@code text} is only the file's end (the file is larger than {@link #MAX_BYTES})
     * @param text      the (last part of the) file, UTF-8
     */
    record LogText(long search, int trial, String name, long bytes, boolean truncated, String text) {}

    private final SearchStore store;
    private final Path checkpointRoot;

    /** @param checkpointRoot the data directory's {@code checkpoints} folder */
    TrialLogs(SearchStore store, Path checkpointRoot) {
        this.store = store;
        this.checkpointRoot = checkpointRoot;
    }

    /** The trial's logs (possibly none); empty if the search or the trial does not exist. */
    Optional<LogList> list(long search, int trial) {
        if (!trialExists(search, trial)) return Optional.empty();
        Path dir = logDir(search, trial);
        List<LogFile> out = new ArrayList<>();
        if (Files.isDirectory(dir)) {
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : (Iterable<Path>) files::iterator) {
                    Matcher m = NAME.matcher(f.getFileName().toString());
                    if (!m.matches() || !Files.isRegularFile(f)) continue;
                    out.add(new LogFile(m.group(), Files.size(f), m.group(2) == null ? 0 : Integer.parseInt(m.group(2))));
                }
            } catch (NoSuchFileException e) {
                // deleted meanwhile: no logs
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        out.sort(Comparator.comparingInt((LogFile l) -> l.attempt() == 0 ? Integer.MAX_VALUE : l.attempt()).thenComparing(LogFile::name));
        return Optional.of(new LogList(search, trial, out));
    }

    /**
     * One log's text (its last {@link #MAX_BYTES} at most); empty if the search, the trial or the file does not exist.
     *
     * @throws IllegalArgumentException if {@code name} is not a log name ({@link #NAME})
     */
    Optional<LogText> read(long search, int trial, String name) {
        if (name == null || !NAME.matcher(name).matches())
            throw new IllegalArgumentException("log name is '" + name + "', but must be attempt-N.log, test.log or export.log");
        if (!trialExists(search, trial)) return Optional.empty();
        Path file = logDir(search, trial).resolve(name);
        if (!Files.isRegularFile(file)) return Optional.empty();
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long size = raf.length();
            long from = Math.max(0, size - MAX_BYTES);
            byte[] bytes = new byte[(int) (size - from)];
            raf.seek(from);
            raf.readFully(bytes);
            int start = 0;
            if (from > 0) { // start at the first whole line
                while (start < bytes.length && bytes[start] != '\n') start++;
                start = Math.min(bytes.length, start + 1);
            }
            String text = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(bytes, start, bytes.length - start)).toString();
            return Optional.of(new LogText(search, trial, name, size, from > 0, text));
        } catch (NoSuchFileException | FileNotFoundException e) {
            return Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private boolean trialExists(long search, int trial) {
        return store.trial(search, trial).isPresent();
    }

    private Path logDir(long search, int trial) {
        return checkpointRoot.resolve(Long.toString(search)).resolve(Integer.toString(trial)).resolve("logs");
    }
}
