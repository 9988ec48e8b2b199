-- bitsearch schema, version 3: the activation bit allocation of a trial (space.activationBits), beside its weight
-- bits. NULL means the trial's activations stay FP32 (every trial of a search without activationBits, and every
-- trial written before version 3).

ALTER TABLE trial ADD COLUMN activation_bits JSON;   -- [bits of layer 0's output, ...] or NULL
