-- bitsearch schema, version 4: bit-widths a trainer learns (CPQ's DropBits regulariser, trainer.quantizer: cpq with
-- cpq.learnBits). Each report keeps the per-layer bits the trainer evaluated that epoch with; the trial keeps its
-- proposal in bits (what its trainer and checkpoints are built from) and its learned allocation in learned_bits, and
-- size_bits is then the learned allocation's size (the size the Pareto front uses). NULL: nothing learned.

ALTER TABLE report ADD COLUMN learned_bits JSON;
ALTER TABLE trial ADD COLUMN learned_bits JSON;
