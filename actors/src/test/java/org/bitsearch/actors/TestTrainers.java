package org.bitsearch.actors;

import org.bitsearch.actors.spec.TrainerFactory;
import org.bitsearch.trainers.sim.SimulatedTrainer;
import org.bitsearch.trainers.sim.SimulatedTrainerConfig;

/** The trainer kinds the actor tests use: the simulated trainer only (the actors know no DL4J). */
public final class TestTrainers {
    private TestTrainers() {}

    public static TrainerFactory factory() {
        return TrainerFactory.empty().with(new TrainerFactory.Kind<>("simulated", SimulatedTrainerConfig.class,
                SimulatedTrainer::new, SimulatedTrainer.hyperparameters()));
    }
}
