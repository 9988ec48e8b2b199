-- bitsearch schema, version 2: a trial whose attempt was cancelled by a stop, the wall-clock limit or a shutdown is
-- INTERRUPTED (unfinished, resumed from its last checkpoint exactly like RUNNING), so that a STOPPED search shows no
-- RUNNING trials. A trial left RUNNING means the process died (SIGKILL, crash).

ALTER TABLE trial DROP CONSTRAINT trial_state_valid;
ALTER TABLE trial ADD CONSTRAINT trial_state_valid
    CHECK (state IN ('PENDING', 'RUNNING', 'INTERRUPTED', 'COMPLETED', 'PRUNED', 'FAILED'));
ALTER TABLE trial DROP CONSTRAINT trial_finished_at_valid;
ALTER TABLE trial ADD CONSTRAINT trial_finished_at_valid
    CHECK ((finished_at IS NULL) = (state IN ('PENDING', 'RUNNING', 'INTERRUPTED')));
