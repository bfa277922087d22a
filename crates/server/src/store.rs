//! Storage behind a trait: the public log (one row per line, keyed by its
//! sequence number, so two writers can never both append entry N: the log
//! cannot fork) and the parties' token hashes. SQLite (embedded, WAL mode,
//! full sync: a write is acknowledged only once durable) is the default.

use rusqlite::{params, Connection, OptionalExtension};
use std::path::Path;
use std::sync::Mutex;

/// Why the store refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Another writer appended entry `seq` first.
    #[error("log entry {0} was appended by another writer; reload and retry")]
    Conflict(u64),
    /// The database cannot be written (a read-only file or folder).
    #[error("the database refuses writes: {0}")]
    ReadOnly(String),
    /// The database failed.
    #[error("storage: {0}")]
    Db(String),
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}

/// What the server keeps.
pub trait Store: Send + Sync {
    /// Appends log line `seq`, durably; fails with `Conflict` if it exists.
    fn append(&self, seq: u64, line: &str) -> Result<(), StoreError>;
    /// Every log line, in order.
    fn lines(&self) -> Result<Vec<String>, StoreError>;
    /// Number of log lines (cheap: lets readers reuse what they verified).
    fn len(&self) -> Result<u64, StoreError>;
    /// The SHA-256 (hex) of a party's token, if it has one.
    fn token_hash(&self, party: &str) -> Result<Option<String>, StoreError>;
    /// Sets a party's token hash.
    fn set_token_hash(&self, party: &str, sha256_hex: &str) -> Result<(), StoreError>;
    /// Writes a convoy's private record (`crate::convoys`: parties only;
    /// never a position), durably.
    fn convoy_put(&self, id: &str, doc: &str) -> Result<(), StoreError>;
    /// Every convoy's private record: (id, JSON).
    fn convoy_all(&self) -> Result<Vec<(String, String)>, StoreError>;
}

/// The convoys' private records: created on open, outside the numbered
/// migrations (a table of its own, made the same way on both databases).
pub const CONVOY_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS convoys (id TEXT PRIMARY KEY, doc TEXT NOT NULL);";

/// SQLite store.
pub struct Sqlite {
    conn: Mutex<Connection>,
}

/// The SQLite schema, one migration per version (`PRAGMA user_version`).
pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE log (seq INTEGER PRIMARY KEY, line TEXT NOT NULL);
     CREATE TABLE tokens (party TEXT PRIMARY KEY, sha256 TEXT NOT NULL);",
];

impl Sqlite {
    /// Opens (creating if needed) the database at `path` and migrates it.
    /// A database that cannot be written is refused here, at start, not
    /// at the first write.
    pub fn open(path: &Path) -> Result<Sqlite, StoreError> {
        let conn = Connection::open(path)?;
        let s = Sqlite::init(conn).map_err(|e| match e {
            StoreError::Db(m) if m.contains("readonly") || m.contains("read-only") => {
                StoreError::ReadOnly(m)
            }
            other => other,
        })?;
        // A write that is rolled back: refused by a read-only file, folder
        // or connection, and it changes nothing.
        {
            let c = s.conn();
            let v: i64 = c.pragma_query_value(None, "user_version", |r| r.get(0))?;
            let probe = c.execute_batch(&format!("BEGIN IMMEDIATE; PRAGMA user_version = {v};"));
            let _ = c.execute_batch("ROLLBACK;");
            probe.map_err(|e| StoreError::ReadOnly(e.to_string()))?;
        }
        Ok(s)
    }

    /// An in-memory database (tests).
    pub fn memory() -> Result<Sqlite, StoreError> {
        Sqlite::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Sqlite, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        let version: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version as usize) {
            conn.execute_batch(&format!(
                "BEGIN; {m} PRAGMA user_version = {}; COMMIT;",
                i + 1
            ))?;
        }
        conn.execute_batch(CONVOY_TABLE)?;
        Ok(Sqlite {
            conn: Mutex::new(conn),
        })
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Store for Sqlite {
    fn append(&self, seq: u64, line: &str) -> Result<(), StoreError> {
        let c = self.conn();
        match c.execute(
            "INSERT INTO log (seq, line) VALUES (?1, ?2)",
            params![seq as i64, line],
        ) {
            Ok(_) => Ok(()),
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::ConstraintViolation =>
            {
                Err(StoreError::Conflict(seq))
            }
            Err(e) => Err(e.into()),
        }
    }

    fn lines(&self) -> Result<Vec<String>, StoreError> {
        let c = self.conn();
        let mut st = c.prepare("SELECT line FROM log ORDER BY seq")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    fn len(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM log", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    fn token_hash(&self, party: &str) -> Result<Option<String>, StoreError> {
        let c = self.conn();
        Ok(
            c.query_row("SELECT sha256 FROM tokens WHERE party = ?1", [party], |r| {
                r.get(0)
            })
            .optional()?,
        )
    }

    fn set_token_hash(&self, party: &str, sha256_hex: &str) -> Result<(), StoreError> {
        let c = self.conn();
        c.execute(
            "INSERT INTO tokens (party, sha256) VALUES (?1, ?2) ON CONFLICT(party) DO UPDATE SET sha256 = excluded.sha256",
            params![party, sha256_hex],
        )?;
        Ok(())
    }

    fn convoy_put(&self, id: &str, doc: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO convoys (id, doc) VALUES (?1, ?2) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc",
            params![id, doc],
        )?;
        Ok(())
    }

    fn convoy_all(&self) -> Result<Vec<(String, String)>, StoreError> {
        let c = self.conn();
        let mut st = c.prepare("SELECT id, doc FROM convoys ORDER BY id")?;
        let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

/// The PostgreSQL schema, one migration per version (as [`MIGRATIONS`] for
/// SQLite). Version 1 is the schema every earlier server created (its
/// statements are idempotent, so a database made before migrations were
/// versioned is taken up as version 1).
pub const PG_MIGRATIONS: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS log (seq BIGINT PRIMARY KEY, line TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS tokens (party TEXT PRIMARY KEY, sha256 TEXT NOT NULL);",
];

/// PostgreSQL store, for a shared deployment: several `serve` processes on
/// one database keep one linear log (the primary key on the entry number
/// refuses a second entry N) and see each other's writes. Each write is a
/// committed transaction before it is acknowledged.
pub struct Postgres {
    client: Mutex<postgres::Client>,
}

impl Postgres {
    /// Connects (e.g. `postgres://user:pass@127.0.0.1/db`) and migrates:
    /// the migrations in [`PG_MIGRATIONS`] not yet applied, in order, each
    /// in one transaction with the version it brings, under an advisory
    /// lock so that two servers starting together migrate once.
    pub fn connect(url: &str) -> Result<Postgres, StoreError> {
        let mut client = postgres::Client::connect(url, postgres::NoTls).map_err(pg)?;
        let mut tx = client.transaction().map_err(pg)?;
        tx.batch_execute(
            "SELECT pg_advisory_xact_lock(7010420);
             CREATE TABLE IF NOT EXISTS corridor_schema (version INTEGER NOT NULL);",
        )
        .map_err(pg)?;
        let version: i32 = tx
            .query_opt("SELECT max(version) FROM corridor_schema", &[])
            .map_err(pg)?
            .and_then(|r| r.get::<_, Option<i32>>(0))
            .unwrap_or(0);
        for (i, m) in PG_MIGRATIONS
            .iter()
            .enumerate()
            .skip(version.max(0) as usize)
        {
            tx.batch_execute(m).map_err(pg)?;
            tx.execute(
                "INSERT INTO corridor_schema (version) VALUES ($1)",
                &[&(i as i32 + 1)],
            )
            .map_err(pg)?;
        }
        tx.batch_execute(CONVOY_TABLE).map_err(pg)?;
        tx.commit().map_err(pg)?;
        Ok(Postgres {
            client: Mutex::new(client),
        })
    }

    /// The schema version of the connected database.
    pub fn version(&self) -> Result<i32, StoreError> {
        Ok(self
            .client()
            .query_one("SELECT max(version) FROM corridor_schema", &[])
            .map_err(pg)?
            .get::<_, Option<i32>>(0)
            .unwrap_or(0))
    }

    fn client(&self) -> std::sync::MutexGuard<'_, postgres::Client> {
        self.client.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Empties the tables (tests on a shared test database).
    pub fn reset(&self) -> Result<(), StoreError> {
        self.client()
            .batch_execute("TRUNCATE log; TRUNCATE tokens; TRUNCATE convoys;")
            .map_err(pg)
    }
}

fn pg(e: postgres::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

impl Store for Postgres {
    fn append(&self, seq: u64, line: &str) -> Result<(), StoreError> {
        let r = self.client().execute(
            "INSERT INTO log (seq, line) VALUES ($1, $2)",
            &[&(seq as i64), &line],
        );
        match r {
            Ok(_) => Ok(()),
            Err(e) if e.code() == Some(&postgres::error::SqlState::UNIQUE_VIOLATION) => {
                Err(StoreError::Conflict(seq))
            }
            Err(e) => Err(pg(e)),
        }
    }

    fn lines(&self) -> Result<Vec<String>, StoreError> {
        Ok(self
            .client()
            .query("SELECT line FROM log ORDER BY seq", &[])
            .map_err(pg)?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn len(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .client()
            .query_one("SELECT COUNT(*) FROM log", &[])
            .map_err(pg)?
            .get(0);
        Ok(n as u64)
    }

    fn token_hash(&self, party: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .client()
            .query_opt("SELECT sha256 FROM tokens WHERE party = $1", &[&party])
            .map_err(pg)?
            .map(|r| r.get(0)))
    }

    fn set_token_hash(&self, party: &str, sha256_hex: &str) -> Result<(), StoreError> {
        self.client()
            .execute(
                "INSERT INTO tokens (party, sha256) VALUES ($1, $2) ON CONFLICT (party) DO UPDATE SET sha256 = excluded.sha256",
                &[&party, &sha256_hex],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn convoy_put(&self, id: &str, doc: &str) -> Result<(), StoreError> {
        self.client()
            .execute(
                "INSERT INTO convoys (id, doc) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                &[&id, &doc],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn convoy_all(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self
            .client()
            .query("SELECT id, doc FROM convoys ORDER BY id", &[])
            .map_err(pg)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 12, item 8: a database that cannot be written is refused when
    /// it is opened, not at the first write.
    #[test]
    fn a_read_only_database_is_refused_at_open() {
        let dir = std::env::temp_dir().join(format!("corridor-ro-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let db = dir.join("corridor.sqlite");
        Sqlite::open(&db).unwrap().append(0, "x").unwrap();
        let ro = format!("file:{}?mode=ro", db.display());
        match Sqlite::open(Path::new(&ro)) {
            Err(StoreError::ReadOnly(_)) => {}
            Err(other) => panic!("refused, but not as read-only: {other}"),
            Ok(_) => panic!("a read-only database was accepted"),
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
