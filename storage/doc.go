// Package storage is Kith's persistence layer: opening the database (SQLite
// by default, PostgreSQL by DSN), the models, and one file per aggregate with
// the queries that touch it.
//
// Conventions: every function takes ctx first and a bun.IDB, so it runs the
// same inside or outside a transaction (RunInTx); "not found" is ErrNotFound,
// never (nil, nil); storage knows nothing about ActivityPub.
package storage
