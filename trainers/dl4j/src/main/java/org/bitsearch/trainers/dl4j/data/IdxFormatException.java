package org.bitsearch.trainers.dl4j.data;

import java.io.IOException;
import java.nio.file.Path;

/** A data file is missing, corrupt, truncated or fails its checksum. The message names the file. */
public final class IdxFormatException extends IOException {
    private final transient Path file;

    public IdxFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public IdxFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file the problem is about. */
    public Path file() { return file; }
}
