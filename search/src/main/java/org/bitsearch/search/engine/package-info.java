/**
 * The ask/tell search engine and its settings.
 *
 * <p>Typical use (the supervisor actor owns the engine, one thread at a time):
 * <pre>{@code
 * SearchSpace space = new SearchSpace(dimensions, new BitAllocationSpace(Architectures.mlp(784, List.of(256, 128), 10),
 *         BitAllocationSpace.DEFAULT_BITS, true, OptionalInt.of(8), OptionalInt.of(8), Optional.empty()));
 * SearchEngine engine = new SearchEngine(SearchSettings.of(space, new SamplerConfig.Nsga2(8, 0.2, 0.9),
 *         new PrunerConfig.Asha(1, 9, 3, 0, true), seed, 64, 2, 9));
 * Optional<Proposal> p = engine.ask();           // empty: budget spent, maxConcurrent busy, or NSGA-II waiting
 * Verdict v = engine.report(number, metrics);     // STOP → finish PRUNED (FAILED if diverged)
 * if (!v.stop() && engine.isLastEpoch(metrics.epoch())) engine.finish(number, TrialState.COMPLETED);
 * // after a crash: SearchEngine.restore(settings, recordedTrials, recordedReportOrder)
 * }</pre>
 * Trial seeds come from {@link org.bitsearch.search.engine.Seeds#trialSeed}; trainers derive their own random
 * choices from that seed with {@link org.bitsearch.search.engine.Seeds#derive}.
 */
package org.bitsearch.search.engine;

