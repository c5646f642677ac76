// Package tune is what Kith adds to the database drivers and to its write
// path for speed, each part kept because it was measured to pay (the inbox
// and fan-out scenarios of cmd/kith-load, 2 cores; numbers and method in
// docs/performance.md). Nothing here changes what a query returns.
//
//   - Statement cache (SQLite, stmtcache.go): the pure-Go driver compiles
//     every statement it runs; the cache keeps, per connection, the
//     compiled form of texts that come with arguments (the job queue's)
//     and of SELECTs seen before. Compiling River's insert had been half of
//     inserting a job; keeping repeated SELECTs cut SQL compilation from
//     3.24 to 1.91 s of CPU in a 17 s inbox profile.
//   - Literal binder (SQLite, bind.go): bun writes values into the text, so
//     no INSERT or UPDATE repeats; binding the literals as arguments gives
//     statements of one shape one text, which the cache then reuses. SQL
//     compiling fell from 1.86 to 0.45 s per profile (binding itself 0.32 s);
//     inbox processed 1,474/1,468/1,394 → 1,620/1,655/1,722 per second.
//   - Group commit (GroupCommit, on SQLite only): callers that arrive while
//     a write transaction runs share the next one, each under a savepoint,
//     so the one writer connection is not handed from goroutine to
//     goroutine; the inbox processed 873 and 883 → 1,023 and 939 per
//     second (two runs each). The batching itself is storage/batch's.
//   - Simple protocol on first sight (PostgreSQL, postgres.go): pgx would
//     prepare every new text as a named statement; running an
//     argument-less text with the simple protocol until it repeats took
//     the PostgreSQL inbox from 989 to 1,353 accepted and 330 to 467
//     processed per second.
//
// The read pool (storage.OpenReadPool: read-only SQLite connections beside
// the one writer, one per core) and the WAL checkpoints beside the writer
// (storage.Checkpoint) stay in storage, where the database is opened; their
// connections go through the statement cache too.
//
// To measure whether the binder and the cache still pay, KITH_SQLITE_TUNING
// (EnvTuning) switches them off for one run; it is read once, when the
// database is opened. Measured again on 2026-12-07 (docs/performance.md,
// "Not slower, once more"): without the binder the inbox processed 22–28 %
// less and a follow cost 32–55 % more of the node's CPU; without the cache
// too, 40 % less and 74 % more. Both stay.
package tune
