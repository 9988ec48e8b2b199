package org.bitsearch.trainers.process;

/**
 * What a trainer program may print on stdout, one JSON object per line (README.md, "The process trainer protocol").
 * Parsed strictly by {@link ProtocolParser}: every field has its type and range, checked in the compact
 * constructors.
 */
sealed interface ProtocolMessage {
    /**
     * {@code {"type":"epoch","epoch":2,"valAccuracy":0.83,"valLoss":0.47,"trainLoss":0.41,"checkpoint":"epoch-2.pt"}}:
     * epoch {@code epoch} is trained, evaluated on the validation split and checkpointed. A loss or accuracy that is
     * null, NaN or infinite marks a diverged epoch.
     *
     * @param checkpoint       the checkpoint file, relative to {@code checkpointDir} or absolute
     * @param samplesPerSecond optional training throughput (0 when absent)
     * @param currentAccuracy  optional: the current (partially quantized) model's validation accuracy under a
     *                         progressive schedule; {@code valAccuracy} when absent
     */
    record Epoch(int epoch, double valAccuracy, double valLoss, double trainLoss, String checkpoint,
                 double samplesPerSecond, double currentAccuracy) implements ProtocolMessage {
        /** An epoch without a separate current accuracy. */
        Epoch(int epoch, double valAccuracy, double valLoss, double trainLoss, String checkpoint, double samplesPerSecond) {
            this(epoch, valAccuracy, valLoss, trainLoss, checkpoint, samplesPerSecond, valAccuracy);
        }

        public Epoch {
            if (epoch < 1) throw new IllegalArgumentException("epoch is " + epoch + ", but must be >= 1");
            if (!Double.isNaN(valAccuracy) && !(valAccuracy >= 0 && valAccuracy <= 1))
                throw new IllegalArgumentException("valAccuracy is " + valAccuracy + ", but must be in [0, 1]");
            if (checkpoint == null || checkpoint.isBlank())
                throw new IllegalArgumentException("checkpoint is missing, but every epoch report must name its checkpoint file");
            if (!(samplesPerSecond >= 0) || Double.isInfinite(samplesPerSecond))
                throw new IllegalArgumentException("samplesPerSecond is " + samplesPerSecond + ", but must be a number >= 0");
            if (!Double.isNaN(currentAccuracy) && !(currentAccuracy >= 0 && currentAccuracy <= 1))
                throw new IllegalArgumentException("currentAccuracy is " + currentAccuracy + ", but must be in [0, 1]");
        }
    }

    /** {@code {"type":"test","testAccuracy":0.84}}: the answer to task {@code test}. */
    record Test(double testAccuracy) implements ProtocolMessage {
        public Test {
            if (!(testAccuracy >= 0 && testAccuracy <= 1))
                throw new IllegalArgumentException("testAccuracy is " + testAccuracy + ", but must be in [0, 1]");
        }
    }

    /** {@code {"type":"exported"}}: the answer to task {@code export}; the model is at {@code exportPath}. */
    record Exported() implements ProtocolMessage {}
}
