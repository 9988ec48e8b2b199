package org.bitsearch.trainers.process;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** The repository's stdlib-only fake trainer ({@code examples/process/fake_trainer.py}) and its journal. */
final class FakeTrainer {
    static final Path SCRIPT = Path.of(System.getProperty("bitsearch.repoRoot", "../.."), "examples", "process", "fake_trainer.py")
            .toAbsolutePath().normalize();
    static final List<ProcessTrainerConfig.Layer> LAYERS = List.of(new ProcessTrainerConfig.Layer("dense0", 1000, 10),
            new ProcessTrainerConfig.Layer("dense1", 100, 10));
    private static final ObjectMapper JSON = new ObjectMapper();

    final Path journal;

    FakeTrainer(Path dir) {
        this.journal = dir.resolve("journal.jsonl");
    }

    /** A config running the fake with {@code args} (after --journal), epoch timeout 20 s, grace 5 s. */
    ProcessTrainerConfig config(String... args) {
        List<String> cmd = new ArrayList<>(List.of("python3", SCRIPT.toString(), "--journal", journal.toString()));
        cmd.addAll(List.of(args));
        return new ProcessTrainerConfig(cmd, ".", Map.of("FAKE_EXTRA", "yes"), LAYERS, 20, 5);
    }

    List<JsonNode> events() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        if (!Files.exists(journal)) return out;
        for (String line : Files.readAllLines(journal)) out.add(JSON.readTree(line));
        return out;
    }

    List<JsonNode> events(String event) throws IOException {
        return events().stream().filter(e -> e.path("event").asText().equals(event)).toList();
    }

    /** Every pid the fake journalled (its own and its grandchildren's). */
    List<Long> pids() throws IOException {
        List<Long> out = new ArrayList<>();
        for (JsonNode e : events()) {
            out.add(e.path("pid").asLong());
            if (e.has("child")) out.add(e.path("child").asLong());
        }
        return out.stream().distinct().toList();
    }

    /**
     * The live processes whose command line names this journal: the fake trainers and their grandchildren (found by
     * command line, not by the journalled pids, which the system may have reused by now).
     */
    List<String> alive() {
        String marker = journal.toString();
        return ProcessHandle.allProcesses().filter(ProcessHandle::isAlive)
                .map(p -> p.pid() + " " + p.info().arguments().map(a -> String.join(" ", a)).orElse(""))
                .filter(c -> c.contains(marker)).toList();
    }

    /** Fails unless every process of this journal is gone within {@code within}. */
    void assertNoProcessLeft(Duration within) throws Exception {
        assertTrueEventually(within);
    }

    private void assertTrueEventually(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        List<String> alive;
        do {
            alive = alive();
            if (alive.isEmpty()) return;
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("processes still alive: " + alive);
    }
}
