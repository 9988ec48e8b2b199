package org.bitsearch.orchestrator.cli;

import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.Dl4jTrainerConfig;
import org.bitsearch.trainers.dl4j.data.DataConfig;
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
    @Option(names = "--dataset", description = "fashion-mnist or mnist (or give --format)") String dataset;
    @Option(names = "--format", description = "data by format instead of --dataset: idx, cifar, images (--data is the directory) or csv (--data is the training file, --test-file the test file)") String format;
    @Option(names = "--test-file", paramLabel = "FILE", description = "--format csv: the test CSV") String testFile;
    @Option(names = "--label-column", description = "--format csv: label column name or 0-based index (default: the last)") String labelColumn;
    @Option(names = "--image-size", paramLabel = "HxW", description = "--format images: resize to HxW (default 32x32)") String imageSize;
    @Option(names = "--channels", description = "--format images: 1 or 3 (default 3)") Integer channels;
    @Option(names = "--data", paramLabel = "DIR",
            description = "directory with the IDX files (or its parent holding <dataset>/); default: $BITSEARCH_DATA, "
                    + "./data/<dataset>, /usr/share/datasets/<dataset>, the first that holds the dataset; with --format the data's directory or CSV file") String dataDir;
    @Option(names = "--model", defaultValue = "mlp", description = "mlp, cnn, resnet20 or vgg-small (default: ${DEFAULT-VALUE})") String model;
    @Option(names = "--model-file", paramLabel = "FILE",
            description = "your own DL4J MultiLayerNetwork or ComputationGraph (ModelSerializer zip, trials start from its parameters; or configuration JSON) instead of --model") String modelFile;
    @Option(names = "--hidden", split = ",", paramLabel = "N",
            description = "hidden dense layer sizes (default 256,128 for mlp, 128 for cnn); for vgg-small the six convolution widths (default 128,128,256,256,512,512)") List<Integer> hidden;
    @Option(names = "--train-subset", defaultValue = "0", description = "training samples, 0 = all (default)") int trainSubset;
    @Option(names = "--validation-size", defaultValue = "5000", description = "held-out validation samples (default: ${DEFAULT-VALUE})") int validationSize;
    @Option(names = "--split-seed", defaultValue = "0", description = "seed of the validation split (default: ${DEFAULT-VALUE})") long splitSeed;
    @Option(names = "--threads", defaultValue = "0", description = "native BLAS/OpenMP threads; 0 (default) = automatic: 1 thread per run (results never depend on the machine's load)") int threads;
    @Option(names = "--per-channel", description = "one quantization scale per output channel") boolean perChannel;
    @Option(names = "--eval-batch-size", defaultValue = "2000", description = "evaluation minibatch (default: ${DEFAULT-VALUE})") int evalBatchSize;

    /** The config, or a ParameterException naming the flag. */
    Dl4jTrainerConfig config(CommandLine cmd, int batchSize, ScheduleConfig schedule, DropBitsConfig dropBits,
                             SensitivityConfig sensitivity) {
        DataConfig data = null;
        if (format != null) {
            if (dataset != null) throw new CommandLine.ParameterException(cmd, "--format: give either --dataset or --format, not both");
            try {
                int h = 32, w = 32;
                if (imageSize != null) {
                    String[] hw = imageSize.toLowerCase(java.util.Locale.ROOT).split("x");
                    if (hw.length != 2) throw new IllegalArgumentException("data.height/width: --image-size is '" + imageSize + "', but must be HxW like 32x32");
                    h = Integer.parseInt(hw[0].strip());
                    w = Integer.parseInt(hw[1].strip());
                }
                boolean csv = format.equals("csv");
                data = new DataConfig(format, csv ? null : dataDir, csv ? dataDir : null, testFile, labelColumn, w, h,
                        channels == null ? 3 : channels, true);
            } catch (NumberFormatException e) {
                throw new CommandLine.ParameterException(cmd, "--image-size: '" + imageSize + "' is not HxW like 32x32");
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(cmd, "--format/--data/--test-file/--label-column/--image-size/--channels: " + e.getMessage(), e);
            }
        } else if (dataset == null) {
            throw new CommandLine.ParameterException(cmd, "--dataset: give --dataset (fashion-mnist or mnist) or --format");
        }
        if (format != null && dataDir == null) throw new CommandLine.ParameterException(cmd, "--data: required with --format");
        String dir = dataDir;
        if (data == null && dir == null && org.bitsearch.trainers.dl4j.data.DatasetLoader.NAMES.contains(dataset)) {
            var locator = org.bitsearch.trainers.dl4j.data.DataLocator.standard();
            dir = locator.locate(dataset).map(Object::toString)
                    .orElseThrow(() -> new CommandLine.ParameterException(cmd, "--data: " + locator.notFound(dataset)));
        }
        try {
            Dl4jTrainerConfig.Builder b = data != null ? Dl4jTrainerConfig.defaults(data, null).toBuilder()
                    : Dl4jTrainerConfig.builder(dataset, dir);
            return b.model(modelFile != null ? null : model).hidden(hidden).trainSubset(trainSubset)
                    .validationSize(validationSize).splitSeed(splitSeed).batchSize(batchSize).evalBatchSize(evalBatchSize)
                    .threads(threads).perChannel(perChannel).schedule(schedule).dropBits(dropBits).sensitivity(sensitivity)
                    .modelFile(modelFile).build();
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
            case "dataDir", "data:" -> "--data: ";
            case "model" -> "--model: ";
            case "modelFile" -> "--model-file: ";
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
