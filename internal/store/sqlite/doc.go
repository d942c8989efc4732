// Package sqlite is the store.Backend of a single-node Roost: metadata in
// one SQLite database (DIR/roost.db, through the pure-Go modernc.org/sqlite)
// and message bytes as content-addressed files (DIR/blobs, package blob).
//
// # Durability
//
// The database runs in WAL mode with synchronous=FULL: a commit returns
// after the WAL is fsynced, so a method that returned nil survives kill -9
// and power loss. A message's blob is written at Stage and fsynced in the
// background on the descriptor that wrote it (blob/pending.go); Append
// waits for that fsync, renames the file into place and fsyncs its
// directory (blob/dirsync.go) before it takes the write lock, and the
// transaction that first refers to the file checks it is still there (an
// expunge of the last message with the same bytes may have removed it
// meanwhile: within the process placed blobs are pinned until their
// write is done, and a removal by another process makes the APPEND place
// its kept bytes again and retry, pins.go). A placed file whose write fails is removed if nothing refers
// to it. When the last
// reference goes, the content row is deleted in the same transaction and
// the file after the commit. A crash in between leaves only unreferenced
// files, which the GC at Open removes (files younger than an hour are left
// alone: they may belong to another process's transaction in flight).
// TestCrashRecovery SIGKILLs a writer at random moments and checks that
// every acknowledged operation survived and none is half done.
//
// # Concurrency
//
// All writes in a process go through one connection under a mutex, in
// BEGIN IMMEDIATE transactions. Writers that arrive while one commits are
// run together in the next transaction, each in its own SAVEPOINT, so that
// one fsync of the WAL serves them all and one writer's error undoes only
// its own work (group commit, write.go). Changes are published to the Hub
// after commit while the mutex is still held, so watchers see them in
// MODSEQ order. Reads use a pool of connections; WAL lets them run during writes,
// and Select/Status/Messages each read one consistent snapshot. Other
// processes (the CLI) may open the same directory: SQLite's file locks and
// busy_timeout serialise them, migrations are versioned (PRAGMA
// user_version) and applied under the write lock, and a blob is removed
// only after re-checking, under the database write lock, that no content
// row refers to it.
//
// # Why SQLite plus files, by measurement
//
// Measured with bench_test.go on the 2-core development VM (ext4 on a
// virtual disk), go test -bench . -benchtime 2s:
//
//	BenchmarkAppend (durable Stage+Append, this package):
//	  WAL, 4 KiB message              2.3 ms/op
//	  WAL, 1 MiB message             12.7 ms/op   83 MB/s
//	  rollback journal, 4 KiB         6.0 ms/op
//	  rollback journal, 1 MiB        17.1 ms/op
//	BenchmarkAppendBodyInDB (alternative: body as a BLOB, one durable
//	INSERT per message, no parsing, no files):
//	  WAL, 4 KiB                      0.42 ms/op
//	  WAL, 1 MiB                      8.0 ms/op
//	  rollback journal, 4 KiB         3.4 ms/op
//	  rollback journal, 1 MiB        14.2 ms/op
//	BenchmarkPartialRead50MB (64 KiB from the middle of a 50 MB message):
//	  blob file, open+ReadAt+close    0.017 ms/op
//	  SQLite BLOB, substr()          24 ms/op     (materialises the value)
//	BenchmarkMessagesFlags100k (100,000 messages):
//	  Messages(all UIDs), no parse data  150-260 ms/op
//	  Select (UIDs, counts)               91 ms/op
//	  Status (SQL aggregates)             78 ms/op
//
// WAL beats the rollback journal by 2.6x on small appends (one fsync of
// the WAL instead of journal + database + directory) and lets readers run
// during writes. Bodies as SQLite BLOBs would append small messages about
// 5x faster (one fsync instead of three: file, directory, WAL), but a
// partial FETCH of a large message would cost 1400x more, since
// database/sql can only read a whole value, and every large message would
// pass through the WAL twice. Files keep the database small (about 300
// bytes per message plus parse results), make partial reads proportional
// to what is read, and let identical messages share one file. 2.3 ms per
// durable APPEND is well within what an IMAP client notices.
//
// Per-message metadata lives in a WITHOUT ROWID table clustered by
// (mailbox, UID): flags are a bitmask plus a keyword string, so loading the
// UID, flags, size and dates of 100,000 messages is one range scan. Parse
// results sit in a separate table read only when FetchOptions ask.
//
// Parse results carry the version of the parser that made them
// (ParserVersion, reparse.go); those of an older one are made again from
// the message files in the background after the server starts, about
// 2,500-3,200 messages a second on the shared corpus (two cores): a store
// of 1,000,000 messages takes some 5-7 minutes, which is why it does not
// run inside Open.
package sqlite
