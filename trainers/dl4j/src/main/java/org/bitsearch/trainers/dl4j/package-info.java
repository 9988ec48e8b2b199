/**
 * The real trainer: quantization-aware training with DL4J/ND4J.
 *
 * <ul>
 *   <li>{@link org.bitsearch.trainers.dl4j.Dl4jTrainer} implements {@link org.bitsearch.search.trainer.Trainer};
 *       its spec section is {@link org.bitsearch.trainers.dl4j.Dl4jTrainerConfig} and the candidate parameters it
 *       reads are listed in {@link org.bitsearch.trainers.dl4j.model.Hyperparameters}.</li>
 *   <li>{@code data}: IDX loading with SHA256SUMS verification, the per-process dataset cache, the seeded
 *       train/validation split.</li>
 *   <li>{@code quant}: the quantizers of DESIGN.md and the DL4J weight noise that applies them with a
 *       straight-through estimator in training and at inference.</li>
 *   <li>{@code model}: the MLP and LeNet-style CNN and their quantizable layers.</li>
 *   <li>{@code schedule}: progressive layer-wise quantization (Lan 2021; BiTAT 2022), DropBits (CPQ 2021) and
 *       the sensitivity analysis settings; {@link org.bitsearch.trainers.dl4j.SensitivityAnalysis} runs it.</li>
 * </ul>
 *
 * <p>Backends: the CPU backend (nd4j-native + OpenBLAS) by default; {@code mvn -Pcuda} swaps in CUDA 11.6 and
 * runs on {@code gpu:N} slots through {@link org.bitsearch.trainers.dl4j.DeviceBinding}. The CUDA path is
 * untested: it was written on machines without a GPU.
 *
 * <p>Performance notes (2 shared cores, one native thread per trainer): an MLP epoch is dominated by OpenBLAS
 * sgemm, then DL4J's Adam op; fake quantization costs about a tenth of the gemm time (no allocation per
 * iteration, branch-free loops). The CNN is slow on the default CPU build: without oneDNN, DL4J's convolution
 * runs im2col into a permuted buffer; the {@code nd4j-native} {@code linux-x86_64-onednn} build would be the
 * fix (not tried here).
 */
package org.bitsearch.trainers.dl4j;
