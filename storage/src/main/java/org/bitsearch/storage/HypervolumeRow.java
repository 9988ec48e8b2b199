package org.bitsearch.storage;

import java.time.Instant;

/**
 * One step of a search's hypervolume history with the moment it was recorded: what the page plots against wall
 * clock or against trials finished.
 *
 * @param step            1, 2, ... one per front change
 * @param hypervolume     the front's hypervolume after this change, finite and >= 0
 * @param frontSize       points on the front after this change
 * @param recorded        when the change was stored
 * @param trialsFinished  trials of the search in a final state (COMPLETED, PRUNED, FAILED) at that moment
 */
public record HypervolumeRow(int step, double hypervolume, int frontSize, Instant recorded, int trialsFinished) {
    public HypervolumeRow {
        if (step < 1) throw new IllegalArgumentException("step is " + step + ", but must be >= 1");
        if (!Double.isFinite(hypervolume) || hypervolume < 0)
            throw new IllegalArgumentException("hypervolume is " + hypervolume + ", but must be finite and >= 0");
        if (frontSize < 0 || trialsFinished < 0)
            throw new IllegalArgumentException("frontSize and trialsFinished must be >= 0, but are " + frontSize + ", " + trialsFinished);
        if (recorded == null) throw new IllegalArgumentException("recorded is null, but must be given");
    }
}
