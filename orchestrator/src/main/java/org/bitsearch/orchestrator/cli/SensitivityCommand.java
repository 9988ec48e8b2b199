package org.bitsearch.orchestrator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.Dl4jTrainerConfig;
import org.bitsearch.trainers.dl4j.SensitivityAnalysis;
import org.bitsearch.trainers.dl4j.SensitivityTable;
import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.bitsearch.trainers.dl4j.schedule.SensitivityConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code bitsearch sensitivity}: pre-trains the model in full precision, then measures for every layer and
 * bit-width the validation accuracy and loss with only that layer quantized, and prints the table (or, with
 * {@code --json}, one JSON object: {@code baselineAccuracy}, {@code baselineLoss}, {@code rows},
 * {@code leastSensitiveFirst}). Exit code 2 on bad input, naming the flag.
 */
@Command(name = "sensitivity", mixinStandardHelpOptions = true,
        description = "Per-layer quantization sensitivity of a model (accuracy and loss with one layer quantized).")
public final class SensitivityCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin TrainerOptions options;

    @Option(names = "--bits", defaultValue = "1,2,4,8", description = "bit-widths to measure (default: ${DEFAULT-VALUE})") String bits;
    @Option(names = "--pretrain-epochs", defaultValue = "1", description = "full-precision pre-training epochs (default: ${DEFAULT-VALUE})") int pretrainEpochs;
    @Option(names = "--fine-tune-batches", defaultValue = "0", description = "fine-tune minibatches per measurement (default: none)") int fineTuneBatches;
    @Option(names = "--batch-size", defaultValue = "128", description = "minibatch size (default: ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--seed", defaultValue = "1", description = "pre-training seed (default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--json", description = "print one JSON object on stdout") boolean json;

    /** The {@code --json} output. */
    public record Json(String dataset, String model, double baselineAccuracy, double baselineLoss,
                       List<SensitivityTable.Row> rows, int[] leastSensitiveFirst) {}

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        SensitivityConfig sens;
        try {
            sens = new SensitivityConfig(pretrainEpochs, fineTuneBatches, TrainerOptions.parseBits(cmd, "--bits", bits));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--bits/--pretrain-epochs/--fine-tune-batches: " + e.getMessage());
        }
        Dl4jTrainerConfig config = options.config(cmd, batchSize, ScheduleConfig.NONE, DropBitsConfig.OFF, sens);
        Dl4jTrainer trainer = TrainerOptions.trainerWithData(cmd, config);
        SensitivityTable table = SensitivityAnalysis.run(trainer, Map.of(), seed);
        if (json) {
            cmd.getOut().println(new ObjectMapper().writeValueAsString(new Json(config.dataset(), config.model(),
                    table.baselineAccuracy(), table.baselineLoss(), table.rows(), table.leastSensitiveFirst())));
        } else {
            cmd.getOut().print(table.toText());
        }
        cmd.getOut().flush();
        return 0;
    }
}
