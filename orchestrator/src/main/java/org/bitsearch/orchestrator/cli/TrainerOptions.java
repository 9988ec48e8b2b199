package org.bitsearch.orchestrator.cli;

import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.Dl4jTrainerConfig;
import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.bitsearch.trainers.dl4j.schedule.SensitivityConfig;
import picocli.CommandLine;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Options shared by {@code train} and {@code sensitivity}: dataset, model and data split. Turns them into a
 * {@link Dl4jTrainerConfig} and a trainer whose data is loaded, or a {@link CommandLine.ParameterException}
 * (exit code 2) naming the flag.
 */
public final class TrainerOptions {
    @Option(names = "--dataset", required = true, description = "fashion-mnist or mnist") String dataset;
    @Option(names = "--data", paramLabel = "DIR",
            description = "directory with the IDX files (or its parent holding <dataset>/); default: $BITSEARCH_DATA, "
                    + "./data/<dataset>, /usr/share/datasets/<dataset>, the first that holds the dataset") String dataDir;
    @Option(names = "--model", defaultValue = "mlp", description = "mlp or cnn (default: ${DEFAULT-VALUE})") String model;
    @Option(names = "--hidden", split = ",", paramLabel = "N",
            description = "hidden dense layer sizes (default 256,128 for mlp, 128 for cnn)") List<Integer> hidden;
    @Option(names = "--train-subset", defaultValue = "0", description = "training samples, 0 = all (default)") int trainSubset;
    @Option(names = "--validation-size", defaultValue = "5000", description = "held-out validation samples (default: ${DEFAULT-VALUE})") int validationSize;
    @Option(names = "--split-seed", defaultValue = "0", description = "seed of the validation split (default: ${DEFAULT-VALUE})") long splitSeed;
    @Option(names = "--threads", defaultValue = "0", description = "native BLAS/OpenMP threads; 0 (default) = automatic: the cores other processes leave idle, divided by the open runs, at least 1") int threads;
    @Option(names = "--per-channel", description = "one quantization scale per output channel") boolean perChannel;
    @Option(names = "--eval-batch-size", defaultValue = "2000", description = "evaluation minibatch (default: ${DEFAULT-VALUE})") int evalBatchSize;

    /** The config, or a ParameterException naming the flag. */
    Dl4jTrainerConfig config(CommandLine cmd, int batchSize, ScheduleConfig schedule, DropBitsConfig dropBits,
                             SensitivityConfig sensitivity) {
        String dir = dataDir;
        if (dir == null && org.bitsearch.trainers.dl4j.data.DatasetLoader.NAMES.contains(dataset)) {
            var locator = org.bitsearch.trainers.dl4j.data.DataLocator.standard();
            dir = locator.locate(dataset).map(Object::toString)
                    .orElseThrow(() -> new CommandLine.ParameterException(cmd, "--data: " + locator.notFound(dataset)));
        }
        try {
            return Dl4jTrainerConfig.builder(dataset, dir).model(model).hidden(hidden).trainSubset(trainSubset)
                    .validationSize(validationSize).splitSeed(splitSeed).batchSize(batchSize).evalBatchSize(evalBatchSize)
                    .threads(threads).perChannel(perChannel).schedule(schedule).dropBits(dropBits).sensitivity(sensitivity)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, flagFor(e.getMessage()) + e.getMessage(), e);
        }
    }

    /** A trainer with its data loaded, or a ParameterException naming --data for missing/corrupt files. */
    static Dl4jTrainer trainerWithData(CommandLine cmd, Dl4jTrainerConfig config) {
        Dl4jTrainer trainer = new Dl4jTrainer(config);
        try {
            trainer.data();
        } catch (IOException e) {
            throw new CommandLine.ParameterException(cmd, "--data: " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, flagFor(e.getMessage()) + e.getMessage(), e);
        }
        return trainer;
    }

    /** Parses a comma-separated bit list, naming {@code flag} on error. */
    static List<Integer> parseBits(CommandLine cmd, String flag, String text) {
        List<Integer> bits = new ArrayList<>();
        for (String part : text.split(",")) {
            try {
                bits.add(Integer.parseInt(part.strip()));
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(cmd, flag + ": '" + part.strip() + "' is not an integer (expected e.g. 4,4,4)");
            }
        }
        return bits;
    }

    private static String flagFor(String message) {
        String field = message.split("[ .\\[]", 2)[0];
        return switch (field) {
            case "dataset" -> "--dataset: ";
            case "dataDir" -> "--data: ";
            case "model" -> "--model: ";
            case "hidden" -> "--hidden: ";
            case "trainSubset" -> "--train-subset: ";
            case "validationSize" -> "--validation-size: ";
            case "batchSize", "param" -> "--batch-size: ";
            case "evalBatchSize" -> "--eval-batch-size: ";
            case "threads" -> "--threads: ";
            case "schedule" -> "--schedule/--order/--every-epochs: ";
            case "dropBits" -> "--drop-probability/--max-drop: ";
            case "sensitivity" -> "--bits/--pretrain-epochs/--fine-tune-batches: ";
            default -> "";
        };
    }
}
