-- bitsearch schema, version 5: an epoch report also records the validation accuracy of the current model, as
-- trained so far (under a progressive schedule the layers it has not reached yet are in full precision), beside
-- val_accuracy, the target (fully quantized) model's. NULL in reports recorded before this version: read as
-- val_accuracy (the two are equal when every layer trains quantized).

ALTER TABLE report ADD COLUMN current_accuracy DOUBLE PRECISION;
