package org.bitsearch.trainers.dl4j.data;

import java.io.IOException;
import java.nio.file.Path;

/** A data file (of any format) is missing, malformed or inconsistent with the others. The message names the file. */
public class DataFileException extends IOException {
    private final transient Path file;

    public DataFileException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public DataFileException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    /** The file the problem is about. */
    public Path file() { return file; }
}
