package org.bitsearch.actors;

import org.bitsearch.actors.spec.TrainerFactory;
import org.bitsearch.actors.train.Dl4jTrainer;
import org.bitsearch.actors.train.Dl4jTrainerConfig;
import org.bitsearch.search.sim.SimulatedTrainer;
import org.bitsearch.search.sim.SimulatedTrainerConfig;

/**
 * The trainer kinds a spec may name out of the box: {@code dl4j} (the default; {@link Dl4jTrainerConfig}) and
 * {@code simulated} (a seeded learning-curve model for tests and demos; {@code SimulatedTrainerConfig}).
 */
public final class StandardTrainers {
    private StandardTrainers() {}

    public static TrainerFactory factory() {
        return TrainerFactory.empty()
                .with(new TrainerFactory.Kind<>("dl4j", Dl4jTrainerConfig.class, Dl4jTrainer::new))
                .with(new TrainerFactory.Kind<>("simulated", SimulatedTrainerConfig.class, SimulatedTrainer::new));
    }
}
