package org.bitsearch.trainers.dl4j.data;

import java.nio.file.Path;

/** A data file is missing, corrupt, truncated or fails its checksum. The message names the file. */
public final class IdxFormatException extends DataFileException {

    public IdxFormatException(Path file, String problem) {
        super(file, problem);
    }

    public IdxFormatException(Path file, String problem, Throwable cause) {
        super(file, problem, cause);
    }
}
