package org.bitsearch.orchestrator.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.Dl4jTrainerConfig;
import org.bitsearch.trainers.dl4j.Dl4jTrainingRun;
import org.bitsearch.trainers.dl4j.model.Hyperparameters;
import org.bitsearch.trainers.dl4j.schedule.DropBitsConfig;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.bitsearch.trainers.dl4j.schedule.SensitivityConfig;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.ModelSize;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.EpochMetrics;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.bitsearch.trainers.dl4j.quant.TransformConfig;

/**
 * {@code bitsearch train}: trains one candidate outside any search with the DL4J quantization-aware trainer and
 * prints per-epoch validation accuracy, the quantized model's test accuracy, its size and the throughput.
 * With {@code --json} stdout carries exactly one JSON object (fields {@code testAccuracy}, {@code sizeBits},
 * {@code sizeKiB}, {@code compression}, {@code samplesPerSecond}, {@code epochs}). Exit codes: 0 done, 1 the
 * training failed or diverged, 2 bad input (the message names the flag).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train one bit allocation with quantization-aware training and report accuracy, size and speed.")
public final class TrainCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;
    @Mixin TrainerOptions options;

    @Option(names = "--bits", required = true, paramLabel = "B,B,...",
            description = "bit-width per quantizable layer (1..8 or 32), in forward order") String bits;
    @Option(names = "--epochs", defaultValue = "4", description = "epochs (default: ${DEFAULT-VALUE})") int epochs;
    @Option(names = "--seed", defaultValue = "1", description = "trial seed (default: ${DEFAULT-VALUE})") long seed;
    @Option(names = "--batch-size", defaultValue = "128", description = "minibatch size (default: ${DEFAULT-VALUE})") int batchSize;
    @Option(names = "--lr", defaultValue = "0.001", description = "learning rate (default: ${DEFAULT-VALUE})") double learningRate;
    @Option(names = "--optimizer", defaultValue = "adam", description = "adam, sgd or nesterovs (default: ${DEFAULT-VALUE})") String optimizer;
    @Option(names = "--weight-decay", defaultValue = "0", description = "decoupled weight decay (default: ${DEFAULT-VALUE})") double weightDecay;
    @Option(names = "--schedule", defaultValue = "none", description = "none or progressive (default: ${DEFAULT-VALUE})") String schedule;
    @Option(names = "--order", defaultValue = "forward", description = "progressive order: forward, backward or sensitivity") String order;
    @Option(names = "--every-epochs", defaultValue = "1", description = "progressive: epochs between layers (default: ${DEFAULT-VALUE})") int everyEpochs;
    @Option(names = "--drop-probability", defaultValue = "0", description = "DropBits probability per layer and step (default: off)") double dropProbability;
    @Option(names = "--max-drop", defaultValue = "1", description = "DropBits: most bits dropped (default: ${DEFAULT-VALUE})") int maxDrop;
    @Option(names = "--transform", defaultValue = "none", description = "none or bitat (BiTAT's importance-aware transformed quantization; default: ${DEFAULT-VALUE})") String transform;
    @Option(names = "--json", description = "print one JSON object on stdout") boolean json;
    @Option(names = "--save", paramLabel = "FILE", description = "write the trained quantized model: FILE, a DL4J zip stock DL4J loads"
            + " (with the bit-widths and the packed form inside), and FILE's name with .bsq, the packed low-bit form") Path save;

    /**
     * One epoch in the {@code --json} output; {@code currentAccuracy} is the current (partially quantized) model's
     * validation accuracy under a progressive schedule, else equal to {@code valAccuracy}.
     */
    public record EpochJson(int epoch, double valAccuracy, double valLoss, double trainLoss, double seconds, double samplesPerSecond,
                            double currentAccuracy) {}

    /**
     * The {@code --json} output. Field names follow the common schema (README, "Command line"): {@code epochs}
     * is the number of epochs trained, {@code reports} the per-epoch array (the REST API's report fields),
     * {@code valAccuracy} the last epoch's validation accuracy and {@code bestValAccuracy} the best.
     */
    public record ResultJson(String dataset, String model, List<Integer> bits, long seed, int epochs,
                             double valAccuracy, double bestValAccuracy, double testAccuracy,
                             long sizeBits, double sizeKiB, double compression, double samplesPerSecond,
                             List<EpochJson> reports) {}

    /** Where {@code --save FILE} puts the packed form: FILE with its {@code .zip} suffix (if any) replaced by {@code .bsq}. */
    static Path packedPath(Path save) {
        String name = save.getFileName().toString();
        return save.resolveSibling((name.endsWith(".zip") ? name.substring(0, name.length() - 4) : name) + ".bsq");
    }

    @Override
    public Integer call() throws Exception {
        CommandLine cmd = spec.commandLine();
        if (epochs < 1) throw new CommandLine.ParameterException(cmd, "--epochs is " + epochs + ", but must be >= 1");
        ScheduleConfig sched;
        DropBitsConfig drop;
        try {
            sched = new ScheduleConfig(schedule, order, everyEpochs);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--schedule/--order/--every-epochs: " + e.getMessage());
        }
        try {
            drop = new DropBitsConfig(dropProbability, maxDrop);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--drop-probability/--max-drop: " + e.getMessage());
        }
        TransformConfig transformConfig;
        try {
            transformConfig = new TransformConfig(transform, TransformConfig.DEFAULT_SAMPLES);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--transform: " + e.getMessage());
        }
        Dl4jTrainerConfig config;
        try {
            config = options.config(cmd, batchSize, sched, drop, SensitivityConfig.DEFAULT).withTransform(transformConfig);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--transform: " + e.getMessage());
        }
        Dl4jTrainer trainer;
        try {
            trainer = new Dl4jTrainer(config);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, (config.modelFile() != null ? "--model-file: " : "--data: ") + e.getMessage(), e);
        }
        BitAllocation allocation;
        try {
            allocation = trainer.checkBits(new BitAllocation(TrainerOptions.parseBits(cmd, "--bits", bits)));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--bits: " + e.getMessage());
        }
        Map<String, Object> params = new TreeMap<>();
        params.put(Hyperparameters.LEARNING_RATE, learningRate);
        params.put(Hyperparameters.OPTIMIZER, optimizer);
        params.put(Hyperparameters.WEIGHT_DECAY, weightDecay);
        params.put(Hyperparameters.BATCH_SIZE, (long) batchSize);
        Candidate candidate = new Candidate(params, allocation);
        try {
            Hyperparameters.of(candidate, batchSize);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cmd, "--lr/--optimizer/--weight-decay/--batch-size: " + e.getMessage());
        }
        trainer = TrainerOptions.trainerWithData(cmd, config);
        ModelSize size = trainer.size(candidate);
        PrintWriter out = cmd.getOut();
        List<EpochJson> reports = new ArrayList<>();
        double test;
        try (TrainingRun run = trainer.open(new TrialContext(0, candidate, seed, epochs, Optional.empty(), "cpu:0"))) {
            if (!json) {
                out.printf(Locale.ROOT, "training %s on %s (%d samples), bits %s, %d epochs, seed %d%n",
                        config.modelFile() != null ? config.modelFile() : config.model(), config.dataset(),
                        trainer.data().trainCount(), allocation, epochs, seed);
                out.printf("quantizable layers: %s%n", trainer.layers().stream().map(l -> l.name()).toList());
                for (String u : trainer.unquantizedLayers()) out.printf("stays FP32: %s%n", u);
            }
            for (int e = 0; e < epochs; e++) {
                EpochMetrics m = run.trainEpoch();
                reports.add(new EpochJson(m.epoch(), m.valAccuracy(), m.valLoss(), m.trainLoss(), m.seconds(), m.samplesPerSecond(),
                        m.currentAccuracy()));
                if (!json) {
                    double cpu = run instanceof Dl4jTrainingRun d ? d.lastTrainCpuSeconds() : 0;
                    String current = Double.compare(m.currentAccuracy(), m.valAccuracy()) == 0 ? ""
                            : String.format(Locale.ROOT, "  current (partially quantized) %.4f", m.currentAccuracy());
                    out.printf(Locale.ROOT, "epoch %d: val accuracy %.4f%s  val loss %.4f  train loss %.4f  %.1f s  %.0f samples/s  (%.0f samples per CPU-second of the training thread)%n",
                            m.epoch(), m.valAccuracy(), current, m.valLoss(), m.trainLoss(), m.seconds(), m.samplesPerSecond(),
                            cpu > 0 ? trainer.data().trainCount() / cpu : 0);
                    out.flush();
                }
                if (m.diverged()) {
                    cmd.getErr().printf("train: diverged in epoch %d (train loss %s, val loss %s)%n", m.epoch(), m.trainLoss(), m.valLoss());
                    return 1;
                }
            }
            test = run.testAccuracy();
            if (save != null) {
                Path packed = packedPath(save);
                run.exportModel(save);
                String note = run instanceof Dl4jTrainingRun d ? d.lastExportNote() : null;
                if (note == null) Files.write(packed, org.bitsearch.trainers.dl4j.export.ModelExport.packedEntry(save).orElseThrow());
                if (!json) {
                    out.printf("saved %s (DL4J)%s%n", save, note == null ? " and " + packed + " (packed)" : "; no packed form: " + note);
                }
            }
        }
        double samplesPerSecond = reports.stream().mapToDouble(EpochJson::samplesPerSecond).average().orElse(0);
        if (json) {
            out.println(new ObjectMapper().writeValueAsString(new ResultJson(config.dataset(), config.model(),
                    allocation.bits(), seed, reports.size(), reports.get(reports.size() - 1).valAccuracy(),
                    reports.stream().mapToDouble(EpochJson::valAccuracy).filter(Double::isFinite).max().orElse(Double.NaN),
                    test, size.bits(), size.kib(), size.compressionRatio(), samplesPerSecond, reports)));
        } else {
            out.printf(Locale.ROOT, "test accuracy (quantized model): %.4f%n", test);
            out.printf(Locale.ROOT, "size: %d bits = %.1f KiB, compression %.2fx against 32 bits (%.1f KiB)%n",
                    size.bits(), size.kib(), size.compressionRatio(), ModelSize.kib(size.fp32Bits()));
            out.printf(Locale.ROOT, "throughput: %.0f samples/s (mean over epochs, training only)%n", samplesPerSecond);
        }
        out.flush();
        return 0;
    }
}
