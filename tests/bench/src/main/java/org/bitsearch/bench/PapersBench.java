package org.bitsearch.bench;

import org.bitsearch.search.pruner.PrunerConfig;
import org.bitsearch.search.sampler.SamplerConfig;
import org.bitsearch.search.engine.SearchEngine;
import org.bitsearch.search.engine.SearchSettings;
import org.bitsearch.search.sampler.SensitivityKnapsack;
import org.bitsearch.search.space.BitAllocation;
import org.bitsearch.search.space.BitAllocationSpace;
import org.bitsearch.search.space.Dimension;
import org.bitsearch.search.space.SearchSpace;
import org.bitsearch.search.trainer.LayerSensitivity;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.Candidate;
import org.bitsearch.search.trial.TrialState;
import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.bitsearch.trainers.dl4j.Dl4jTrainerConfig;
import org.bitsearch.trainers.dl4j.factor.QuantizedFactorization;
import org.bitsearch.trainers.dl4j.schedule.CpqConfig;
import org.bitsearch.trainers.dl4j.schedule.ScheduleConfig;
import org.bitsearch.trainers.dl4j.schedule.SensitivityConfig;
import org.bitsearch.trainers.sim.SimulatedTrainer;
import org.bitsearch.trainers.sim.SimulatedTrainerConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.bitsearch.trainers.dl4j.quant.TransformConfig;
import org.bitsearch.trainers.dl4j.factor.FactorizationConfig;
import java.util.Map;

/**
 * The issue-15 measurements (BENCHMARKS.md, "The papers' methods"): each method against the plain baseline at the
 * same bit-widths and epochs, several seeds, mean ± standard deviation, printed as Markdown rows. Small subsets of
 * Fashion-MNIST, one native thread: the machine is shared.
 * <pre>  OMP_NUM_THREADS=1 java -cp orchestrator/target/bitsearch.jar:tests/bench/target/bitsearch-bench.jar org.bitsearch.bench.PapersBench ../shared/datasets/fashion-mnist [seeds] [only]</pre>
 * {@code only} (optional) runs one group of rows: samplers, samplersdl4j, pruning, qaf, qafcombos, progressive,
 * sensitivity, cpq or bitat.
 */
public final class PapersBench {
    private PapersBench() {}

    static final List<Integer> HIDDEN = List.of(64, 32);
    static final int TRAIN = 3000, VALIDATION = 1000, EPOCHS = 4;
    /** CPQ's bit regulariser weights λ of the learned-bits rows (system property bench.cpqLambdas). */
    static final List<Double> LAMBDAS = Arrays.stream(System.getProperty("bench.cpqLambdas", "0.3,1,3").split(","))
            .map(Double::parseDouble).toList();

    public static void main(String[] args) throws Exception {
        Path data = Path.of(args.length > 0 ? args[0] : "../shared/datasets/fashion-mnist");
        int seeds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        System.out.println("| method (paper) | setup | baseline | method | difference |");
        System.out.println("| --- | --- | --- | --- | --- |");
        String only = args.length > 2 ? args[2] : "";
        if (only.isEmpty() || only.equals("samplers")) samplers(seeds * 2);
        if (only.isEmpty() || only.equals("samplersdl4j")) samplersDl4j(data, seeds);
        if (only.isEmpty() || only.equals("pruning")) progressivePruning(data, seeds);
        if (only.isEmpty() || only.equals("qaf")) {
            qaf(seeds);
            qafNetwork(data, seeds);
        }
        if (only.isEmpty() || only.equals("qafcombos")) qafProgressive(data, seeds);
        if (only.isEmpty() || only.equals("progressive")) progressive(data, seeds);
        if (only.isEmpty() || only.equals("sensitivity")) sensitivityModes(data, seeds);
        if (only.isEmpty() || only.equals("cpq")) cpq(data, seeds);
        if (only.isEmpty() || only.equals("bitat")) bitat(data, seeds);
    }

    /**
     * BiTAT (arXiv:2207.01394): the progressive forward schedule with the importance-aware transformed quantization
     * against the same schedule without it, at 1, 2 and 4 bits everywhere, same epochs and seeds.
     */
    static void bitat(Path data, int seeds) throws Exception {
        ScheduleConfig forward = new ScheduleConfig("progressive", "forward", 1);
        Dl4jTrainer plain = new Dl4jTrainer(config(data).withSchedule(forward));
        Dl4jTrainer bitat = new Dl4jTrainer(config(data).withSchedule(forward)
                .withTransform(new TransformConfig("bitat", 512)));
        for (int b : List.of(1, 2, 4)) {
            List<Integer> bits = List.of(b, b, b);
            List<Double> a = new ArrayList<>(), w = new ArrayList<>();
            for (int s = 0; s < seeds; s++) {
                boolean first = s % 2 == 0; // alternate which runs first
                double x = first ? train(plain, bits, s, EPOCHS) : 0, y = train(bitat, bits, s, EPOCHS);
                if (!first) x = train(plain, bits, s, EPOCHS);
                a.add(x);
                w.add(y);
            }
            row("BiTAT transform vs none (both progressive forward)", "MLP 784-64-32-10, " + b + " bit" + (b == 1 ? "" : "s") + " everywhere, "
                    + EPOCHS + " epochs, " + TRAIN + "/" + VALIDATION + " samples, val accuracy, " + seeds + " seeds", a, w, 4);
        }
        // BiTAT's 1-bit/1-bit setting: binary weights and binary activations (the softmax output stays FP32)
        List<Double> a = new ArrayList<>(), w = new ArrayList<>();
        for (int s = 0; s < seeds; s++) {
            boolean first = s % 2 == 0;
            double x = first ? trainWa(plain, s) : 0, y = trainWa(bitat, s);
            if (!first) x = trainWa(plain, s);
            a.add(x);
            w.add(y);
        }
        row("BiTAT transform vs none, W1/A1 (both progressive forward)", "MLP 784-64-32-10, 1-bit weights and activations, "
                + EPOCHS + " epochs, " + TRAIN + "/" + VALIDATION + " samples, val accuracy, " + seeds + " seeds", a, w, 4);
    }

    /** Trains 1-bit weights and 1-bit activations (last layer's output FP32) for {@code EPOCHS}; the last val accuracy. */
    static double trainWa(Dl4jTrainer trainer, long seed) throws Exception {
        Candidate c = new Candidate(Dl4jBench.candidate(List.of(1, 1, 1)).params(), BitAllocation.of(1, 1, 1), BitAllocation.of(1, 1, 32));
        try (TrainingRun run = trainer.open(new TrialContext(0, c, seed, EPOCHS, Optional.empty(), "cpu:0"))) {
            EpochMetrics m = null;
            for (int e = 0; e < EPOCHS; e++) m = run.trainEpoch();
            return m.valAccuracy();
        }
    }

    static String ms(List<Double> xs, int d) {
        double m = xs.stream().mapToDouble(x -> x).average().orElse(Double.NaN);
        double v = xs.stream().mapToDouble(x -> (x - m) * (x - m)).sum() / Math.max(1, xs.size() - 1);
        return String.format(Locale.ROOT, "%." + d + "f ± %." + d + "f", m, Math.sqrt(v));
    }

    static void row(String method, String setup, List<Double> base, List<Double> with, int d) {
        List<Double> diff = new ArrayList<>();
        for (int i = 0; i < base.size(); i++) diff.add(with.get(i) - base.get(i));
        System.out.println("| " + method + " | " + setup + " | " + ms(base, d) + " | " + ms(with, d) + " | " + ms(diff, d) + " |");
        System.out.flush();
    }

    /** Hypervolume after 24 trials on the simulated trainer: sensitivity sampler and depth prior against NSGA-II / random. */
    static void samplers(int seeds) throws Exception {
        SimulatedTrainer sim = new SimulatedTrainer(SimulatedTrainerConfig.defaults());
        BitAllocationSpace bits = new BitAllocationSpace(sim.layers(), List.of(1, 2, 4, 8), false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty());
        LayerSensitivity table = sim.sensitivity(List.of(1, 2, 4, 8));
        List<Double> random = new ArrayList<>(), nsga = new ArrayList<>(), sens = new ArrayList<>(), prior = new ArrayList<>();
        for (int s = 0; s < seeds; s++) {
            random.add(hv(sim, bits, new SamplerConfig.Random(), s));
            nsga.add(hv(sim, bits, new SamplerConfig.Nsga2(8, 0.2, 0.9), s));
            sens.add(hv(sim, bits, new SamplerConfig.Sensitivity(8, 0.2, () -> table), s));
            prior.add(hv(sim, bits.withDepthPrior(0.8), new SamplerConfig.Random(), s));
        }
        String setup = "simulated 784-256-128-10 MLP (its own exact table), bits {1,2,4,8}, 24 trials x 4 epochs, hypervolume, " + seeds + " seeds";
        row("sensitivity sampler vs NSGA-II", setup, nsga, sens, 4);
        row("sensitivity sampler vs random", setup, random, sens, 4);
        row("depthPrior 0.8 vs 0 (Chu 2019), random sampler", setup, random, prior, 4);
    }

    static double hv(Trainer trainer, BitAllocationSpace bits, SamplerConfig sampler, long seed) throws Exception {
        return hv(trainer, bits, sampler, seed, 24, 4);
    }

    /** Hypervolume after {@code trials} sequential trials of {@code epochs} epochs each (no pruning). */
    static double hv(Trainer trainer, BitAllocationSpace bits, SamplerConfig sampler, long seed, int trials, int epochs) throws Exception {
        SearchSpace space = new SearchSpace(List.of(new Dimension.LogFloatRange("learningRate", 3e-4, 1e-2)), bits);
        SearchEngine engine = new SearchEngine(SearchSettings.of(space, sampler, new PrunerConfig.None(), 1000 + seed, trials, 1, epochs));
        while (!engine.isDone()) {
            var p = engine.ask().orElseThrow();
            try (TrainingRun run = trainer.open(new TrialContext(p.number(), p.candidate(), p.seed(), epochs, Optional.empty(), "cpu:0"))) {
                for (int e = 0; e < epochs; e++) engine.report(p.number(), run.trainEpoch());
            }
            engine.finish(p.number(), TrialState.COMPLETED);
        }
        return engine.hypervolume();
    }

    /**
     * The same sampler comparison with the real DL4J trainer on Fashion-MNIST (issue 15 item 2's bench on real data):
     * the sensitivity sampler on the trainer's own Hessian-trace table (HAWQ-V2, measured once, its cost reported
     * apart) against NSGA-II and random, and Chu's depth prior 0.8 against none, each search {@code trials} trials of
     * {@code epochs} epochs, no pruning, the same seeds.
     */
    static void samplersDl4j(Path data, int seeds) throws Exception {
        int trials = 16, epochs = 3;
        Dl4jTrainer t = new Dl4jTrainer(config(data).withSensitivity(SensitivityConfig.DEFAULT.withMode("hessian")));
        BitAllocationSpace bits = new BitAllocationSpace(t.layers(), List.of(1, 2, 4, 8), false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty());
        long t0 = System.nanoTime();
        LayerSensitivity table = t.sensitivity(List.of(1, 2, 4, 8));
        double seconds = (System.nanoTime() - t0) / 1e9;
        List<Double> random = new ArrayList<>(), nsga = new ArrayList<>(), sens = new ArrayList<>(), prior = new ArrayList<>();
        for (int s = 0; s < seeds; s++) {
            random.add(hv(t, bits, new SamplerConfig.Random(), s, trials, epochs));
            nsga.add(hv(t, bits, new SamplerConfig.Nsga2(6, 0.2, 0.9), s, trials, epochs));
            sens.add(hv(t, bits, new SamplerConfig.Sensitivity(6, 0.2, () -> table), s, trials, epochs));
            prior.add(hv(t, bits.withDepthPrior(0.8), new SamplerConfig.Random(), s, trials, epochs));
        }
        String setup = String.format(Locale.ROOT, "DL4J MLP 784-64-32-10 on %d/%d samples, bits {1,2,4,8}, learning rate searched, %d trials x %d epochs,"
                + " no pruning, hypervolume, %d seeds", TRAIN, VALIDATION, trials, epochs, seeds);
        row("sensitivity sampler (hessian table, " + String.format(Locale.ROOT, "%.0f s", seconds) + ") vs NSGA-II", setup, nsga, sens, 4);
        row("sensitivity sampler vs random", setup, random, sens, 4);
        row("depthPrior 0.8 vs 0 (Chu 2019), random sampler", setup, random, prior, 4);
    }

    /**
     * Issue 15 item 4: Pareto-ASHA over progressive trials judged from the first epoch (before, while some layers have
     * never trained quantized) against judged only from the trainer's fully quantized epoch F (ScheduleAwarePruner),
     * same sampler, seeds and trials; hypervolume and the epochs the search trained.
     */
    static void progressivePruning(Path data, int seeds) throws Exception {
        int trials = 20, maxEpochs = 5;
        Dl4jTrainer t = new Dl4jTrainer(config(data).withSchedule(new ScheduleConfig("progressive", "forward", 1)));
        int judgeFrom = t.fullyQuantizedEpoch();
        BitAllocationSpace bits = new BitAllocationSpace(t.layers(), List.of(1, 2, 4, 8), false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty());
        SearchSpace space = new SearchSpace(List.of(new Dimension.LogFloatRange("learningRate", 3e-4, 1e-2)), bits);
        PrunerConfig asha = new PrunerConfig.Asha(1, maxEpochs, 2, 0, true);
        List<Double> hvEarly = new ArrayList<>(), hvAware = new ArrayList<>(), epEarly = new ArrayList<>(), epAware = new ArrayList<>();
        List<Double> hvLonger = new ArrayList<>(), epLonger = new ArrayList<>();
        for (int s = 0; s < seeds; s++) {
            SearchSettings settings = SearchSettings.of(space, new SamplerConfig.Random(), asha, 2000 + s, trials, 1, maxEpochs);
            SequentialSearch.Outcome early = SequentialSearch.run(settings, t, null);
            SequentialSearch.Outcome aware = SequentialSearch.run(settings.withJudgeFromEpoch(judgeFrom), t, null);
            // judged from epoch 1 with twice the trials: about the epochs the schedule-aware search trains
            SequentialSearch.Outcome longer = SequentialSearch.run(SearchSettings.of(space, new SamplerConfig.Random(), asha, 2000 + s,
                    2 * trials, 1, maxEpochs), t, null);
            hvEarly.add(early.hypervolume());
            hvAware.add(aware.hypervolume());
            hvLonger.add(longer.hypervolume());
            epEarly.add((double) early.epochs());
            epAware.add((double) aware.epochs());
            epLonger.add((double) longer.epochs());
        }
        String setup = "DL4J MLP 784-64-32-10 on " + TRAIN + "/" + VALIDATION + " samples, progressive forward (every layer quantized from epoch "
                + judgeFrom + "), bits {1,2,4,8} and learning rate, random sampler, " + trials + " trials, Pareto-ASHA r 1 R " + maxEpochs
                + " η 2, " + seeds + " seeds";
        row("Pareto-ASHA judging from epoch " + judgeFrom + " vs from epoch 1, hypervolume", setup, hvEarly, hvAware, 4);
        row("Pareto-ASHA judging from epoch " + judgeFrom + " vs from epoch 1, epochs trained", "as above", epEarly, epAware, 1);
        row("Pareto-ASHA judging from epoch " + judgeFrom + " vs from epoch 1 with " + 2 * trials + " trials, hypervolume", "as above, the baseline with twice the trials",
                hvLonger, hvAware, 4);
        row("Pareto-ASHA judging from epoch " + judgeFrom + " vs from epoch 1 with " + 2 * trials + " trials, epochs trained", "as above", epLonger, epAware, 1);
    }

    /** Relative reconstruction error ‖W − AB‖²/‖W‖² of 4-bit rank-8 factors of 128x64 low-rank-plus-noise matrices. */
    static void qaf(int seeds) {
        List<Double> base = new ArrayList<>(), admm = new ArrayList<>();
        for (int s = 0; s < seeds; s++) {
            SplittableRandom rng = new SplittableRandom(s);
            double[][] w = new double[128][64];
            for (int c = 0; c < 16; c++) {
                double sc = Math.pow(0.75, c);
                double[] u = new double[128], v = new double[64];
                for (int i = 0; i < 128; i++) u[i] = rng.nextGaussian();
                for (int j = 0; j < 64; j++) v[j] = rng.nextGaussian();
                for (int i = 0; i < 128; i++) for (int j = 0; j < 64; j++) w[i][j] += sc * u[i] * v[j];
            }
            base.add(QuantizedFactorization.quantizeAfterFactorize(w, 8, 4, s).relativeError());
            admm.add(QuantizedFactorization.admm(w, 8, 4, 150, s).relativeError());
        }
        row("QAF ADMM vs quantize-after-factorize (Cherniuk 2023)", "reconstruction error of 128x64 matrices (decaying spectrum), rank 8, 4-bit factors, " + seeds + " seeds; lower is better; matrices alone (the network row is next)",
                base, admm, 4);
    }

    /**
     * QAF in the network against plain quantization at matched model size: MLP 784-256-128-10, hidden layers as
     * 4-bit factors at rank ratio 0.5 (pre-trained 1 FP32 epoch, fine-tuned {@code EPOCHS - 1}) against ternary hidden
     * layers trained {@code EPOCHS} from scratch (same total epochs), output layer 8 bits in both; the split seed is
     * the seed, so each seed pre-trains and splits its own data alike for both. Sizes are printed in the setup.
     */
    static void qafNetwork(Path data, int seeds) throws Exception {
        List<Integer> hidden = List.of(256, 128);
        List<Double> plain = new ArrayList<>(), qaf4 = new ArrayList<>(), qaf8 = new ArrayList<>();
        long plainBits = 0, qaf4Bits = 0, qaf8Bits = 0;
        double qafSeconds = 0;
        for (int s = 0; s < seeds; s++) {
            Dl4jTrainerConfig c = Dl4jBench.config(data, hidden, 10_000, 2000).toBuilder().splitSeed(s).build();
            Dl4jTrainer p = new Dl4jTrainer(c);
            Dl4jTrainer q4 = new Dl4jTrainer(c.withFactorization(FactorizationConfig.qaf(0.5, 1, 60)));
            Dl4jTrainer q8 = new Dl4jTrainer(c.withFactorization(FactorizationConfig.qaf(0.25, 1, 60)));
            List<Integer> ternary = List.of(2, 2, 8), four = List.of(4, 4, 8), eight = List.of(8, 8, 8);
            plainBits = p.size(BitAllocation.of(2, 2, 8)).bits();
            qaf4Bits = q4.size(new Candidate(Map.of(), BitAllocation.of(4, 4, 8))).bits();
            qaf8Bits = q8.size(new Candidate(Map.of(), BitAllocation.of(8, 8, 8))).bits();
            boolean first = s % 2 == 0; // alternate which runs first
            double x = first ? train(p, ternary, s, EPOCHS) : 0;
            long t0 = System.nanoTime();
            double y = train(q4, four, s, EPOCHS - 1);
            qafSeconds += (System.nanoTime() - t0) / 1e9;
            double z = train(q8, eight, s, EPOCHS - 1);
            if (!first) x = train(p, ternary, s, EPOCHS);
            plain.add(x);
            qaf4.add(y);
            qaf8.add(z);
        }
        String setup = "MLP 784-256-128-10 on 10000/2000 samples, output layer 8 bits: ternary hidden layers trained %d epochs (%d bits) vs "
                + "%s hidden factors, 1 FP32 pre-training epoch + %d fine-tuning epochs (%d bits%s), val accuracy, %d seeds";
        row("QAF in the network vs plain quantization at matched size (Cherniuk 2023)", String.format(Locale.ROOT, setup, EPOCHS, plainBits,
                "4-bit rank-ratio-0.5", EPOCHS - 1, qaf4Bits, String.format(Locale.ROOT, "; pre-training, ADMM and fine-tuning took %.0f s per seed", qafSeconds / seeds), seeds),
                plain, qaf4, 4);
        row("QAF in the network vs plain quantization at matched size (Cherniuk 2023)", String.format(Locale.ROOT, setup, EPOCHS, plainBits,
                "8-bit rank-ratio-0.25", EPOCHS - 1, qaf8Bits, "", seeds), plain, qaf8, 4);
        qafAgainstLowrank(data, seeds);
    }

    /**
     * QAF with a bottom-up progressive schedule (a factorized layer's factors quantized together, one model layer per
     * epoch) against QAF with every factor quantized from the first fine-tuning epoch: the 4-bit rank-ratio-0.5 setting
     * of {@link #qafNetwork}, same seeds, splits and epochs; runs alternate which goes first per seed.
     */
    static void qafProgressive(Path data, int seeds) throws Exception {
        List<Double> atOnce = new ArrayList<>(), progressive = new ArrayList<>();
        ScheduleConfig forward = new ScheduleConfig("progressive", "forward", 1);
        List<Integer> four = List.of(4, 4, 8);
        for (int s = 0; s < seeds; s++) {
            Dl4jTrainerConfig c = Dl4jBench.config(data, List.of(256, 128), 10_000, 2000).toBuilder().splitSeed(s).build()
                    .withFactorization(FactorizationConfig.qaf(0.5, 1, 60));
            Dl4jTrainer plain = new Dl4jTrainer(c), prog = new Dl4jTrainer(c.withSchedule(forward));
            boolean first = s % 2 == 0;
            double x = first ? train(plain, four, s, EPOCHS - 1) : 0, y = train(prog, four, s, EPOCHS - 1);
            if (!first) x = train(plain, four, s, EPOCHS - 1);
            atOnce.add(x);
            progressive.add(y);
        }
        qafActivations(data, seeds);
        row("QAF with a progressive schedule vs all factors quantized at once", "MLP 784-256-128-10 on 10000/2000 samples, 4-bit rank-ratio-0.5 hidden factors "
                + "(ranks 96, 42), output 8 bits, 1 FP32 pre-training epoch + " + (EPOCHS - 1) + " fine-tuning epochs; progressive forward, one model layer "
                + "(both its factors) per epoch, fully quantized from fine-tuning epoch 3; val accuracy, " + seeds + " seeds", atOnce, progressive, 4);
    }

    /**
     * QAF with 4-bit activations on the factorized hidden layers' outputs (W4/A4, the rank-R products FP32) against the
     * same QAF model with FP32 activations: what activation quantization costs the factorized model.
     */
    static void qafActivations(Path data, int seeds) throws Exception {
        List<Double> fp32 = new ArrayList<>(), a4 = new ArrayList<>();
        List<Integer> four = List.of(4, 4, 8);
        Candidate wa = new Candidate(Dl4jBench.candidate(four).params(), new BitAllocation(four), BitAllocation.of(4, 4, 32));
        for (int s = 0; s < seeds; s++) {
            Dl4jTrainer q = new Dl4jTrainer(Dl4jBench.config(data, List.of(256, 128), 10_000, 2000).toBuilder().splitSeed(s).build()
                    .withFactorization(FactorizationConfig.qaf(0.5, 1, 60)));
            boolean first = s % 2 == 0;
            double x = first ? train(q, four, s, EPOCHS - 1) : 0, y;
            try (TrainingRun run = q.open(new TrialContext(0, wa, s, EPOCHS - 1, Optional.empty(), "cpu:0"))) {
                EpochMetrics m = null;
                for (int e = 0; e < EPOCHS - 1; e++) m = run.trainEpoch();
                y = m.valAccuracy();
            }
            if (!first) x = train(q, four, s, EPOCHS - 1);
            fp32.add(x);
            a4.add(y);
        }
        row("QAF with 4-bit activations vs FP32 activations", "MLP 784-256-128-10 on 10000/2000 samples, 4-bit rank-ratio-0.5 hidden factors (ranks 96, 42), "
                + "output 8 bits, 1 FP32 pre-training epoch + " + (EPOCHS - 1) + " fine-tuning epochs; 4-bit activations on both factorized layers' outputs "
                + "(the rank-R products FP32); val accuracy, " + seeds + " seeds", fp32, a4, 4);
    }

    /** The paper's own comparison inside the network: ADMM factors against quantize-after-factorize, same ranks and bits, 1 fine-tuning epoch. */
    static void qafAgainstLowrank(Path data, int seeds) throws Exception {
        List<Double> lowrank = new ArrayList<>(), qaf = new ArrayList<>();
        for (int s = 0; s < seeds; s++) {
            Dl4jTrainerConfig c = Dl4jBench.config(data, List.of(256, 128), 10_000, 2000).toBuilder().splitSeed(s).build();
            Dl4jTrainer low = new Dl4jTrainer(c.withFactorization(new FactorizationConfig("lowrank", 0.25, List.of(), 1, 60)));
            Dl4jTrainer q = new Dl4jTrainer(c.withFactorization(FactorizationConfig.qaf(0.25, 1, 60)));
            boolean first = s % 2 == 0;
            double x = first ? train(low, List.of(3, 3, 8), s, 1) : 0, y = train(q, List.of(3, 3, 8), s, 1);
            if (!first) x = train(low, List.of(3, 3, 8), s, 1);
            lowrank.add(x);
            qaf.add(y);
        }
        row("QAF ADMM vs quantize-after-factorize, in the network (Cherniuk 2023)", "MLP 784-256-128-10 on 10000/2000 samples, 3-bit hidden factors at rank ratio 0.25 (ranks 48, 21), "
                + "output 8 bits, 1 FP32 pre-training epoch + 1 fine-tuning epoch, val accuracy, " + seeds + " seeds", lowrank, qaf, 4);
    }

    static Dl4jTrainerConfig config(Path data) {
        return Dl4jBench.config(data, HIDDEN, TRAIN, VALIDATION);
    }

    static double train(Dl4jTrainer trainer, List<Integer> bits, long seed, int epochs) throws Exception {
        return last(trainer, bits, seed, epochs).valAccuracy();
    }

    static EpochMetrics last(Dl4jTrainer trainer, List<Integer> bits, long seed, int epochs) throws Exception {
        try (TrainingRun run = trainer.open(Dl4jBench.context(0, Dl4jBench.candidate(bits), seed, epochs, 0))) {
            EpochMetrics m = null;
            for (int e = 0; e < epochs; e++) m = run.trainEpoch();
            return m;
        }
    }

    /**
     * CPQ (Lee et al. 2021): its quantizer with DropBits against the uniform quantizer at the same bits and epochs,
     * and CPQ's learned bits (from 4 bits everywhere) against the uniform quantizer trained at the bits it learned.
     * Runs alternate which trainer goes first per seed.
     */
    static void cpq(Path data, int seeds) throws Exception {
        Dl4jTrainer plain = new Dl4jTrainer(config(data));
        Dl4jTrainer cpq = new Dl4jTrainer(config(data).withCpq(CpqConfig.DEFAULT.withSampling("categorical")));
        Dl4jTrainer argmax = new Dl4jTrainer(config(data).withCpq(CpqConfig.DEFAULT));
        for (List<Integer> bits : List.of(List.of(4, 4, 4), List.of(3, 3, 3))) {
            List<Double> a = new ArrayList<>(), b = new ArrayList<>(), c = new ArrayList<>();
            for (int s = 0; s < seeds; s++) {
                boolean first = s % 2 == 0;
                double x = first ? train(plain, bits, s, EPOCHS) : 0, y = train(cpq, bits, s, EPOCHS), z = train(argmax, bits, s, EPOCHS);
                if (!first) x = train(plain, bits, s, EPOCHS);
                a.add(x);
                b.add(y);
                c.add(z);
            }
            row("CPQ + DropBits vs uniform (Lee 2021)", "MLP 784-64-32-10, bits " + bits + ", cpq defaults (ρ 1/3, sampling argmax, dropProbability 0.1), "
                    + EPOCHS + " epochs, " + TRAIN + "/" + VALIDATION + " samples, val accuracy, " + seeds + " seeds", a, c, 4);
            row("CPQ (categorical forward) + DropBits vs uniform (Lee 2021)", "as above, sampling categorical", a, b, 4);
        }
        for (double lambda : LAMBDAS) {
            CpqConfig learn = new CpqConfig(1.0 / 3, "argmax", 0.1, true, 2, lambda, 0.1);
            Dl4jTrainer learner = new Dl4jTrainer(config(data).withCpq(learn));
            List<Double> a = new ArrayList<>(), b = new ArrayList<>(), sizes = new ArrayList<>();
            List<List<Integer>> learned = new ArrayList<>();
            for (int s = 0; s < seeds; s++) {
                EpochMetrics m = last(learner, List.of(4, 4, 4), s, EPOCHS);
                learned.add(m.learnedBits());
                b.add(m.valAccuracy());
                a.add(train(plain, m.learnedBits(), s, EPOCHS));
                sizes.add((double) plain.size(new BitAllocation(m.learnedBits())).bits() / plain.size(BitAllocation.uniform(3, 4)).bits());
            }
            row("CPQ learned bits vs uniform at those bits (Lee 2021)", "MLP 784-64-32-10 from bits [4, 4, 4], learnBits, λ " + lambda
                    + ", gate rate 0.1, argmax, learned " + learned + " (size " + ms(sizes, 2) + " of uniform 4-bit), " + EPOCHS
                    + " epochs, " + TRAIN + "/" + VALIDATION + " samples, val accuracy, " + seeds + " seeds", a, b, 4);
        }
    }

    /** Lan 2021: progressive (forward, one more layer per epoch) against all-quantized from the start, 1 bit everywhere. */
    static void progressive(Path data, int seeds) throws Exception {
        Dl4jTrainer plain = new Dl4jTrainer(config(data));
        Dl4jTrainer prog = new Dl4jTrainer(config(data).withSchedule(new ScheduleConfig("progressive", "forward", 1)));
        List<Integer> bits = List.of(1, 1, 1);
        List<Double> a = new ArrayList<>(), b = new ArrayList<>();
        for (int s = 0; s < seeds; s++) {
            boolean first = s % 2 == 0; // alternate which runs first
            double x = first ? train(plain, bits, s, EPOCHS) : 0, y = train(prog, bits, s, EPOCHS);
            if (!first) x = train(plain, bits, s, EPOCHS);
            a.add(x);
            b.add(y);
        }
        row("progressive schedule vs all-at-once (Lan 2021)", "MLP 784-64-32-10, 1 bit everywhere, " + EPOCHS + " epochs, " + TRAIN + "/" + VALIDATION
                + " samples, val accuracy, " + seeds + " seeds", a, b, 4);
    }

    /** Knapsack allocation from each sensitivity mode's table at the size of uniform 2 bits, against uniform 2 bits. */
    static void sensitivityModes(Path data, int seeds) throws Exception {
        Dl4jTrainer plain = new Dl4jTrainer(config(data));
        BitAllocationSpace bits = new BitAllocationSpace(plain.layers(), List.of(1, 2, 4, 8), false, OptionalInt.empty(), OptionalInt.empty(), Optional.empty());
        long budget = bits.sizeBits(BitAllocation.uniform(3, 2));
        List<Double> base = new ArrayList<>();
        for (int s = 0; s < seeds; s++) base.add(train(plain, List.of(2, 2, 2), s, EPOCHS));
        for (String mode : List.of("proxy", "train", "hessian")) {
            Dl4jTrainer t = new Dl4jTrainer(config(data).withSensitivity(SensitivityConfig.DEFAULT.withMode(mode)));
            long t0 = System.nanoTime();
            LayerSensitivity table = t.sensitivity(List.of(1, 2, 4, 8));
            double seconds = (System.nanoTime() - t0) / 1e9;
            BitAllocation chosen = SensitivityKnapsack.best(SensitivityKnapsack.front(bits, table), budget).bits();
            List<Double> with = new ArrayList<>();
            for (int s = 0; s < seeds; s++) with.add(train(plain, chosen.bits(), s, EPOCHS));
            row("knapsack on the " + mode + " table vs uniform 2-bit", String.format(Locale.ROOT,
                    "MLP 784-64-32-10 at the size of uniform 2 bits: chose %s (table took %.0f s), %d epochs, val accuracy, %d seeds",
                    chosen, seconds, EPOCHS, seeds), base, with, 4);
        }
    }
}
