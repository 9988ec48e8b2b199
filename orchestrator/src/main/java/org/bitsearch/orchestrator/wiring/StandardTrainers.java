package org.bitsearch.orchestrator.wiring;

import org.bitsearch.actors.spec.TrainerFactory;
import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.Dl4jTrainerConfig;
import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.process.ProcessTrainer;
import org.bitsearch.trainers.process.ProcessTrainerConfig;
import org.bitsearch.trainers.sim.SimulatedTrainer;
import org.bitsearch.trainers.sim.SimulatedTrainerConfig;

import java.nio.file.Files;

/**
 * The trainer kinds a spec may name out of the box: {@code dl4j} (the default; {@link Dl4jTrainerConfig}),
 * {@code simulated} (a seeded learning-curve model for tests and demos; {@code SimulatedTrainerConfig}) and
 * {@code process} (the user's own training program speaking README's JSON-lines protocol;
 * {@link ProcessTrainerConfig}; any hyperparameter, no fixed list).
 */
public final class StandardTrainers {
    private StandardTrainers() {}

    /**
     * The DL4J trainer, once its data directory is known to exist (a named dataset loads at the first trial; data
     * given by format, {@code trainer.data}, is loaded and validated here, before the search starts).
     */
    static Dl4jTrainer dl4j(Dl4jTrainerConfig config) {
        if (config.data() != null) {
            Dl4jTrainer trainer = new Dl4jTrainer(config);
            try {
                trainer.data();
            } catch (java.io.IOException e) {
                throw new IllegalArgumentException("data: " + e.getMessage(), e);
            }
            return trainer;
        }
        if (!Files.isDirectory(config.dataPath()))
            throw new IllegalArgumentException("dataDir is '" + config.dataDir() + "', but it is not a directory"
                    + " (give the dataset directory in the spec or with --data)");
        return new Dl4jTrainer(config);
    }

    public static TrainerFactory factory() {
        return TrainerFactory.empty()
                .with(new TrainerFactory.Kind<>("dl4j", Dl4jTrainerConfig.class, StandardTrainers::dl4j,
                        Hyperparameters.declared()))
                .with(new TrainerFactory.Kind<>("simulated", SimulatedTrainerConfig.class, SimulatedTrainer::new,
                        SimulatedTrainer.hyperparameters()))
                .with(TrainerFactory.Kind.anyParams("process", ProcessTrainerConfig.class, ProcessTrainer::new));
    }
}
