package org.bitsearch.storage;

import java.nio.file.Path;

/** The latest checkpoint of a trial: the file holds the state after {@code epoch} epochs. */
public record CheckpointRow(long searchId, int number, int epoch, Path path) {}
