package org.bitsearch.search.trainer;

import org.bitsearch.search.space.QuantLayer;

import java.util.List;

/**
 * Trains candidates of one model on one dataset. A trainer is made once per search; it is thread-safe:
 * several runs may be open at once, each used by one thread at a time.
 *
 * <p>Implementations: the DL4J quantization-aware trainer (actors module) and a seeded simulated trainer
 * for fast tests ({@code org.bitsearch.trainers.sim}).
 */
public interface Trainer {
    /** The model's quantizable layers, in forward order; known before any training (the search space reads it). */
    List<QuantLayer> layers();

    /**
     * Opens the run of one trial: builds the network and, if {@link TrialContext#checkpoint()} is present,
     * restores weights, updater state and epoch from it. Blocking; call it off actor threads.
     *
     * @throws Exception with a message naming the problem if the run cannot be opened
     */
    TrainingRun open(TrialContext context) throws Exception;

    /**
     * True if {@link #sensitivity} can answer; known without any training (the spec compiler asks it to refuse a
     * {@code sampler: {type: sensitivity}} over a trainer that cannot measure).
     */
    default boolean measuresSensitivity() { return false; }

    /**
     * Whether {@link #open} honours a candidate's {@code activationBits} (quantizes layer outputs); a spec with
     * {@code space.activationBits} is refused for a trainer that does not. Default false.
     */
    default boolean quantizesActivations() { return false; }

    /** Why {@link #quantizesActivations()} is false, for the spec error ("" when it is true). */
    default String activationQuantizationUnsupported() { return quantizesActivations() ? "" : "it does not quantize activations"; }

    /**
     * The model's per-layer, per-bit-width sensitivity table over {@code bits} (the widths below 32 a search may
     * give a layer). May train (seconds to minutes for a real trainer); blocking; an implementation computes it
     * at most once per trainer and answers later calls from memory. Deterministic for a given trainer config.
     *
     * @throws UnsupportedOperationException if {@link #measuresSensitivity()} is false
     * @throws Exception                     naming the problem if the measurement fails
     */
    default LayerSensitivity sensitivity(List<Integer> bits) throws Exception {
        throw new UnsupportedOperationException("this trainer does not measure layer sensitivity");
    }

    /**
     * The first epoch whose training has every layer quantized: 1 for trainers that quantize every layer from the
     * start; 1 + (L − 1)·E for a progressive schedule that quantizes one more of L layers every E epochs (Lan 2021).
     * Before it, a trial's fully quantized accuracy is not yet meaningful, so pruners do not judge it.
     */
    default int fullyQuantizedEpoch() { return 1; }

    /**
     * Checks, before a new search is written, that everything the runs will need is there and usable, so that a
     * search with missing or corrupt data fails at once rather than in every trial (the DL4J trainer opens and
     * checks all its data files and the split sizes). Blocking; call it off actor threads. Default: nothing to
     * check.
     *
     * @throws Exception whose message starts with the trainer config field it is about ("dataDir: ...",
     *                   "trainSubset is ..."), so that it can be reported under {@code trainer.}
     */
    default void checkReady() throws Exception {}

    /**
     * A fingerprint of the data this trainer trains on (e.g. a hash of the dataset's files), or empty if it has
     * none. A cluster coordinator compares its own with each worker's before a trial trains there, so that a
     * search never mixes results from different data. Blocking; called off actor threads, once per trainer.
     */
    default java.util.Optional<String> dataFingerprint() throws Exception { return java.util.Optional.empty(); }
}
