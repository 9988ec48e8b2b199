package org.bitsearch.trainers.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bitsearch.trainers.io.AtomicFiles;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * bitsearch's checkpoint of a process-trained trial: the program's own checkpoint file wrapped with what resume
 * needs. The format: one JSON header line
 * {@code {"format":"bitsearch-process-checkpoint","version":1,"trial":3,"seed":…,"epoch":2,"name":"epoch-2.pt","bytes":N}}
 * then the N bytes of the program's file. The trial actor writes it where every trainer's checkpoints go
 * ({@code epoch-<k>.ckpt}), so pruning, cleanup, resume and export treat it as any other; on resume the program's
 * file is written back under its own name into the attempt's {@code checkpointDir} and named in the start message.
 *
 * @param trial the trial number
 * @param seed  the trial seed (a checkpoint of another trial is refused)
 * @param epoch the epochs trained
 * @param name  the program's file name, as it reported it (a path relative to its checkpointDir, or absolute)
 */
record ProcessCheckpoint(int trial, long seed, int epoch, String name) {
    static final String FORMAT = "bitsearch-process-checkpoint";
    private static final int MAX_HEADER = 64 * 1024;

    ProcessCheckpoint {
        if (epoch < 1) throw new IllegalArgumentException("epoch is " + epoch + ", but must be >= 1");
        if (name == null || name.isBlank()) throw new IllegalArgumentException("name must not be blank");
    }

    /** Writes the header and {@code programFile}'s bytes to {@code target} atomically (a temp file, then a move). */
    void write(Path programFile, Path target) throws IOException {
        long size = Files.size(programFile);
        ObjectNode h = ProtocolParser.JSON.createObjectNode();
        h.put("format", FORMAT).put("version", 1).put("trial", trial).put("seed", seed).put("epoch", epoch)
                .put("name", name).put("bytes", size);
        AtomicFiles.write(target, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                out.write(ProtocolParser.JSON.writeValueAsBytes(h));
                out.write('\n');
                long copied = Files.copy(programFile, out);
                if (copied != size) throw new IOException(programFile + " changed while it was copied (" + size + " then " + copied + " bytes)");
            }
        });
    }

    /**
     * Reads the header of {@code file} and writes the program's bytes to {@code dir}/{@code name}'s file name.
     *
     * @return the header and the extracted file
     * @throws IOException if the file is not a process checkpoint, is truncated, or belongs to another trial
     */
    static Restored extract(Path file, int trial, long seed, Path dir) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            HeaderView h = header(file, in);
            if (h.trial() != trial || h.seed() != seed)
                throw new IOException(file + " is the checkpoint of trial " + h.trial() + " (seed " + h.seed()
                        + "), not of trial " + trial + " (seed " + seed + ")");
            Files.createDirectories(dir);
            Path out = dir.resolve(Path.of(h.name()).getFileName().toString());
            AtomicFiles.write(out, tmp -> {
                long copied;
                try (OutputStream o = Files.newOutputStream(tmp)) {
                    copied = in.transferTo(o);
                }
                if (copied != h.bytes())
                    throw new IOException(file + " is truncated: " + copied + " of " + h.bytes() + " bytes of " + h.name());
            });
            return new Restored(new ProcessCheckpoint(h.trial(), h.seed(), h.epoch(), h.name()), out);
        }
    }

    /** A checkpoint written back: its header and the program's file. */
    record Restored(ProcessCheckpoint header, Path file) {}


    private static HeaderView header(Path file, InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0 || line.size() > MAX_HEADER) throw new IOException(file + " is not a process-trainer checkpoint (no header line)");
            line.write(b);
        }
        JsonNode h;
        try {
            h = ProtocolParser.JSON.readTree(line.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IOException(file + " is not a process-trainer checkpoint (its header is not JSON)");
        }
        if (h == null || !FORMAT.equals(h.path("format").asText()) || h.path("version").asInt() != 1)
            throw new IOException(file + " is not a process-trainer checkpoint (format " + h + ")");
        return new HeaderView(h.path("trial").asInt(), h.path("seed").asLong(), h.path("epoch").asInt(),
                h.path("name").asText(), h.path("bytes").asLong());
    }

    private record HeaderView(int trial, long seed, int epoch, String name, long bytes) {}
}
