-- Fan-out batches that finished, by job id, written in the same
-- transaction as their results. The job queue records completions a
-- moment later and apart; a process killed in between would otherwise
-- run a finished batch again and deliver it twice.

CREATE TABLE fanouts_done (
    job_id  BIGINT PRIMARY KEY,
    done_at TIMESTAMPTZ NOT NULL
);

--bun:split

CREATE INDEX fanouts_done_at_idx ON fanouts_done (done_at);
