package org.bitsearch.bench;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TrainingProfileTest {
    @Test
    void aSampleGoesToTheInnermostSpecificCategory() {
        assertEquals("matrix multiplications (gemm/mmul; the fast step's cblas_sgemm)", TrainingProfile.categorize(List.of(
                "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.execCustomOp2", "org.nd4j.linalg.cpu.nativecpu.ops.NativeOpExecutioner.exec",
                "org.nd4j.linalg.api.blas.impl.BaseLevel3.gemm", "org.deeplearning4j.nn.layers.BaseLayer.preOutput",
                "org.bitsearch.trainers.dl4j.Dl4jTrainingRun.step")));
        assertEquals("minibatch gather (Nd4j.pullRows)", TrainingProfile.categorize(List.of(
                "org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.pullRows", "org.bitsearch.trainers.dl4j.Dl4jTrainingRun.step")));
    }

    @Test
    void evaluationAnywhereWinsAndUnknownStacksAreOther() {
        assertEquals("validation pass (evaluation after the epoch)", TrainingProfile.categorize(List.of(
                "org.nd4j.linalg.api.blas.impl.BaseLevel3.gemm", "org.bitsearch.trainers.dl4j.Dl4jTrainingRun.evaluate")));
        assertEquals("other ND4J ops and DL4J bookkeeping", TrainingProfile.categorize(List.of(
                "org.nd4j.linalg.api.buffer.BaseDataBuffer.put", "org.bitsearch.trainers.dl4j.Dl4jTrainingRun.step")));
        assertEquals("other (JVM, JIT, GC, I/O)", TrainingProfile.categorize(List.of("java.util.HashMap.getNode")));
    }
}
