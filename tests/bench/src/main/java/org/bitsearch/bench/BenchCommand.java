package org.bitsearch.bench;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.LinkedHashSet;
import java.util.TreeMap;
import java.util.concurrent.Callable;

/**
 * {@code bitsearch bench}: measures on this machine how fast training runs (1, 2), what orchestration costs (3), how
 * much Pareto-ASHA saves (4), the front a real search reaches (5), how the engine scales (6), a search across cluster
 * nodes (7), the activation-bit front (8), one whole search against Optuna + PyTorch (9) and ResNet-20's training speed
 * against PyTorch (10), and merges them into a Markdown report (plus the
 * front's PNG beside it), rewritten atomically after every figure so a partial run leaves the figures it measured.
 * Each figure, the header and the failures own a marked region of the report ({@link ReportRegions}); the run
 * replaces the regions it measured and leaves every other region and all hand-written text as they are. Progress
 * goes to stderr. Exit codes: 0 all figures measured, 1 a figure failed (its error
 * is in the report), 2 bad input (the message names the flag).
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure training throughput, parallel scaling, orchestration overhead, search efficiency, front quality, "
                + "engine scaling, a cluster search, the W/A front, a search against Optuna and ResNet-20's speed on this machine, "
                + "and write them to a Markdown report.")
public final class BenchCommand implements Callable<Integer> {
    @CommandLine.Spec CommandLine.Model.CommandSpec spec;

    @Option(names = "--quick", description = "a smaller run of a few minutes (fewer samples, trials and seeds)") boolean quick;
    @Option(names = "--out", defaultValue = "BENCHMARKS.md", description = "the report to write (default: ${DEFAULT-VALUE}); the PNG goes beside it") Path out;
    @Option(names = "--data", defaultValue = "../shared/datasets/fashion-mnist",
            description = "Fashion-MNIST IDX directory (default: ${DEFAULT-VALUE})") Path data;
    @Option(names = "--repeats", description = "repetitions of each figure (default: 3, or 2 with --quick)") Integer repeats;
    @Option(names = "--figures", split = ",", paramLabel = "N,N,...",
            description = "which figures to measure, 1..10, in this order (default: all, in order); the report lists them in number order "
                    + "and keeps the figures not measured this time") List<Integer> figures;

    /** The figures to run, validated; bad input throws a ParameterException naming the flag. */
    BenchConfig validate(PrintStream log) {
        CommandLine cmd = spec.commandLine();
        int r = repeats == null ? (quick ? 2 : 3) : repeats;
        if (r < 1) throw new CommandLine.ParameterException(cmd, "--repeats is " + r + ", but must be >= 1");
        if (r > 50) throw new CommandLine.ParameterException(cmd, "--repeats is " + r + ", but must be <= 50");
        for (int f : selected())
            if (f < 1 || f > LAST_FIGURE) throw new CommandLine.ParameterException(cmd, "--figures names " + f + ", but figures are numbered 1.." + LAST_FIGURE);
        if (needsData() && !Files.isDirectory(data))
            throw new CommandLine.ParameterException(cmd, "--data is '" + data + "', but it is not a directory (figures 1, 2, 4, 5, 8 and 9 need Fashion-MNIST)");
        Path dir = out.toAbsolutePath().getParent();
        if (!out.getFileName().toString().endsWith(".md"))
            throw new CommandLine.ParameterException(cmd, "--out is '" + out + "', but must name a .md file");
        if (dir == null || !Files.isDirectory(dir))
            throw new CommandLine.ParameterException(cmd, "--out is '" + out + "', but its directory does not exist");
        if (Files.isRegularFile(out)) {
            try {
                ReportRegions.regions(Files.readString(out));
            } catch (IllegalArgumentException | java.io.IOException e) {
                throw new CommandLine.ParameterException(cmd, "--out is '" + out + "', but its bench regions cannot be merged: " + e.getMessage());
            }
        }
        return new BenchConfig(quick, r, data, log);
    }

    /** The highest figure number. */
    static final int LAST_FIGURE = 10;

    /** The figures in the order to measure them, each once. */
    LinkedHashSet<Integer> selected() {
        return new LinkedHashSet<>(figures == null || figures.isEmpty() ? java.util.stream.IntStream.rangeClosed(1, LAST_FIGURE).boxed().toList() : figures);
    }

    private boolean needsData() {
        LinkedHashSet<Integer> s = selected();
        return s.contains(1) || s.contains(2) || s.contains(4) || s.contains(5) || s.contains(8) || s.contains(9);
    }

    /** The PNG beside the report: {@code BENCHMARKS.md} → {@code BENCHMARKS-front.png}. */
    static Path pngFor(Path report) {
        String name = report.getFileName().toString();
        return report.toAbsolutePath().resolveSibling(name.substring(0, name.length() - 3) + "-front.png");
    }

    @Override
    public Integer call() throws Exception {
        PrintStream log = System.err;
        BenchConfig config = validate(log);
        List<String> args = new ArrayList<>(spec.commandLine().getParseResult().originalArgs());
        if (!args.isEmpty() && args.get(0).equals(spec.name())) args.remove(0);
        String command = "./bitsearch bench" + (args.isEmpty() ? "" : " " + String.join(" ", args));
        String loadStart = MachineInfo.loadAverage().orElse("unknown");
        Instant start = Instant.now();
        MachineInfo machine = MachineInfo.current();
        TreeMap<Integer, Section> done = new TreeMap<>();
        List<String> failures = new ArrayList<>();
        try (LoadSampler load = new LoadSampler(5)) {
            this.load = load;
            measureAll(config, machine, command, start, loadStart, done, failures);
        }
        spec.commandLine().getOut().println("wrote " + out.toAbsolutePath());
        return failures.isEmpty() ? 0 : 1;
    }

    private LoadSampler load;

    private void measureAll(BenchConfig config, MachineInfo machine, String command, Instant start, String loadStart,
                            TreeMap<Integer, Section> done, List<String> failures) throws Exception {
        for (int f : selected()) {
            config.progress("figure %d ...", f);
            long t0 = System.nanoTime();
            Instant at = Instant.now();
            String loadBefore = MachineInfo.loadAverage().orElse("unknown");
            try {
                Section measured = measure(f, config);
                String provenance = String.format(Locale.ROOT, "Measured %s–%s UTC by `%s` (%s mode, %d repeat(s)); load average (1, 5, 15 min) "
                                + "%s before, %s after, on %d cores.", at.truncatedTo(ChronoUnit.SECONDS), Instant.now().truncatedTo(ChronoUnit.SECONDS)
                                .toString().substring(11, 19), command, config.quick() ? "quick" : "full", config.repeats(), loadBefore,
                        MachineInfo.loadAverage().orElse("unknown"), machine.cores());
                done.put(f, (rep, png, name) -> {
                    measured.render(rep, png, name);
                    rep.paragraph("*" + provenance + "*");
                });
            } catch (Exception | Error e) {
                if (e instanceof VirtualMachineError) throw e;
                failures.add("figure " + f + ": " + e);
                e.printStackTrace(config.log());
            }
            config.progress("figure %d took %.0f s", f, (System.nanoTime() - t0) / 1e9);
            write(config, machine, command, start, loadStart, done, failures, false);
        }
        write(config, machine, command, start, loadStart, done, failures, true);
    }

    /** A measured figure, rendered once the report is written. */
    private interface Section {
        void render(BenchReport report, Path png, String pngName) throws Exception;
    }

    private Section measure(int figure, BenchConfig config) throws Exception {
        switch (figure) {
            case 1 -> { ThroughputBench b = new ThroughputBench(config); var r = b.run(); return (rep, png, name) -> b.report(r, rep); }
            case 2 -> { ParallelScalingBench b = new ParallelScalingBench(config); var r = b.run(); return (rep, png, name) -> b.report(r, rep); }
            case 3 -> { OrchestrationBench b = new OrchestrationBench(config); var r = b.run(); return (rep, png, name) -> b.report(r, rep); }
            case 4 -> {
                SearchEfficiencyBench b = new SearchEfficiencyBench(config);
                var sim = b.simulated();
                var real = b.real();
                return (rep, png, name) -> b.report(List.of(sim, real), rep);
            }
            case 5 -> { FrontQualityBench b = new FrontQualityBench(config); var r = b.run(); return (rep, png, name) -> b.report(r, rep, png, name); }
            case 6 -> { EngineScalingBench b = new EngineScalingBench(config); var r = b.run(); return (rep, png, name) -> b.report(r, rep); }
            case 7 -> { ClusterBench b = new ClusterBench(config); var r = b.run(); return (rep, png, name) -> b.report(r, rep); }
            case 8 -> { ActivationFrontBench b = new ActivationFrontBench(config); var r = b.run(); return (rep, png, name) -> b.report(r, rep, png); }
            case 9 -> { EndToEndBench b = new EndToEndBench(config); var r = b.run(); return (rep, png, name) -> b.report(r, rep); }
            case 10 -> { Resnet20Bench b = new Resnet20Bench(config); var r = b.run(); return (rep, png, name) -> b.report(r, rep); }
            default -> throw new IllegalArgumentException("figure " + figure + " does not exist");
        }
    }

    private void write(BenchConfig config, MachineInfo m, String command, Instant start, String loadStart, TreeMap<Integer, Section> done,
                       List<String> failures, boolean finished) throws Exception {
        Map<String, String> regions = new LinkedHashMap<>();
        regions.put("header", header(config, m, command, start, loadStart, finished).markdown());
        Path png = pngFor(out);
        for (var e : done.entrySet()) {
            BenchReport r = new BenchReport();
            e.getValue().render(r, png, png.getFileName().toString());
            regions.put("figure " + e.getKey(), r.markdown());
        }
        BenchReport f = new BenchReport();
        if (!failures.isEmpty()) {
            f.heading(2, "Figures that failed in the last run");
            f.paragraph(String.join("\n\n", failures));
        }
        regions.put("failures", failures.isEmpty() ? "" : f.markdown());
        String existing = Files.isRegularFile(out) ? Files.readString(out) : null;
        org.bitsearch.trainers.io.AtomicFiles.write(out, ReportRegions.merge(existing, regions).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private BenchReport header(BenchConfig config, MachineInfo m, String command, Instant start, String loadStart, boolean finished) {
        BenchReport r = new BenchReport();
        Instant now = Instant.now();
        r.heading(1, "bitsearch benchmarks");
        r.paragraph("Measured by `bitsearch bench` on the machine described below; every figure is re-measured by running the command "
                + "again (`--figures N,...` re-measures some and keeps the others; each figure says when and by which command it was "
                + "measured, and the load then). Figures that compare two things are ratios measured in one run, alternating A B A B. Absolute times depend on the "
                + "machine and its load; nothing here is asserted by a test.");
        r.table(List.of("", ""), List.of(
                List.of("command", "`" + command + "`"),
                List.of("mode", config.quick() ? "quick" : "full"),
                List.of("repeats", String.valueOf(config.repeats())),
                List.of("figures the last run measured, in its order", selected().toString()),
                List.of("started", start.truncatedTo(ChronoUnit.SECONDS).toString()),
                List.of(finished ? "finished" : "last update (still running)", now.truncatedTo(ChronoUnit.SECONDS).toString()),
                List.of("duration", String.format(Locale.ROOT, "%.1f min", (now.toEpochMilli() - start.toEpochMilli()) / 60000.0)),
                List.of("CPU", m.cpuModel()),
                List.of("cores", String.valueOf(m.cores())),
                List.of("memory", Double.isNaN(m.memoryGiB()) ? "unknown" : String.format(Locale.ROOT, "%.1f GiB", m.memoryGiB())),
                List.of("Java", m.java()),
                List.of("load average (1, 5, 15 min) at start", loadStart),
                List.of("load average (1, 5, 15 min) " + (finished ? "at end" : "now"), MachineInfo.loadAverage().orElse("unknown")),
                List.of("1-min load average sampled every 5 s during the run",
                        load == null ? "unknown" : load.summary().map(x -> x.format(2) + " (median, min–max of " + x.count() + " samples)").orElse("unknown"))));
        r.paragraph("The load average counts runnable processes: on these " + m.cores() + " cores, a load above " + m.cores()
                + " means other work competed with the benchmark for the CPU and absolute figures are lower than on an idle machine. "
                + "Text outside the `<!-- bench:... -->` regions is written by hand and kept by the harness.");
        return r;
    }
}
