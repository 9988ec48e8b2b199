package org.bitsearch.orchestrator.http;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bitsearch.orchestrator.view.LayerView;
import org.bitsearch.orchestrator.view.ParetoView;
import org.bitsearch.orchestrator.view.PointView;
import org.bitsearch.orchestrator.view.SearchView;
import org.bitsearch.orchestrator.view.TrialView;
import org.bitsearch.orchestrator.view.Views;
import org.bitsearch.search.trainer.Trainer;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.storage.CheckpointRow;
import org.bitsearch.storage.SearchRow;
import org.bitsearch.storage.SearchStore;
import org.bitsearch.storage.TrialRow;
import org.bitsearch.trainers.dl4j.Dl4jTrainer;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * Builds a search's export, a zip holding:
 * <ul>
 *   <li>{@code models/trial-N.zip}: for each Pareto point, the quantized model written by
 *       {@link TrainingRun#exportModel} from the trial's latest checkpoint, opened through the search's trainer
 *       (DL4J writes a zip for {@code ModelSerializer} that stock DL4J loads; a trainer writing JSON gets {@code .json});</li>
 *   <li>{@code models/trial-N.bsq}: the packed low-bit form, when the DL4J zip holds one (README, "Packed model format");</li>
 *   <li>{@code trials.csv}: every trial: number, state, reason, seed, attempts, epochs, seconds (training time
 *       summed over its recorded epochs), size, accuracies, then one column per layer's bit-width
 *       ({@code bits.<layer>}) and one per hyperparameter ({@code params.<name>}, empty where a trial has none);</li>
 *   <li>{@code pareto.json}: the front as {@code GET /api/searches/{id}/pareto} shows it;</li>
 *   <li>{@code spec.json}: the validated spec, runnable as is, with the {@code trainer.dataDir} the trainer
 *       resolved (also when the spec named none) and {@code bitsearch: {version}}, the version that exported it;</li>
 *   <li>{@code REPORT.md}: a short report: the search, its front, which models are in the zip and why some are not.</li>
 * </ul>
 * Blocking (database, training framework, disk): run it on the blocking executor. The zip is written to a
 * temp file that the caller streams and deletes.
 */
public final class ExportBuilder {
    private final SearchStore store;
    private final SearchReader reader;
    private final TrainerLookup trainers;
    private final Path tempDir;
    private final String version;

    public ExportBuilder(SearchStore store, SearchReader reader, TrainerLookup trainers, Path tempDir, String version) {
        this.store = store;
        this.reader = reader;
        this.trainers = trainers;
        this.tempDir = tempDir;
        this.version = version;
    }

    /**
     * Deletes export files and model folders left in {@code tempDir} by a server that stopped while sending them
     * (or whose response was never sent: a timed-out request). Called at server start, before any export runs.
     * Failures are logged, never thrown.
     */
    public static void sweepStale(Path tempDir) {
        if (!Files.isDirectory(tempDir)) return;
        try (Stream<Path> files = Files.list(tempDir)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                if (!(name.startsWith("bitsearch-export-") && name.endsWith(".zip")) && !name.startsWith("models-")) continue;
                try (Stream<Path> tree = Files.walk(f)) {
                    for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
                }
            }
        } catch (IOException e) {
            LoggerFactory.getLogger(ExportBuilder.class).warn("cannot sweep stale exports in {}: {}", tempDir, e.toString());
        }
    }

    /** Writes the export of search {@code id} to a new temp file; empty if there is no such search. */
    public Optional<Path> build(long id) throws IOException {
        Optional<SearchRow> row = store.search(id);
        if (row.isEmpty()) return Optional.empty();
        SearchView search = reader.search(id).orElseThrow();
        List<TrialView> trials = reader.trials(id).orElseThrow();
        ParetoView pareto = reader.pareto(id).orElseThrow();
        Files.createDirectories(tempDir);
        Path zip = Files.createTempFile(tempDir, "bitsearch-export-" + id + "-", ".zip");
        try (ZipOutputStream out = new ZipOutputStream(Files.newOutputStream(zip))) {
            List<String> modelNotes = writeModels(out, row.get(), pareto);
            Map<Integer, Double> seconds = new HashMap<>();
            for (var r : store.reports(id)) seconds.merge(r.number(), r.metrics().seconds(), Double::sum);
            List<String> layers = pareto.layers().stream().map(LayerView::name).toList();
            put(out, "trials.csv", trialsCsv(trials, layers, seconds));
            put(out, "pareto.json", JsonSupport.write(pareto));
            put(out, "spec.json", specJson(row.get()));
            put(out, "REPORT.md", report(search, pareto, modelNotes));
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(zip);
            throw e;
        }
        return Optional.of(zip);
    }

    private List<String> writeModels(ZipOutputStream out, SearchRow search, ParetoView pareto) throws IOException {
        List<String> notes = new ArrayList<>();
        if (pareto.points().isEmpty()) return notes;
        Trainer trainer;
        try {
            trainer = trainers.trainerFor(search);
        } catch (Exception e) {
            notes.add("no models: the search's trainer cannot be built (" + e.getMessage() + ")");
            return notes;
        }
        Path dir = Files.createTempDirectory(tempDir, "models-");
        try {
            for (PointView p : pareto.points()) {
                Optional<CheckpointRow> checkpoint = store.latestCheckpoint(search.id(), p.number());
                Optional<TrialRow> trial = store.trial(search.id(), p.number());
                if (checkpoint.isEmpty() || trial.isEmpty()) {
                    notes.add("trial " + p.number() + ": no model (no checkpoint was saved)");
                    continue;
                }
                Path file = dir.resolve("trial-" + p.number() + ".model");
                TrialRow t = trial.get();
                TrialContext context = new TrialContext(t.number(), t.candidate(), t.seed(),
                        Math.max(1, checkpoint.get().epoch()), Optional.of(checkpoint.get().path()), "cpu:0");
                try (TrainingRun run = trainer.open(context)) {
                    run.exportModel(file);
                } catch (Exception e) {
                    notes.add("trial " + p.number() + ": no model (export failed: " + e.getMessage() + ")");
                    continue;
                }
                String entry = "models/trial-" + p.number() + extension(file);
                try (OutputStream o = entryStream(out, entry)) {
                    Files.copy(file, o);
                }
                out.closeEntry();
                String packed = packedEntry(out, file, "models/trial-" + p.number() + ".bsq");
                Files.deleteIfExists(file);
                notes.add("trial " + p.number() + ": `" + entry + "`" + (packed == null ? "" : " and `" + packed + "` (packed low-bit form)")
                        + " (epoch " + checkpoint.get().epoch() + " checkpoint)");
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        }
        return notes;
    }

    /**
     * Copies the packed low-bit form a DL4J export zip holds (its entry {@value #PACKED_ENTRY}, README "Packed model
     * format") to {@code entry}; returns the entry's name, or null when the model file has none.
     */
    static String packedEntry(ZipOutputStream out, Path model, String entry) throws IOException {
        if (!".zip".equals(extension(model))) return null;
        try (ZipFile z = new ZipFile(model.toFile())) {
            ZipEntry e = z.getEntry(PACKED_ENTRY);
            if (e == null) return null;
            try (var in = z.getInputStream(e); OutputStream o = entryStream(out, entry)) {
                in.transferTo(o);
            }
            out.closeEntry();
            return entry;
        }
    }

    /** The entry of a DL4J export zip that holds the packed form (trainers.dl4j.export.ModelExport.PACKED_ENTRY). */
    static final String PACKED_ENTRY = "bitsearch-packed.bsq";

    /** The file's kind from its first bytes: a zip (DL4J's model format), JSON, or anything else. */
    private static String extension(Path file) throws IOException {
        byte[] head = new byte[2];
        int n;
        try (var in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 2);
        }
        if (n == 2 && head[0] == 'P' && head[1] == 'K') return ".zip";
        if (n >= 1 && head[0] == '{') return ".json";
        return ".bin";
    }

    /**
     * The trial table: fixed columns, then {@code bits.<layer>} per layer ({@code layers} names them; when they
     * are unknown, {@code bits.0 ..}), then {@code activationBits.<layer>} per layer when any trial has activation
     * bits, then {@code params.<name>} per hyperparameter any trial has, sorted.
     *
     * @param seconds training seconds per trial number (summed over its recorded epochs); absent = empty
     */
    static String trialsCsv(List<TrialView> trials, List<String> layers, Map<Integer, Double> seconds) {
        int width = trials.stream().mapToInt(t -> t.bits().size()).max().orElse(layers.size());
        List<String> layerNames = new ArrayList<>();
        for (int i = 0; i < width; i++) layerNames.add(i < layers.size() && layers.size() == width ? layers.get(i) : String.valueOf(i));
        SortedSet<String> paramNames = new TreeSet<>();
        trials.forEach(t -> paramNames.addAll(t.params().keySet()));
        StringBuilder csv = new StringBuilder("number,state,reason,seed,attempts,epochs,seconds,sizeBits,sizeKiB,compression,"
                + "valAccuracy,bestValAccuracy,testAccuracy,onFront");
        layerNames.forEach(n -> csv.append(',').append(csvField("bits." + n)));
        boolean acts = trials.stream().anyMatch(t -> t.activationBits() != null);
        if (acts) layerNames.forEach(n -> csv.append(',').append(csvField("activationBits." + n)));
        paramNames.forEach(n -> csv.append(',').append(csvField("params." + n)));
        csv.append('\n');
        for (TrialView t : trials) {
            Double s = seconds.get(t.number());
            csv.append(t.number()).append(',').append(t.state()).append(',').append(csvField(t.reason())).append(',')
                    .append(t.seed()).append(',').append(t.attempts()).append(',').append(t.epochs()).append(',')
                    .append(s == null ? "" : String.format(Locale.ROOT, "%.3f", s)).append(',')
                    .append(t.sizeBits()).append(',').append(fmt(t.sizeKiB())).append(',').append(fmt(t.compression()))
                    .append(',').append(fmt(t.valAccuracy())).append(',')
                    .append(fmt(t.bestValAccuracy())).append(',').append(fmt(t.testAccuracy())).append(',')
                    .append(t.onFront());
            for (int i = 0; i < width; i++) csv.append(',').append(i < t.bits().size() ? String.valueOf(t.bits().get(i)) : "");
            if (acts) for (int i = 0; i < width; i++)
                csv.append(',').append(t.activationBits() != null && i < t.activationBits().size() ? String.valueOf(t.activationBits().get(i)) : "");
            for (String n : paramNames) {
                Object v = t.params().get(n);
                csv.append(',').append(v == null ? "" : csvField(String.valueOf(v)));
            }
            csv.append('\n');
        }
        return csv.toString();
    }

    /**
     * The stored spec with the data directory its trainer resolved (when the spec named none, or the trainer
     * has one of its own) and {@code bitsearch: {version}}.
     */
    String specJson(SearchRow search) throws IOException {
        ObjectNode spec =
                (ObjectNode) JsonSupport.mapper().readTree(search.specJson());
        try {
            Trainer trainer = trainers.trainerFor(search);
            if (trainer instanceof Dl4jTrainer d
                    && spec.get("trainer") instanceof ObjectNode t)
                t.put("dataDir", d.config().dataPath().toAbsolutePath().normalize().toString());
        } catch (Exception e) {
            // the trainer cannot be built here (data moved): the stored spec as it is
        }
        spec.putObject("bitsearch").put("version", version);
        return JsonSupport.mapper().writerWithDefaultPrettyPrinter().writeValueAsString(spec);
    }

    private static String report(SearchView s, ParetoView pareto, List<String> modelNotes) {
        StringBuilder md = new StringBuilder();
        md.append("# bitsearch export: search ").append(s.id()).append(" \"").append(s.name()).append("\"\n\n");
        md.append("- state: ").append(s.state()).append(s.message().isEmpty() ? "" : " (" + s.message() + ")").append('\n');
        var c = s.counts();
        md.append("- trials: ").append(c.total()).append(" (").append(Stream.of(
                        c.pending() + " pending", c.running() + " running", c.completed() + " completed",
                        c.pruned() + " pruned", c.failed() + " failed")
                .filter(x -> !x.startsWith("0 ")).collect(Collectors.joining(", "))).append(")\n");
        md.append("- hypervolume: ").append(fmt(pareto.hypervolume())).append('\n');
        md.append("- best validation accuracy: ").append(fmt(s.bestValAccuracy())).append("\n\n");
        md.append("## Pareto front (validation accuracy up, size down)\n\n");
        if (pareto.points().isEmpty()) md.append("No trial has finished yet.\n");
        else {
            md.append("| trial | val acc | test acc | size (KiB) | compression | bits per layer | parameters |\n");
            md.append("| ---: | ---: | ---: | ---: | ---: | --- | --- |\n");
            for (PointView p : pareto.points())
                md.append("| ").append(p.number()).append(" | ").append(fmt(p.valAccuracy())).append(" | ")
                        .append(fmt(p.testAccuracy())).append(" | ").append(fmt(p.sizeKiB())).append(" | ")
                        .append(p.compression() == null ? "" : fmt(p.compression()) + "×").append(" | ")
                        .append(Views.bitsLabel(p.bits(), p.activationBits())).append(" | ").append(params(p.params()).replace("|", "\\|")).append(" |\n");
        }
        md.append("\n## Models\n\n");
        if (modelNotes.isEmpty()) md.append("None (empty front).\n");
        for (String note : modelNotes) md.append("- ").append(note).append('\n');
        md.append("\n`trials.csv` lists every trial; `pareto.json` the front and its hypervolume history; "
                + "`spec.json` the search spec.\n");
        return md.toString();
    }

    private static String params(Map<String, Object> params) {
        return params.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining("; "));
    }

    private static String fmt(Double d) { return d == null ? "" : String.format(Locale.ROOT, "%.4f", d); }

    private static String csvField(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r"))
            return '"' + s.replace("\"", "\"\"") + '"';
        return s;
    }

    private static void put(ZipOutputStream out, String name, String text) throws IOException {
        out.putNextEntry(new ZipEntry(name));
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
    }

    private static OutputStream entryStream(ZipOutputStream out, String name) throws IOException {
        out.putNextEntry(new ZipEntry(name));
        return new OutputStream() {
            @Override public void write(int b) throws IOException { out.write(b); }
            @Override public void write(byte[] b, int off, int len) throws IOException { out.write(b, off, len); }
            @Override public void close() {}
        };
    }
}
