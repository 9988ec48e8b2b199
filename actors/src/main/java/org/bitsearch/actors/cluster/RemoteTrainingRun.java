package org.bitsearch.actors.cluster;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.bitsearch.search.trainer.EpochCancelledException;
import org.bitsearch.search.trainer.TrainingRun;
import org.bitsearch.search.trainer.TrialContext;
import org.bitsearch.search.trial.EpochMetrics;
import org.bitsearch.storage.CandidateJson;
import org.bitsearch.trainers.io.AtomicFiles;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A trial's run on a cluster worker, driven from the coordinator: each call is a message to the worker's
 * {@link TrainerHost} and blocks (on the trainer dispatcher, like every trainer call) until the answer, the call's
 * timeout, or the loss of the worker, whichever comes first. {@link #saveCheckpoint} has the worker save its
 * checkpoint and then pulls it here in chunks into {@code file} (written atomically), so the coordinator holds every
 * checkpoint and any node can resume the trial; opening from a checkpoint pushes it to the worker first.
 * Not thread-safe, except {@link #cancel()}.
 */
final class RemoteTrainingRun implements TrainingRun {
    private static final Duration CALL_TIMEOUT = Duration.ofMinutes(5);
    private static final CandidateJson CANDIDATES = new CandidateJson();

    private final Workers.Worker worker;
    private final ActorSystem<?> system;
    private final String runId;
    private final Duration epochTimeout;
    private int nextEpoch;
    private boolean closed;

    private RemoteTrainingRun(Workers.Worker worker, ActorSystem<?> system, String runId, Duration epochTimeout, int nextEpoch) {
        this.worker = worker;
        this.system = system;
        this.runId = runId;
        this.epochTimeout = epochTimeout;
        this.nextEpoch = nextEpoch;
    }

    static RemoteTrainingRun open(Workers.Worker worker, ActorSystem<?> system, String kind, String configJson,
                                  String dataFingerprint, TrialContext context, Duration epochTimeout) throws Exception {
        String runId = UUID.randomUUID().toString();
        ActorRef<TrainerHost.Command> host = worker.host();
        boolean fromCheckpoint = context.checkpoint().isPresent();
        if (fromCheckpoint) push(worker, system, runId, context.checkpoint().get());
        TrialContext local = context.onLocalDevice();
        TrainerHost.Result r = call(worker, system, CALL_TIMEOUT, reply -> new TrainerHost.Open(runId, kind, configJson, local.number(),
                CANDIDATES.params(local.candidate()), CANDIDATES.bits(local.candidate().bits()),
                local.candidate().activationBits().map(CANDIDATES::bits).orElse(""), local.seed(), local.maxEpochs(),
                local.device(), fromCheckpoint, dataFingerprint, reply));
        if (r instanceof TrainerHost.Opened o) return new RemoteTrainingRun(worker, system, runId, epochTimeout, o.nextEpoch());
        host.tell(new TrainerHost.Close(runId));
        if (r instanceof TrainerHost.OtherData d) throw new Workers.OtherDataException(worker.node(), d.message());
        throw failure(worker, r);
    }

    @Override public int nextEpoch() { return nextEpoch; }

    @Override
    public EpochMetrics trainEpoch() throws Exception {
        checkOpen();
        TrainerHost.Result r = call(worker, system, epochTimeout, reply -> new TrainerHost.TrainEpoch(runId, reply));
        if (r instanceof TrainerHost.Epoch e) {
            nextEpoch = e.metrics().epoch() + 1;
            return e.metrics();
        }
        if (r instanceof TrainerHost.Failed f && f.cancelled()) throw new EpochCancelledException(nextEpoch);
        throw failure(worker, r);
    }

    @Override
    public void saveCheckpoint(Path file) throws Exception {
        checkOpen();
        TrainerHost.Result r = call(worker, system, CALL_TIMEOUT, reply -> new TrainerHost.SaveCheckpoint(runId, reply));
        if (!(r instanceof TrainerHost.Saved)) throw failure(worker, r);
        pull(TrainerHost.CHECKPOINT, file);
    }

    @Override
    public double testAccuracy() throws Exception {
        checkOpen();
        TrainerHost.Result r = call(worker, system, epochTimeout, reply -> new TrainerHost.TestAccuracy(runId, reply));
        if (r instanceof TrainerHost.Accuracy a) return a.value();
        throw failure(worker, r);
    }

    @Override
    public void exportModel(Path file) throws Exception {
        checkOpen();
        TrainerHost.Result r = call(worker, system, epochTimeout, reply -> new TrainerHost.ExportModel(runId, reply));
        if (!(r instanceof TrainerHost.Saved)) throw failure(worker, r);
        pull(TrainerHost.EXPORT, file);
    }

    @Override public void cancel() { worker.host().tell(new TrainerHost.Cancel(runId)); }

    @Override
    public void close() {
        if (closed) return;
        closed = true;
        worker.host().tell(new TrainerHost.Close(runId));
    }

    private void checkOpen() {
        if (closed) throw new IllegalStateException("the run is closed");
    }

    /** Copies a file of the run from the worker to {@code file}, one chunk in flight at a time. */
    private void pull(String name, Path file) throws Exception {
        AtomicFiles.write(file, tmp -> {
            try (OutputStream out = Files.newOutputStream(tmp)) {
                long offset = 0;
                while (true) {
                    long at = offset;
                    TrainerHost.Result r = call(worker, system, CALL_TIMEOUT, reply -> new TrainerHost.ReadChunk(runId, name, at, reply));
                    if (!(r instanceof TrainerHost.Chunk c)) throw new IOException(failure(worker, r).getMessage());
                    out.write(c.bytes());
                    offset += c.bytes().length;
                    if (c.eof()) break;
                }
            } catch (IOException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e.getMessage(), e);
            }
        });
    }

    /** Copies {@code checkpoint} to the worker, where the run will be opened from it. */
    private static void push(Workers.Worker worker, ActorSystem<?> system, String runId, Path checkpoint) throws Exception {
        if (!Files.isRegularFile(checkpoint)) throw new IOException("checkpoint " + checkpoint + " not found");
        try (InputStream in = Files.newInputStream(checkpoint)) {
            long offset = 0;
            byte[] buffer = new byte[TrainerHost.CHUNK_BYTES];
            for (int n; (n = in.readNBytes(buffer, 0, buffer.length)) > 0; ) {
                byte[] bytes = java.util.Arrays.copyOf(buffer, n);
                long at = offset;
                TrainerHost.Result r = call(worker, system, CALL_TIMEOUT, reply -> new TrainerHost.WriteChunk(runId, at, bytes, reply));
                if (!(r instanceof TrainerHost.Written)) throw failure(worker, r);
                offset += n;
            }
        }
    }

    /** Asks the worker's host and waits for the answer, the timeout or the worker's loss. */
    private static TrainerHost.Result call(Workers.Worker worker, ActorSystem<?> system, Duration timeout,
                                           Function<ActorRef<TrainerHost.Result>, TrainerHost.Command> message) throws Exception {
        CompletableFuture<TrainerHost.Result> answer = AskPattern.<TrainerHost.Command, TrainerHost.Result>ask(worker.host(),
                message::apply, timeout, system.scheduler()).toCompletableFuture();
        CompletableFuture<Object> first = CompletableFuture.anyOf(answer, worker.lost());
        try {
            first.get();
            return answer.getNow(null);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof TimeoutException || cause instanceof java.util.concurrent.TimeoutException)
                throw new IOException("worker " + worker.node() + " did not answer within " + timeout, cause);
            if (cause instanceof Exception ex) throw ex;
            throw e;
        }
    }

    private static Exception failure(Workers.Worker worker, TrainerHost.Result r) {
        if (r instanceof TrainerHost.Failed f) return new IOException("on worker " + worker.node() + ": " + f.message());
        return new IOException("worker " + worker.node() + " answered " + r + ", which does not fit the call");
    }
}
