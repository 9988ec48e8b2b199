/**
 * {@code bitsearch bench}: re-runnable measurements of bitsearch on the machine it runs on, written to
 * {@code BENCHMARKS.md} ({@link org.bitsearch.bench.BenchReport}) with a Pareto-front PNG
 * ({@link org.bitsearch.bench.FrontPlot}). One class per figure:
 * <ol>
 *   <li>{@link org.bitsearch.bench.ThroughputBench}: training throughput of the DL4J trainer's fast step side by
 *       side with PyTorch ({@link org.bitsearch.bench.TorchWorker}), MLP and CNN, FP32 and 8/4/2/1-bit,
 *       with a JFR profile ({@link org.bitsearch.bench.TrainingProfile}) and single-call timings
 *       ({@link org.bitsearch.bench.OpMicroBench});</li>
 *   <li>{@link org.bitsearch.bench.ParallelScalingBench}: one against two concurrent trainers;</li>
 *   <li>{@link org.bitsearch.bench.OrchestrationBench}: trials per second and report-to-decision
 *       latency through actors and H2 ({@link org.bitsearch.bench.ActorSearchRunner});</li>
 *   <li>{@link org.bitsearch.bench.SearchEfficiencyBench}: Pareto-ASHA against no pruning
 *       ({@link org.bitsearch.bench.SequentialSearch});</li>
 *   <li>{@link org.bitsearch.bench.FrontQualityBench}: the front of a real Fashion-MNIST search;</li>
 *   <li>{@link org.bitsearch.bench.EngineScalingBench}: engine cost per call at 100 to 10,000 trials.</li>
 * </ol>
 * Comparisons alternate A B A B within one run; every figure is min/median/max over repeats
 * ({@link org.bitsearch.bench.Summary}). Tests check the writers and the argument validation, never
 * timings.
 */
package org.bitsearch.bench;
