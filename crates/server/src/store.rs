//! Storage behind a trait: the public log (one row per line, keyed by its
//! sequence number, so two writers can never both append entry N: the log
//! cannot fork), the parties' token hashes, and the delivery outbox (the
//! subscribers, the alerts already queued, one row per subscriber and
//! alert). SQLite (embedded, WAL mode, full sync: a write is acknowledged
//! only once durable) is the default.
//!
//! The outbox, in both stores: `subscribers` (id, URL, secret), `outbox_alerts`
//! (the identifier of every alert already queued: an alert is queued once,
//! for the subscribers registered at that moment), and `outbox`, one row
//! per (subscriber, alert identifier) — the primary key, so queuing twice
//! changes nothing — with the exact body, attempts, the time of the next
//! attempt, the last error and the time of the acknowledgement. Times are
//! Unix milliseconds (UTC by definition).

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
    /// A request the store's rules refuse (a subscriber URL already
    /// registered, too many subscribers).
    #[error("{0}")]
    Refused(String),
}

/// A subscriber as the mediator sees it: never its secret.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SubscriberInfo {
    /// Its id.
    pub id: i64,
    /// Where alerts are POSTed.
    pub url: String,
    /// When it was registered (Unix ms).
    pub created_ms: i64,
    /// Alerts queued for it and not yet acknowledged.
    pub pending: u64,
    /// Alerts it acknowledged.
    pub delivered: u64,
    /// Alerts given up undelivered: the oldest of a backlog beyond the
    /// bound (`--delivery-max-pending`), so that a subscriber that is gone
    /// costs the server a bounded number of rows. Each is still in the
    /// public feeds.
    pub dropped: u64,
    /// The last failure of an alert still pending, if any.
    pub last_error: Option<String>,
    /// When the alert it gets next (its oldest pending one: alerts go out
    /// in order) is due (Unix ms); while it is being sent, when that
    /// attempt's lease ends.
    pub next_attempt_ms: Option<i64>,
    /// The lease of the attempt that sent its next alert, if one did
    /// (Unix ms): later than now while that attempt is under way.
    pub leased_until_ms: Option<i64>,
}

/// One delivery claimed for sending (leased: no other claim takes it
/// until the lease ends or it is settled).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    /// The subscriber's id.
    pub subscriber: i64,
    /// Its URL.
    pub url: String,
    /// Its secret (for the signature).
    pub secret: String,
    /// The alert's identifier.
    pub identifier: String,
    /// The alert's exact bytes, as published.
    pub body: String,
    /// Attempts so far, this one included.
    pub attempts: u32,
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        StoreError::Db(e.to_string())
    }
}

/// What the server keeps.
// `len` is fallible and only ever compared with what a reader has already
// verified; an `is_empty` would be one more query nobody makes.
#[allow(clippy::len_without_is_empty)]
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

    /// Registers a subscriber, unless its URL is registered already or
    /// `max` are; returns its id.
    fn add_subscriber(
        &self,
        url: &str,
        secret: &str,
        now_ms: i64,
        max: usize,
    ) -> Result<i64, StoreError>;
    /// Removes a subscriber and its pending deliveries; whether it existed.
    fn remove_subscriber(&self, id: i64) -> Result<bool, StoreError>;
    /// Every subscriber with its delivery counts, by id.
    fn subscribers(&self) -> Result<Vec<SubscriberInfo>, StoreError>;
    /// Queues each alert `(identifier, body)` not queued before for every
    /// subscriber registered now, due at once; in one transaction.
    /// Idempotent: returns the rows created. When it creates any, every
    /// row waiting out a failure's backoff is due again at once, or
    /// `retry_gap_ms` after its last attempt if that is later (so a burst
    /// of alerts retries a failing subscriber at most once a gap), but never
    /// a leased one: [`PULL_BACKOFF_SQLITE`].
    fn enqueue(
        &self,
        alerts: &[(String, String)],
        now_ms: i64,
        retry_gap_ms: i64,
    ) -> Result<usize, StoreError>;
    /// Claims at most `limit` deliveries due at `now_ms`: for each
    /// subscriber not in `busy` (those this server is sending to: a slow
    /// subscriber takes one slot, never all) its oldest undelivered alert,
    /// if due, so that alerts arrive in the order they were published;
    /// the longest due first: each counts one more attempt and is leased
    /// (not due again) until `now_ms + lease_ms`. Two servers on one
    /// database never claim the same row at once.
    fn claim(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
        busy: &[i64],
    ) -> Result<Vec<Due>, StoreError>;
    /// Records an acknowledgement: the row is never due again.
    fn delivered(&self, subscriber: i64, identifier: &str, now_ms: i64) -> Result<(), StoreError>;
    /// Records a failure of the claim that made attempt `attempt` (the
    /// claim's [`Due::attempts`]) and when to try again: at `next_ms`, or
    /// `retry_gap_ms` from now if that is sooner and a new alert was queued
    /// while the attempt was being made (it could not pull a leased row
    /// forward, and marked it instead: [`MARK_LEASED_SQLITE`]). A
    /// report from an older claim (its lease ran out and the row was
    /// claimed again, maybe by another server, which is sending it now)
    /// changes nothing.
    #[allow(clippy::too_many_arguments)]
    fn failed(
        &self,
        subscriber: i64,
        identifier: &str,
        attempt: u32,
        error: &str,
        now_ms: i64,
        next_ms: i64,
        retry_gap_ms: i64,
    ) -> Result<(), StoreError>;
    /// The earliest time a pending delivery is due (Unix ms), if any.
    fn next_due(&self) -> Result<Option<i64>, StoreError>;
    /// Gives up each subscriber's oldest undelivered alerts beyond its
    /// newest `max_pending` (at least one kept), never one being sent (leased at `now_ms`),
    /// and counts them in its [`SubscriberInfo::dropped`]; returns how many.
    fn trim(&self, max_pending: usize, now_ms: i64) -> Result<u64, StoreError>;
}

/// Combines the per-subscriber rows of the status query: `subs` (id, URL,
/// registration, dropped, delivered), `pending` (id, count) and `heads`,
/// each subscriber's oldest undelivered alert: the one sent next, when,
/// and how its last attempt failed (a failed alert stays the head until it
/// is acknowledged, so its error is the subscriber's latest).
fn subscriber_infos(
    subs: Vec<(i64, String, i64, i64, i64)>,
    pending: Vec<(i64, i64)>,
    heads: Vec<Head>,
) -> Vec<SubscriberInfo> {
    subs.into_iter()
        .map(|(id, url, created_ms, dropped, delivered)| {
            let c = pending.iter().find(|c| c.0 == id);
            let head = heads.iter().find(|h| h.subscriber == id);
            SubscriberInfo {
                id,
                url,
                created_ms,
                pending: c.map_or(0, |c| c.1.max(0) as u64),
                delivered: delivered.max(0) as u64,
                dropped: dropped.max(0) as u64,
                next_attempt_ms: head.map(|h| h.next_attempt_ms),
                leased_until_ms: head.and_then(|h| h.leased_until_ms),
                last_error: head.and_then(|h| h.last_error.clone()),
            }
        })
        .collect()
}

/// A subscriber's oldest undelivered alert (by the log entry that made it:
/// [`alert_seq`]), the only one of its rows that may be sent ([`pick`]).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Head {
    subscriber: i64,
    identifier: String,
    next_attempt_ms: i64,
    last_error: Option<String>,
    leased_until_ms: Option<i64>,
}

/// Each subscriber's [`Head`], found by the database: the index
/// `outbox_head` gives each subscriber's first undelivered row at once, so
/// the work is per subscriber, not per row waiting (a backlog of thousands
/// used to be read and sorted for every claim). `MATERIALIZED` keeps the
/// planner from folding the per-subscriber lookup into a scan of the whole
/// outbox, which SQLite otherwise does (20,000 rows waiting: 38 ms a call
/// against 0.3 ms).
const HEADS: &str = "WITH h AS MATERIALIZED (
       SELECT s.id AS sub,
              (SELECT p.identifier FROM outbox p
               WHERE p.subscriber = s.id AND p.delivered_ms IS NULL
               ORDER BY p.seq, p.identifier LIMIT 1) AS head
       FROM subscribers s)
     SELECT o.subscriber, o.identifier, o.next_attempt_ms, o.last_error, o.leased_until_ms
     FROM h JOIN outbox o ON o.subscriber = h.sub AND o.identifier = h.head";

/// The order of an alert among a subscriber's: the number of the log entry
/// that made it, its identifier's last dot-separated part (or the whole
/// identifier if it has no dot) when that is 1 to 18 digits; after every
/// such alert otherwise. Migration 5 computes the same in SQL for the rows
/// already queued (`seq_sql_sqlite!`, `seq_sql_pg!`).
pub fn alert_seq(identifier: &str) -> i64 {
    let tail = identifier.rsplit('.').next().unwrap_or(identifier);
    if (1..=18).contains(&tail.len()) && tail.bytes().all(|b| b.is_ascii_digit()) {
        tail.parse().unwrap_or(i64::MAX)
    } else {
        i64::MAX
    }
}

/// [`alert_seq`] of the column `identifier`, in SQLite: the text after the
/// last dot is what `rtrim` leaves out when told to strip every character
/// but the dot.
macro_rules! seq_sql_sqlite {
    () => {
        "(SELECT CASE WHEN length(t) BETWEEN 1 AND 18 AND t NOT GLOB '*[^0-9]*'
                      THEN CAST(t AS INTEGER) ELSE 9223372036854775807 END
          FROM (SELECT substr(identifier,
                              length(rtrim(identifier, replace(identifier, '.', ''))) + 1) AS t))"
    };
}
/// [`alert_seq`] of the column `identifier`, in PostgreSQL.
macro_rules! seq_sql_pg {
    () => {
        "COALESCE(substring(identifier from '(?:^|[.])([0-9]{1,18})$')::BIGINT,
                  9223372036854775807)"
    };
}

// The trim's statements, one text for both stores: SQLite takes `$N`
// parameters too, bound by position as they first appear.

/// How many alerts wait for subscriber `$1`: counted from the index
/// `outbox_head` alone.
const TRIM_COUNT: &str =
    "SELECT COUNT(*) FROM outbox WHERE subscriber = $1 AND delivered_ms IS NULL";
/// Subscriber `$1`'s oldest `$2` undelivered alerts, along the index
/// `outbox_head`: the ones [`Store::trim`] gives up, but for one being sent.
/// (A row filter here instead, `(seq, identifier) < cut`, made
/// PostgreSQL's planner walk all the subscriber's rows.)
const TRIM_ROWS: &str = "SELECT identifier FROM outbox
     WHERE subscriber = $1 AND delivered_ms IS NULL ORDER BY seq, identifier LIMIT $2";
/// Deletes one row of [`TRIM_ROWS`] unless it is being sent at `$3`. On
/// PostgreSQL the rows are deleted one by one in (subscriber, identifier)
/// order, the order every other statement locks rows in (so a trim never
/// deadlocks with an enqueue on another server), each checked again under
/// its lock (one claimed or delivered meanwhile stays).
const TRIM_ROW: &str = "DELETE FROM outbox
     WHERE subscriber = $1 AND identifier = $2 AND delivered_ms IS NULL
       AND (leased_until_ms IS NULL OR leased_until_ms <= $3)";

/// The rows to claim among the subscribers' [`Head`]s: the due ones,
/// none of `busy`, the longest due first, at most `limit`.
///
/// Alerts reach each subscriber in the order they were published: only a
/// subscriber's oldest undelivered alert may be sent, and only when it is
/// due; the next waits until it is acknowledged. A "suspended" that arrives
/// after the "open again" would tell residents the opposite of the truth.
fn pick(heads: Vec<Head>, now_ms: i64, limit: usize, busy: &[i64]) -> Vec<(i64, String)> {
    let mut due: Vec<Head> = heads
        .into_iter()
        .filter(|h| h.next_attempt_ms <= now_ms && !busy.contains(&h.subscriber))
        .collect();
    due.sort_by_key(|h| h.next_attempt_ms);
    due.into_iter()
        .take(limit)
        .map(|h| (h.subscriber, h.identifier))
        .collect()
}

/// When the next row that may be sent is due (a row behind an unsent
/// older one is not: waking for it would only spin).
fn next_head_due(heads: Vec<Head>) -> Option<i64> {
    heads.into_iter().map(|h| h.next_attempt_ms).min()
}

/// A new alert is a reason to try every subscriber again now: the rows
/// waiting out a failure's backoff become due at once (a subscriber that
/// has recovered gets the new alert, and the ones before it, without
/// waiting up to an hour). A row under a lease (being sent) keeps it, so
/// no row is ever sent twice at once.
/// `?1` is now, `?2` the least gap after a row's last attempt. The plain
/// `next_attempt_ms > ?1` (implied by the test after it) lets the index
/// `outbox_due` skip the rows already due, most of a backlog.
const PULL_BACKOFF_SQLITE: &str = "UPDATE outbox
     SET next_attempt_ms = MAX(?1, COALESCE(last_attempt_ms, 0) + ?2)
     WHERE delivered_ms IS NULL AND next_attempt_ms > ?1
       AND next_attempt_ms > MAX(?1, COALESCE(last_attempt_ms, 0) + ?2)
       AND (leased_until_ms IS NULL OR leased_until_ms <= ?1)";
/// [`PULL_BACKOFF_SQLITE`] and [`MARK_LEASED_SQLITE`] in one statement
/// for PostgreSQL, so that all the rows either touches (those not due:
/// backoffs and leases) are locked at once, in the order a claim and a
/// trim lock rows: (subscriber, identifier) with the identifier in byte
/// order, as Rust sorts it (`COLLATE "C"`: under a database's language
/// collation the two orders differ, and a trim deadlocked; review). As two statements, each ordered, the
/// pair was not: with the two servers' clocks a moment apart, an enqueue
/// and a claim deadlocked (review). A row claimed meanwhile is read again
/// after the wait (its lease then keeps it from being pulled, and marks it).
const PULL_AND_MARK_PG: &str = "UPDATE outbox o
     SET pull_pending = CASE WHEN o.leased_until_ms > $1 THEN TRUE ELSE o.pull_pending END,
         next_attempt_ms = CASE
           WHEN (o.leased_until_ms IS NULL OR o.leased_until_ms <= $1)
                AND o.next_attempt_ms > GREATEST($1, COALESCE(o.last_attempt_ms, 0) + $2)
           THEN GREATEST($1, COALESCE(o.last_attempt_ms, 0) + $2)
           ELSE o.next_attempt_ms END
     FROM (SELECT subscriber, identifier FROM outbox
           WHERE delivered_ms IS NULL AND next_attempt_ms > $1
           ORDER BY subscriber, identifier COLLATE \"C\"
           FOR UPDATE) k
     WHERE o.subscriber = k.subscriber AND o.identifier = k.identifier";
/// A row being sent when a new alert comes is marked instead: the failure
/// that ends that attempt then retries after the least gap, not after the
/// whole backoff (a flag, not a comparison of times, so two servers' clocks
/// and a same-millisecond alert cannot lose it; on PostgreSQL the row's
/// lock orders the mark and the failure's record). A claim sets a row's
/// next attempt to its lease's end and only a failure's record clears the
/// lease, so a leased row's `next_attempt_ms` is its `leased_until_ms`:
/// the test on it lets the index `outbox_due` find the leased rows.
const MARK_LEASED_SQLITE: &str = "UPDATE outbox SET pull_pending = 1
     WHERE delivered_ms IS NULL AND next_attempt_ms > ?1 AND leased_until_ms > ?1";
/// Longest gap a retry may be pulled to, ms (a day): keeps the sums in
/// range whatever `--delivery-backoff` says.
const MAX_RETRY_GAP_MS: i64 = 86_400_000;

/// Longest error text kept per row.
const MAX_ERROR: usize = 300;

fn clip(e: &str) -> String {
    e.chars().take(MAX_ERROR).collect()
}

/// The convoys' private records: created on open, outside the numbered
/// migrations (a table of its own, made the same way on both databases).
pub const CONVOY_TABLE: &str =
    "CREATE TABLE IF NOT EXISTS convoys (id TEXT PRIMARY KEY, doc TEXT NOT NULL);";

/// The subscriber's row, as the status shows it.
const SUBSCRIBER_ROWS: &str =
    "SELECT id, url, created_ms, dropped, delivered FROM subscribers ORDER BY id";
/// Each subscriber's count of undelivered alerts, from the index
/// `outbox_head` alone.
const PENDING_COUNTS: &str = "SELECT subscriber, COUNT(*) FROM outbox
     WHERE delivered_ms IS NULL GROUP BY subscriber";
/// Marks a row delivered (`?1` now, `?2` subscriber, `?3` identifier); the
/// trigger `outbox_delivered` (schema 7) counts it and empties its body.
const DELIVERED_SQLITE: &str = "UPDATE outbox SET delivered_ms = ?1, last_error = NULL
     WHERE subscriber = ?2 AND identifier = ?3 AND delivered_ms IS NULL";
/// [`DELIVERED_SQLITE`] for PostgreSQL.
const DELIVERED_PG: &str = "UPDATE outbox SET delivered_ms = $1, last_error = NULL
     WHERE subscriber = $2 AND identifier = $3 AND delivered_ms IS NULL";

/// [`HEADS`] on SQLite.
fn heads_sqlite(c: &Connection) -> Result<Vec<Head>, StoreError> {
    Ok(c.prepare_cached(HEADS)?
        .query_map([], |r| {
            Ok(Head {
                subscriber: r.get(0)?,
                identifier: r.get(1)?,
                next_attempt_ms: r.get(2)?,
                last_error: r.get(3)?,
                leased_until_ms: r.get(4)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?)
}

/// SQLite store.
pub struct Sqlite {
    conn: Mutex<Connection>,
}

/// The SQLite schema, one migration per version (`PRAGMA user_version`).
pub const MIGRATIONS: &[&str] = &[
    "CREATE TABLE log (seq INTEGER PRIMARY KEY, line TEXT NOT NULL);
     CREATE TABLE tokens (party TEXT PRIMARY KEY, sha256 TEXT NOT NULL);",
    // 2: the delivery outbox (issue 14).
    "CREATE TABLE subscribers (id INTEGER PRIMARY KEY AUTOINCREMENT, url TEXT NOT NULL UNIQUE,
                               secret TEXT NOT NULL, created_ms INTEGER NOT NULL);
     CREATE TABLE outbox_alerts (identifier TEXT PRIMARY KEY, queued_ms INTEGER NOT NULL);
     CREATE TABLE outbox (subscriber INTEGER NOT NULL, identifier TEXT NOT NULL, body TEXT NOT NULL,
                          attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms INTEGER NOT NULL,
                          last_attempt_ms INTEGER, last_error TEXT, delivered_ms INTEGER,
                          PRIMARY KEY (subscriber, identifier));
     CREATE INDEX outbox_due ON outbox (next_attempt_ms) WHERE delivered_ms IS NULL;",
    // 3: a claimed row's lease, apart from its backoff: a new alert pulls
    // a subscriber's backoff forward, never a lease. A row an older server
    // claimed or failed cannot be told apart: it is taken as leased until
    // its next attempt, as it was before (so a server of the old version
    // still sending it on the same database is never overtaken).
    "ALTER TABLE outbox ADD COLUMN leased_until_ms INTEGER;
     UPDATE outbox SET leased_until_ms = next_attempt_ms
      WHERE delivered_ms IS NULL AND attempts > 0;",
    // 4: a row being sent when a new alert comes is marked, so that the
    // failure ending that attempt retries soon (`MARK_LEASED_SQLITE`).
    "ALTER TABLE outbox ADD COLUMN pull_pending INTEGER NOT NULL DEFAULT 0;",
    // 5: each row's place in its subscriber's order ([`alert_seq`]),
    // indexed for the rows not yet delivered, so that a subscriber's next
    // alert is one index probe ([`HEADS`]); and the count of alerts given
    // up ([`Store::trim`]).
    concat!(
        "ALTER TABLE outbox ADD COLUMN seq INTEGER;
         UPDATE outbox SET seq = ",
        seq_sql_sqlite!(),
        ";
         CREATE INDEX outbox_head ON outbox (subscriber, seq, identifier) WHERE delivered_ms IS NULL;
         ALTER TABLE subscribers ADD COLUMN dropped INTEGER NOT NULL DEFAULT 0;"
    ),
    // 6: a trigger gives a row inserted without `seq` its place (a server
    // of schema 4 still running while another migrated: its rows must not
    // go first, as a NULL would on SQLite, nor be ordered as text, as on
    // PostgreSQL), and the rows it queued since get theirs; `delivered_ms`
    // in `outbox_head`, though always NULL there, makes the index covering
    // for SQLite's planner (a subscriber's pending rows counted from the
    // index alone); the count of alerts delivered kept with the
    // subscriber, so the status reads no delivered row; and the body of a
    // delivered row emptied (never sent again; the published file keeps
    // it).
    concat!(
        "CREATE TRIGGER outbox_seq AFTER INSERT ON outbox WHEN NEW.seq IS NULL BEGIN
           UPDATE outbox SET seq = ",
        seq_sql_sqlite!(),
        " WHERE subscriber = NEW.subscriber AND identifier = NEW.identifier;
         END;
         UPDATE outbox SET seq = ",
        seq_sql_sqlite!(),
        " WHERE seq IS NULL AND delivered_ms IS NULL;
         DROP INDEX outbox_head;
         CREATE INDEX outbox_head ON outbox (subscriber, seq, identifier, delivered_ms)
           WHERE delivered_ms IS NULL;
         ALTER TABLE subscribers ADD COLUMN delivered INTEGER NOT NULL DEFAULT 0;
         UPDATE subscribers SET delivered = (SELECT COUNT(*) FROM outbox
           WHERE outbox.subscriber = subscribers.id AND outbox.delivered_ms IS NOT NULL);
         UPDATE outbox SET body = '' WHERE delivered_ms IS NOT NULL;"
    ),
    // 7: an acknowledgement is counted, and its row's body let go, by a
    // trigger on the change of `delivered_ms`, whatever version of the
    // server records it (one of schema 4 during an upgrade acknowledged
    // without counting: review); the count is made again from the rows.
    "CREATE TRIGGER outbox_delivered AFTER UPDATE OF delivered_ms ON outbox
       WHEN OLD.delivered_ms IS NULL AND NEW.delivered_ms IS NOT NULL BEGIN
         UPDATE subscribers SET delivered = delivered + 1 WHERE id = NEW.subscriber;
         UPDATE outbox SET body = '' WHERE subscriber = NEW.subscriber AND identifier = NEW.identifier;
       END;
     UPDATE subscribers SET delivered = (SELECT COUNT(*) FROM outbox
       WHERE outbox.subscriber = subscribers.id AND outbox.delivered_ms IS NOT NULL);
     UPDATE outbox SET body = '' WHERE delivered_ms IS NOT NULL AND body <> '';",
    // 8: the backfill of 6 again, for a database that took 6 when it
    // backfilled before creating its trigger (a row an older server was
    // inserting meanwhile kept no place; review). Migrations once applied
    // are never edited: this is how they are mended.
    concat!(
        "UPDATE outbox SET seq = ",
        seq_sql_sqlite!(),
        " WHERE seq IS NULL AND delivered_ms IS NULL;"
    ),
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
        if version > MIGRATIONS.len() as i64 {
            return Err(StoreError::Db(format!(
                "the database's schema is version {version}, newer than this build's {}: run a newer corridor",
                MIGRATIONS.len()
            )));
        }
        for (i, m) in MIGRATIONS.iter().enumerate().skip(version.max(0) as usize) {
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

    fn add_subscriber(
        &self,
        url: &str,
        secret: &str,
        now_ms: i64,
        max: usize,
    ) -> Result<i64, StoreError> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let n: i64 = tx.query_row("SELECT COUNT(*) FROM subscribers", [], |r| r.get(0))?;
        if n as usize >= max {
            return Err(StoreError::Refused(format!(
                "at most {max} subscribers: remove one first"
            )));
        }
        let taken: Option<i64> = tx
            .query_row("SELECT id FROM subscribers WHERE url = ?1", [url], |r| {
                r.get(0)
            })
            .optional()?;
        if let Some(id) = taken {
            return Err(StoreError::Refused(format!(
                "this URL is subscriber {id} already"
            )));
        }
        tx.execute(
            "INSERT INTO subscribers (url, secret, created_ms) VALUES (?1, ?2, ?3)",
            params![url, secret, now_ms],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        Ok(id)
    }

    fn remove_subscriber(&self, id: i64) -> Result<bool, StoreError> {
        let mut c = self.conn();
        let tx = c.transaction()?;
        tx.execute("DELETE FROM outbox WHERE subscriber = ?1", [id])?;
        let n = tx.execute("DELETE FROM subscribers WHERE id = ?1", [id])?;
        tx.commit()?;
        Ok(n > 0)
    }

    fn subscribers(&self) -> Result<Vec<SubscriberInfo>, StoreError> {
        let mut c = self.conn();
        // One snapshot for the three reads.
        let tx = c.transaction()?;
        let subs = tx
            .prepare(SUBSCRIBER_ROWS)?
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let pending = tx
            .prepare(PENDING_COUNTS)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        let heads = heads_sqlite(&tx)?;
        tx.commit()?;
        Ok(subscriber_infos(subs, pending, heads))
    }

    fn enqueue(
        &self,
        alerts: &[(String, String)],
        now_ms: i64,
        retry_gap_ms: i64,
    ) -> Result<usize, StoreError> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut rows = 0;
        for (identifier, body) in alerts {
            let new = tx.execute(
                "INSERT INTO outbox_alerts (identifier, queued_ms) VALUES (?1, ?2)
                 ON CONFLICT (identifier) DO NOTHING",
                params![identifier, now_ms],
            )?;
            if new == 1 {
                rows += tx.execute(
                    // `WHERE true`: SQLite's parser needs it before ON CONFLICT.
                    "INSERT INTO outbox (subscriber, identifier, body, next_attempt_ms, seq)
                     SELECT id, ?1, ?2, ?3, ?4 FROM subscribers WHERE true
                     ON CONFLICT (subscriber, identifier) DO NOTHING",
                    params![identifier, body, now_ms, alert_seq(identifier)],
                )?;
            }
        }
        if rows > 0 {
            let gap = retry_gap_ms.clamp(0, MAX_RETRY_GAP_MS);
            tx.execute(PULL_BACKOFF_SQLITE, params![now_ms, gap])?;
            tx.execute(MARK_LEASED_SQLITE, params![now_ms])?;
        }
        tx.commit()?;
        Ok(rows)
    }

    fn claim(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
        busy: &[i64],
    ) -> Result<Vec<Due>, StoreError> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let heads = heads_sqlite(&tx)?;
        let mut due = Vec::new();
        for (sub, id) in pick(heads, now_ms, limit, busy) {
            due.push(tx.query_row(
                "SELECT o.subscriber, s.url, s.secret, o.identifier, o.body, o.attempts
                 FROM outbox o JOIN subscribers s ON s.id = o.subscriber
                 WHERE o.subscriber = ?1 AND o.identifier = ?2",
                params![sub, id],
                |r| {
                    Ok(Due {
                        subscriber: r.get(0)?,
                        url: r.get(1)?,
                        secret: r.get(2)?,
                        identifier: r.get(3)?,
                        body: r.get(4)?,
                        attempts: r.get::<_, i64>(5)?.saturating_add(1) as u32,
                    })
                },
            )?);
            tx.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_attempt_ms = ?1, next_attempt_ms = ?2,
                                   leased_until_ms = ?2
                 WHERE subscriber = ?3 AND identifier = ?4",
                params![now_ms, now_ms.saturating_add(lease_ms), sub, id],
            )?;
        }
        tx.commit()?;
        Ok(due)
    }

    fn delivered(&self, subscriber: i64, identifier: &str, now_ms: i64) -> Result<(), StoreError> {
        self.conn()
            .execute(DELIVERED_SQLITE, params![now_ms, subscriber, identifier])?;
        Ok(())
    }

    fn failed(
        &self,
        subscriber: i64,
        identifier: &str,
        attempt: u32,
        error: &str,
        now_ms: i64,
        next_ms: i64,
        retry_gap_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE outbox SET last_error = ?1, last_attempt_ms = ?2, leased_until_ms = NULL,
                 next_attempt_ms = CASE WHEN pull_pending THEN MIN(?3, ?7) ELSE ?3 END,
                 pull_pending = 0
             WHERE subscriber = ?4 AND identifier = ?5 AND delivered_ms IS NULL
               AND attempts = ?6",
            params![
                clip(error),
                now_ms,
                next_ms,
                subscriber,
                identifier,
                attempt,
                now_ms.saturating_add(retry_gap_ms.clamp(0, MAX_RETRY_GAP_MS))
            ],
        )?;
        Ok(())
    }

    fn next_due(&self) -> Result<Option<i64>, StoreError> {
        Ok(next_head_due(heads_sqlite(&self.conn())?))
    }

    fn trim(&self, max_pending: usize, now_ms: i64) -> Result<u64, StoreError> {
        let mut c = self.conn();
        let tx = c.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let subs: Vec<i64> = tx
            .prepare_cached("SELECT id FROM subscribers ORDER BY id")?
            .query_map([], |r| r.get(0))?
            .collect::<Result<_, _>>()?;
        let max = max_pending.max(1).min(i64::MAX as usize) as i64;
        let mut dropped = 0;
        for sub in subs {
            let waiting: i64 = tx
                .prepare_cached(TRIM_COUNT)?
                .query_row([sub], |r| r.get(0))?;
            if waiting <= max {
                continue;
            }
            let mut rows: Vec<String> = tx
                .prepare_cached(TRIM_ROWS)?
                .query_map(params![sub, waiting - max], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            rows.sort();
            let mut n = 0;
            for row in &rows {
                n += tx
                    .prepare_cached(TRIM_ROW)?
                    .execute(params![sub, row, now_ms])?;
            }
            if n > 0 {
                tx.execute(
                    "UPDATE subscribers SET dropped = dropped + ?1 WHERE id = ?2",
                    params![n as i64, sub],
                )?;
                dropped += n as u64;
            }
        }
        tx.commit()?;
        Ok(dropped)
    }
}

/// The PostgreSQL schema, one migration per version (as [`MIGRATIONS`] for
/// SQLite). Version 1 is the schema every earlier server created (its
/// statements are idempotent, so a database made before migrations were
/// versioned is taken up as version 1).
pub const PG_MIGRATIONS: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS log (seq BIGINT PRIMARY KEY, line TEXT NOT NULL);
     CREATE TABLE IF NOT EXISTS tokens (party TEXT PRIMARY KEY, sha256 TEXT NOT NULL);",
    // 2: the delivery outbox (issue 14).
    "CREATE TABLE subscribers (id BIGSERIAL PRIMARY KEY, url TEXT NOT NULL UNIQUE,
                               secret TEXT NOT NULL, created_ms BIGINT NOT NULL);
     CREATE TABLE outbox_alerts (identifier TEXT PRIMARY KEY, queued_ms BIGINT NOT NULL);
     CREATE TABLE outbox (subscriber BIGINT NOT NULL REFERENCES subscribers (id) ON DELETE CASCADE,
                          identifier TEXT NOT NULL, body TEXT NOT NULL,
                          attempts INTEGER NOT NULL DEFAULT 0, next_attempt_ms BIGINT NOT NULL,
                          last_attempt_ms BIGINT, last_error TEXT, delivered_ms BIGINT,
                          PRIMARY KEY (subscriber, identifier));
     CREATE INDEX outbox_due ON outbox (next_attempt_ms) WHERE delivered_ms IS NULL;",
    // 3: as SQLite's 3.
    "ALTER TABLE outbox ADD COLUMN leased_until_ms BIGINT;
     UPDATE outbox SET leased_until_ms = next_attempt_ms
      WHERE delivered_ms IS NULL AND attempts > 0;",
    // 4: as SQLite's 4.
    "ALTER TABLE outbox ADD COLUMN IF NOT EXISTS pull_pending BOOLEAN NOT NULL DEFAULT FALSE;",
    // 5: as SQLite's 5.
    concat!(
        "ALTER TABLE outbox ADD COLUMN seq BIGINT;
         UPDATE outbox SET seq = ",
        seq_sql_pg!(),
        ";
         CREATE INDEX outbox_head ON outbox (subscriber, seq, identifier) WHERE delivered_ms IS NULL;
         ALTER TABLE subscribers ADD COLUMN dropped BIGINT NOT NULL DEFAULT 0;"
    ),
    // 6: as SQLite's 6, written to run again harmlessly. The trigger
    // comes before the backfill: creating it waits for an older server's
    // enqueue still open, whose rows the backfill then sees (review: made
    // the other way round, such a row kept no place).
    concat!(
        "CREATE OR REPLACE FUNCTION outbox_seq() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           IF NEW.seq IS NULL THEN
             NEW.seq := (SELECT ",
        seq_sql_pg!(),
        " FROM (SELECT NEW.identifier AS identifier) t);
           END IF;
           RETURN NEW;
         END $$;
         DROP TRIGGER IF EXISTS outbox_seq ON outbox;
         CREATE TRIGGER outbox_seq BEFORE INSERT ON outbox
           FOR EACH ROW EXECUTE FUNCTION outbox_seq();
         UPDATE outbox SET seq = ",
        seq_sql_pg!(),
        " WHERE seq IS NULL AND delivered_ms IS NULL;
         DROP INDEX IF EXISTS outbox_head;
         CREATE INDEX outbox_head ON outbox (subscriber, seq, identifier, delivered_ms)
           WHERE delivered_ms IS NULL;
         ALTER TABLE subscribers ADD COLUMN IF NOT EXISTS delivered BIGINT NOT NULL DEFAULT 0;
         UPDATE subscribers SET delivered = (SELECT COUNT(*) FROM outbox
           WHERE outbox.subscriber = subscribers.id AND outbox.delivered_ms IS NOT NULL);
         UPDATE outbox SET body = '' WHERE delivered_ms IS NOT NULL AND body <> '';"
    ),
    // 7: as SQLite's 7 (the body emptied before the row is written).
    "CREATE OR REPLACE FUNCTION outbox_delivered() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       IF OLD.delivered_ms IS NULL AND NEW.delivered_ms IS NOT NULL THEN
         NEW.body := '';
         UPDATE subscribers SET delivered = delivered + 1 WHERE id = NEW.subscriber;
       END IF;
       RETURN NEW;
     END $$;
     DROP TRIGGER IF EXISTS outbox_delivered ON outbox;
     CREATE TRIGGER outbox_delivered BEFORE UPDATE OF delivered_ms ON outbox
       FOR EACH ROW EXECUTE FUNCTION outbox_delivered();
     UPDATE subscribers SET delivered = (SELECT COUNT(*) FROM outbox
       WHERE outbox.subscriber = subscribers.id AND outbox.delivered_ms IS NOT NULL);
     UPDATE outbox SET body = '' WHERE delivered_ms IS NOT NULL AND body <> '';",
    // 8: as SQLite's 8; and the counting trigger's function finds
    // `subscribers` in the schema it was made in, not through the
    // search path of whatever session updates the row (one deployment per
    // schema: review).
    concat!(
        "UPDATE outbox SET seq = ",
        seq_sql_pg!(),
        " WHERE seq IS NULL AND delivered_ms IS NULL;
         ALTER FUNCTION outbox_delivered() SET search_path FROM CURRENT;"
    ),
];

/// PostgreSQL store, for a shared deployment: several `serve` processes on
/// one database keep one linear log (the primary key on the entry number
/// refuses a second entry N) and see each other's writes. Each write is a
/// committed transaction before it is acknowledged.
pub struct Postgres {
    /// The connection's settings, to connect again after it is lost.
    config: postgres::Config,
    client: Mutex<postgres::Client>,
}

/// How long to wait for PostgreSQL to accept a connection.
const PG_CONNECT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);
/// Longest one statement may run (the store's are single-row reads and
/// writes, and the log read at start): a hung server is an error, not a
/// server of ours waiting for ever behind its store's mutex.
const PG_STATEMENT_TIMEOUT_MS: u32 = 30_000;

/// `url` with this store's timeouts: connect, TCP keepalives and user
/// timeout (a half-open connection is noticed), statements.
fn pg_config(url: &str) -> Result<postgres::Config, StoreError> {
    let mut c: postgres::Config = url
        .parse()
        .map_err(|e: postgres::Error| StoreError::Db(e.to_string()))?;
    c.connect_timeout(PG_CONNECT_TIMEOUT)
        .keepalives(true)
        .keepalives_idle(std::time::Duration::from_secs(30))
        .tcp_user_timeout(std::time::Duration::from_secs(60));
    Ok(c)
}

/// Connects with `config`, then sets the statement timeout (with `SET`,
/// not a startup option, which connection poolers such as PgBouncer
/// refuse).
fn pg_connect(config: &postgres::Config) -> Result<postgres::Client, StoreError> {
    let mut c = config.connect(postgres::NoTls).map_err(pg)?;
    c.batch_execute(&format!(
        "SET statement_timeout = {PG_STATEMENT_TIMEOUT_MS}"
    ))
    .map_err(pg)?;
    Ok(c)
}

impl Postgres {
    /// Connects (e.g. `postgres://user:pass@127.0.0.1/db`) and migrates:
    /// the migrations in [`PG_MIGRATIONS`] not yet applied, in order, each
    /// in one transaction with the version it brings, under an advisory
    /// lock so that two servers starting together migrate once.
    pub fn connect(url: &str) -> Result<Postgres, StoreError> {
        let config = pg_config(url)?;
        let mut client = pg_connect(&config)?;
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
        if version > PG_MIGRATIONS.len() as i32 {
            return Err(StoreError::Db(format!(
                "the database's schema is version {version}, newer than this build's {}: run a newer corridor",
                PG_MIGRATIONS.len()
            )));
        }
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
            config,
            client: Mutex::new(client),
        })
    }

    /// The schema version of the connected database.
    pub fn version(&self) -> Result<i32, StoreError> {
        Ok(self
            .client()?
            .query_one("SELECT max(version) FROM corridor_schema", &[])
            .map_err(pg)?
            .get::<_, Option<i32>>(0)
            .unwrap_or(0))
    }

    /// The connection, made again first if it was lost (PostgreSQL
    /// restarted, failed over, or the network dropped it): one failed
    /// request, not every request until the process restarts.
    fn client(&self) -> Result<std::sync::MutexGuard<'_, postgres::Client>, StoreError> {
        let mut c = self.client.lock().unwrap_or_else(|e| e.into_inner());
        if c.is_closed() {
            tracing::warn!("the PostgreSQL connection was lost: connecting again");
            *c = pg_connect(&self.config)?;
        }
        Ok(c)
    }

    /// Empties the tables (tests on a shared test database).
    pub fn reset(&self) -> Result<(), StoreError> {
        self.client()?
            .batch_execute("TRUNCATE log, tokens, outbox, outbox_alerts, subscribers, convoys;")
            .map_err(pg)
    }
}

/// [`HEADS`] on PostgreSQL (a client or a transaction).
fn heads_pg(c: &mut impl postgres::GenericClient) -> Result<Vec<Head>, StoreError> {
    Ok(c.query(HEADS, &[])
        .map_err(pg)?
        .iter()
        .map(|r| Head {
            subscriber: r.get(0),
            identifier: r.get(1),
            next_attempt_ms: r.get(2),
            last_error: r.get(3),
            leased_until_ms: r.get(4),
        })
        .collect())
}

fn pg(e: postgres::Error) -> StoreError {
    // `Display` of a server's error is only "db error": its message and
    // code are in the `DbError`.
    StoreError::Db(match e.as_db_error() {
        Some(d) => format!("{} ({})", d.message(), d.code().code()),
        None => e.to_string(),
    })
}

impl Store for Postgres {
    fn convoy_put(&self, id: &str, doc: &str) -> Result<(), StoreError> {
        self.client()?
            .execute(
                "INSERT INTO convoys (id, doc) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET doc = excluded.doc",
                &[&id, &doc],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn convoy_all(&self) -> Result<Vec<(String, String)>, StoreError> {
        Ok(self
            .client()?
            .query("SELECT id, doc FROM convoys ORDER BY id", &[])
            .map_err(pg)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
    }

    fn append(&self, seq: u64, line: &str) -> Result<(), StoreError> {
        let r = self.client()?.execute(
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
            .client()?
            .query("SELECT line FROM log ORDER BY seq", &[])
            .map_err(pg)?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    fn len(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .client()?
            .query_one("SELECT COUNT(*) FROM log", &[])
            .map_err(pg)?
            .get(0);
        Ok(n as u64)
    }

    fn token_hash(&self, party: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .client()?
            .query_opt("SELECT sha256 FROM tokens WHERE party = $1", &[&party])
            .map_err(pg)?
            .map(|r| r.get(0)))
    }

    fn set_token_hash(&self, party: &str, sha256_hex: &str) -> Result<(), StoreError> {
        self.client()?
            .execute(
                "INSERT INTO tokens (party, sha256) VALUES ($1, $2) ON CONFLICT (party) DO UPDATE SET sha256 = excluded.sha256",
                &[&party, &sha256_hex],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn add_subscriber(
        &self,
        url: &str,
        secret: &str,
        now_ms: i64,
        max: usize,
    ) -> Result<i64, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction().map_err(pg)?;
        // One registration at a time across servers, so `max` holds.
        tx.execute("SELECT pg_advisory_xact_lock(7010421)", &[])
            .map_err(pg)?;
        let n: i64 = tx
            .query_one("SELECT COUNT(*) FROM subscribers", &[])
            .map_err(pg)?
            .get(0);
        if n as usize >= max {
            return Err(StoreError::Refused(format!(
                "at most {max} subscribers: remove one first"
            )));
        }
        if let Some(r) = tx
            .query_opt("SELECT id FROM subscribers WHERE url = $1", &[&url])
            .map_err(pg)?
        {
            return Err(StoreError::Refused(format!(
                "this URL is subscriber {} already",
                r.get::<_, i64>(0)
            )));
        }
        let id: i64 = tx
            .query_one(
                "INSERT INTO subscribers (url, secret, created_ms) VALUES ($1, $2, $3) RETURNING id",
                &[&url, &secret, &now_ms],
            )
            .map_err(pg)?
            .get(0);
        tx.commit().map_err(pg)?;
        Ok(id)
    }

    fn remove_subscriber(&self, id: i64) -> Result<bool, StoreError> {
        // Its outbox rows go with it (ON DELETE CASCADE).
        let n = self
            .client()?
            .execute("DELETE FROM subscribers WHERE id = $1", &[&id])
            .map_err(pg)?;
        Ok(n > 0)
    }

    fn subscribers(&self) -> Result<Vec<SubscriberInfo>, StoreError> {
        let mut c = self.client()?;
        // One snapshot for the three reads.
        let mut tx = c
            .build_transaction()
            .isolation_level(postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .map_err(pg)?;
        let subs = tx
            .query(SUBSCRIBER_ROWS, &[])
            .map_err(pg)?
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4)))
            .collect();
        let pending = tx
            .query(PENDING_COUNTS, &[])
            .map_err(pg)?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect();
        let heads = heads_pg(&mut tx)?;
        tx.commit().map_err(pg)?;
        Ok(subscriber_infos(subs, pending, heads))
    }

    fn enqueue(
        &self,
        alerts: &[(String, String)],
        now_ms: i64,
        retry_gap_ms: i64,
    ) -> Result<usize, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction().map_err(pg)?;
        let mut rows = 0;
        for (identifier, body) in alerts {
            let new = tx
                .execute(
                    "INSERT INTO outbox_alerts (identifier, queued_ms) VALUES ($1, $2)
                     ON CONFLICT (identifier) DO NOTHING",
                    &[identifier, &now_ms],
                )
                .map_err(pg)?;
            if new == 1 {
                rows += tx
                    .execute(
                        "INSERT INTO outbox (subscriber, identifier, body, next_attempt_ms, seq)
                         SELECT id, $1, $2, $3, $4 FROM subscribers
                         ON CONFLICT (subscriber, identifier) DO NOTHING",
                        &[identifier, body, &now_ms, &alert_seq(identifier)],
                    )
                    .map_err(pg)? as usize;
            }
        }
        if rows > 0 {
            let gap = retry_gap_ms.clamp(0, MAX_RETRY_GAP_MS);
            tx.execute(PULL_AND_MARK_PG, &[&now_ms, &gap]).map_err(pg)?;
        }
        tx.commit().map_err(pg)?;
        Ok(rows)
    }

    fn claim(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
        busy: &[i64],
    ) -> Result<Vec<Due>, StoreError> {
        // The lease (the new next_attempt_ms) keeps the chosen rows from
        // every other claim while they are sent, and frees them if this
        // server dies.
        let mut c = self.client()?;
        let mut tx = c.transaction().map_err(pg)?;
        // Claims are taken one at a time across servers (a transaction
        // lock of their own, which nothing else takes while holding rows),
        // and the heads are read once it is held: a claim that had to wait
        // sees the leases the other one committed, so no head is claimed
        // twice and none is skipped for the alert behind it.
        tx.execute("SELECT pg_advisory_xact_lock(7010422)", &[])
            .map_err(pg)?;
        let heads = heads_pg(&mut tx)?;
        let mut picked = pick(heads, now_ms, limit, busy);
        // Rows are locked in the order an enqueue locks them, so the two
        // never deadlock.
        picked.sort();
        let mut due = Vec::new();
        for (sub, id) in picked {
            // Checked again on the row as committed: a late acknowledgement
            // of an older claim may have settled it, or a server of schema
            // 4 (which takes no advisory lock) claimed it meanwhile.
            let Some(r) = tx
                .query_opt(
                    "UPDATE outbox o SET attempts = o.attempts + 1, last_attempt_ms = $1,
                                         next_attempt_ms = $2, leased_until_ms = $2
                     FROM subscribers s
                     WHERE o.subscriber = $3 AND o.identifier = $4 AND s.id = o.subscriber
                       AND o.delivered_ms IS NULL AND o.next_attempt_ms <= $1
                     RETURNING o.subscriber, s.url, s.secret, o.identifier, o.body, o.attempts",
                    &[&now_ms, &now_ms.saturating_add(lease_ms), &sub, &id],
                )
                .map_err(pg)?
            else {
                continue;
            };
            due.push(Due {
                subscriber: r.get(0),
                url: r.get(1),
                secret: r.get(2),
                identifier: r.get(3),
                body: r.get(4),
                attempts: r.get::<_, i32>(5).max(0) as u32,
            });
        }
        tx.commit().map_err(pg)?;
        Ok(due)
    }

    fn delivered(&self, subscriber: i64, identifier: &str, now_ms: i64) -> Result<(), StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction().map_err(pg)?;
        // The subscriber's row, then the outbox row (whose trigger counts
        // the acknowledgement on the subscriber's row): the order of a
        // trim and of a removal.
        tx.execute(
            "SELECT id FROM subscribers WHERE id = $1 FOR NO KEY UPDATE",
            &[&subscriber],
        )
        .map_err(pg)?;
        tx.execute(DELIVERED_PG, &[&now_ms, &subscriber, &identifier])
            .map_err(pg)?;
        tx.commit().map_err(pg)?;
        Ok(())
    }

    fn failed(
        &self,
        subscriber: i64,
        identifier: &str,
        attempt: u32,
        error: &str,
        now_ms: i64,
        next_ms: i64,
        retry_gap_ms: i64,
    ) -> Result<(), StoreError> {
        self.client()?
            .execute(
                "UPDATE outbox SET last_error = $1, last_attempt_ms = $2, leased_until_ms = NULL,
                     next_attempt_ms = CASE WHEN pull_pending THEN LEAST($3::BIGINT, $7::BIGINT) ELSE $3::BIGINT END,
                     pull_pending = FALSE
                 WHERE subscriber = $4 AND identifier = $5 AND delivered_ms IS NULL
                   AND attempts = $6",
                &[
                    &clip(error),
                    &now_ms,
                    &next_ms,
                    &subscriber,
                    &identifier,
                    &(attempt.min(i32::MAX as u32) as i32),
                    &now_ms.saturating_add(retry_gap_ms.clamp(0, MAX_RETRY_GAP_MS)),
                ],
            )
            .map_err(pg)?;
        Ok(())
    }

    fn next_due(&self) -> Result<Option<i64>, StoreError> {
        Ok(next_head_due(heads_pg(&mut *self.client()?)?))
    }

    fn trim(&self, max_pending: usize, now_ms: i64) -> Result<u64, StoreError> {
        let mut c = self.client()?;
        let mut tx = c.transaction().map_err(pg)?;
        let subs: Vec<i64> = tx
            .query("SELECT id FROM subscribers ORDER BY id", &[])
            .map_err(pg)?
            .iter()
            .map(|r| r.get(0))
            .collect();
        let max = max_pending.max(1).min(i64::MAX as usize) as i64;
        let mut dropped = 0;
        for sub in subs {
            // The subscriber's row first, as its removal (whose cascade
            // then deletes its rows) and an acknowledgement lock it: taken
            // after its rows, a trim and a removal deadlocked (review).
            if tx
                .query_opt(
                    "SELECT id FROM subscribers WHERE id = $1 FOR NO KEY UPDATE",
                    &[&sub],
                )
                .map_err(pg)?
                .is_none()
            {
                continue;
            }
            let waiting: i64 = tx.query_one(TRIM_COUNT, &[&sub]).map_err(pg)?.get(0);
            if waiting <= max {
                continue;
            }
            let mut rows: Vec<String> = tx
                .query(TRIM_ROWS, &[&sub, &(waiting - max)])
                .map_err(pg)?
                .iter()
                .map(|r| r.get(0))
                .collect();
            rows.sort();
            // Only what this transaction deleted counts (another server
            // trimming at once deletes the rest).
            let mut n = 0;
            for row in &rows {
                n += tx.execute(TRIM_ROW, &[&sub, row, &now_ms]).map_err(pg)?;
            }
            if n > 0 {
                tx.execute(
                    "UPDATE subscribers SET dropped = dropped + $1 WHERE id = $2",
                    &[&(n as i64), &sub],
                )
                .map_err(pg)?;
                dropped += n;
            }
        }
        tx.commit().map_err(pg)?;
        Ok(dropped)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Review of issue 14: a failed "suspended" was overtaken by the
    /// "open again" that followed it. Each subscriber gets its oldest
    /// undelivered alert only, by log entry (so `.10` after `.9`).
    #[test]
    fn alerts_reach_each_subscriber_in_the_order_they_were_published() {
        // The head is chosen by log entry, not as text nor as queued:
        // `.10` queued first still waits for `.9`, and `.9` for `.8`.
        let st = Sqlite::memory().unwrap();
        let one = st
            .add_subscriber("http://127.0.0.1:9/a", "0123456789abcdef", 0, 32)
            .unwrap();
        st.enqueue(&[("c.x.10".into(), "b".into())], 0, 0).unwrap();
        st.enqueue(&[("c.x.9".into(), "b".into())], 0, 0).unwrap();
        let ids = |d: Vec<Due>| d.into_iter().map(|d| d.identifier).collect::<Vec<_>>();
        let first = st.claim(1, 1000, 4, &[]).unwrap();
        assert_eq!(ids(first), ["c.x.9"]);
        st.failed(one, "c.x.9", 1, "500", 2, 50, 0).unwrap();
        assert!(
            st.claim(10, 1000, 4, &[]).unwrap().is_empty(),
            ".10 waits for .9"
        );
        assert_eq!(st.next_due().unwrap(), Some(50));
        assert!(st.claim(50, 1000, 4, &[one]).unwrap().is_empty(), "busy");
        assert_eq!(ids(st.claim(50, 1000, 4, &[]).unwrap()), ["c.x.9"]);
        st.delivered(one, "c.x.9", 51).unwrap();
        assert_eq!(ids(st.claim(52, 1000, 4, &[]).unwrap()), ["c.x.10"]);
        st.remove_subscriber(one).unwrap();
        // On a real store: .8 fails, so .9 is not sent before .8 is acknowledged.
        let st = Sqlite::memory().unwrap();
        let sub = st
            .add_subscriber("http://127.0.0.1:9/", "0123456789abcdef", 0, 32)
            .unwrap();
        st.enqueue(
            &[("c.x.8".into(), "a".into()), ("c.x.9".into(), "b".into())],
            0,
            0,
        )
        .unwrap();
        let first = st.claim(1, 1000, 4, &[]).unwrap();
        assert_eq!(
            first
                .iter()
                .map(|d| d.identifier.as_str())
                .collect::<Vec<_>>(),
            ["c.x.8"]
        );
        st.failed(sub, "c.x.8", 1, "500", 2, 100, 0).unwrap();
        assert!(
            st.claim(50, 1000, 4, &[]).unwrap().is_empty(),
            "c.x.9 waits for c.x.8"
        );
        let again = st.claim(100, 1000, 4, &[]).unwrap();
        assert_eq!(again[0].identifier, "c.x.8");
        st.delivered(sub, "c.x.8", 101).unwrap();
        assert_eq!(st.claim(102, 1000, 4, &[]).unwrap()[0].identifier, "c.x.9");
    }

    /// An in-memory database migrated to schema `version` only.
    fn at_schema(version: usize) -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        for (i, m) in MIGRATIONS[..version].iter().enumerate() {
            conn.execute_batch(&format!(
                "BEGIN; {m} PRAGMA user_version = {}; COMMIT;",
                i + 1
            ))
            .unwrap();
        }
        conn
    }

    /// Schema 3 on a database of schema 2 with rows in flight: a row an
    /// older server claimed or failed counts as leased until its next
    /// attempt (it may still be being sent), so a new alert does not pull
    /// it forward; a row never tried and the rows after it are unchanged.
    #[test]
    fn schema_3_takes_rows_of_an_older_server_as_leased() {
        let conn = at_schema(2);
        conn.execute_batch(
            "INSERT INTO subscribers (id, url, secret, created_ms) VALUES (1, 'http://a/', 's', 0);
             INSERT INTO outbox (subscriber, identifier, body, attempts, next_attempt_ms, last_attempt_ms)
               VALUES (1, 'c.x.1', 'b', 1, 5000, 100);
             INSERT INTO outbox (subscriber, identifier, body, next_attempt_ms) VALUES (1, 'c.x.2', 'b', 0);",
        )
        .unwrap();
        let st = Sqlite::init(conn).unwrap();
        let lease = |id: &str| -> Option<i64> {
            st.conn()
                .query_row(
                    "SELECT leased_until_ms FROM outbox WHERE identifier = ?1",
                    [id],
                    |r| r.get(0),
                )
                .unwrap()
        };
        assert_eq!(lease("c.x.1"), Some(5000));
        assert_eq!(lease("c.x.2"), None);
        assert_eq!(
            st.enqueue(&[("c.x.3".into(), "b".into())], 1000, 0)
                .unwrap(),
            1
        );
        let next = st.subscribers().unwrap()[0].next_attempt_ms;
        assert_eq!(next, Some(5000), "the older server's lease stands");
    }

    /// Identifiers of every shape, for the order key and its SQL twins.
    const SEQ_CASES: &[&str] = &[
        "c.x.10",
        "c.x.9",
        "x",
        "12",
        "",
        "a.b.",
        "a.b.12a",
        "a.b.0012",
        "a..5",
        "a.b.123456789012345678",
        "a.b.1234567890123456789",
        "a.b.+5",
        "a.b.-5",
        "a.b.\u{0663}",
        "a.b. 5",
        "\u{0436}.\u{0436}.7",
    ];

    /// Migration 5 computes each row's place with SQL; it must be
    /// [`alert_seq`]'s, or rows queued before it would be sent out of order.
    /// On PostgreSQL too when `CORRIDOR_TEST_PG` is set (no table touched).
    #[test]
    fn the_order_key_is_the_same_in_rust_and_in_sql() {
        let c = Connection::open_in_memory().unwrap();
        let sql = concat!(
            "SELECT ",
            seq_sql_sqlite!(),
            " FROM (SELECT ?1 AS identifier)"
        );
        for id in SEQ_CASES {
            let got: i64 = c.query_row(sql, [id], |r| r.get(0)).unwrap();
            assert_eq!(got, alert_seq(id), "SQLite, {id:?}");
        }
        assert_eq!(alert_seq("c.x.10"), 10);
        assert_eq!(alert_seq("a.b.0012"), 12);
        assert_eq!(alert_seq("a.b.12a"), i64::MAX);
        let Ok(url) = std::env::var("CORRIDOR_TEST_PG") else {
            return;
        };
        let mut pg = postgres::Client::connect(&url, postgres::NoTls).unwrap();
        let sql = concat!(
            "SELECT ",
            seq_sql_pg!(),
            " FROM (SELECT $1::TEXT AS identifier) t"
        );
        for id in SEQ_CASES {
            let got: i64 = pg.query_one(sql, &[id]).unwrap().get(0);
            assert_eq!(got, alert_seq(id), "PostgreSQL, {id:?}");
        }
    }

    /// Schemas 5 and 6 on a database of schema 4 with rows waiting: they are
    /// sent in the order of their log entries (`.9` before `.10`); the
    /// one delivered is counted, and its body let go.
    #[test]
    fn schemas_5_and_6_order_the_rows_queued_before_them() {
        let conn = at_schema(4);
        conn.execute_batch(
            "INSERT INTO subscribers (id, url, secret, created_ms) VALUES (1, 'http://a/', 's', 0);
             INSERT INTO outbox (subscriber, identifier, body, next_attempt_ms) VALUES (1, 'c.x.10', 'b', 0);
             INSERT INTO outbox (subscriber, identifier, body, next_attempt_ms) VALUES (1, 'c.x.9', 'b', 0);
             INSERT INTO outbox (subscriber, identifier, body, next_attempt_ms, delivered_ms)
               VALUES (1, 'c.x.8', 'b', 0, 5);",
        )
        .unwrap();
        let st = Sqlite::init(conn).unwrap();
        let seqs: Vec<(String, i64)> = st
            .conn()
            .prepare(
                "SELECT identifier, seq FROM outbox WHERE delivered_ms IS NULL ORDER BY identifier",
            )
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(seqs, [("c.x.10".to_string(), 10), ("c.x.9".to_string(), 9)]);
        let sub = st.subscribers().unwrap();
        assert_eq!(
            (sub[0].pending, sub[0].delivered, sub[0].dropped),
            (2, 1, 0)
        );
        let body: String = st
            .conn()
            .query_row(
                "SELECT body FROM outbox WHERE identifier = 'c.x.8'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(body, "");
        assert_eq!(st.claim(1, 100, 4, &[]).unwrap()[0].identifier, "c.x.9");
        st.delivered(1, "c.x.9", 10).unwrap();
        st.delivered(1, "c.x.9", 11).unwrap();
        assert_eq!(st.subscribers().unwrap()[0].delivered, 2, "counted once");
    }

    /// A server of schema 4, still running while another migrated, queues
    /// rows without `seq`: the trigger gives them their place, so the
    /// alert it queued last does not go first (review: `.10`, `.9`, `.5`).
    #[test]
    fn rows_queued_without_a_place_get_one() {
        let st = Sqlite::memory().unwrap();
        st.add_subscriber("http://a.test/", "0123456789abcdef", 0, 4)
            .unwrap();
        st.enqueue(&[("c.x.5".into(), "b".into())], 0, 0).unwrap();
        for id in ["c.x.10", "c.x.9"] {
            st.conn()
                .execute(
                    "INSERT INTO outbox (subscriber, identifier, body, next_attempt_ms)
                     SELECT id, ?1, 'b', 0 FROM subscribers",
                    [id],
                )
                .unwrap();
        }
        let mut sent = vec![];
        for now in 1..4 {
            let d = st.claim(now, 100, 4, &[]).unwrap().remove(0);
            st.delivered(d.subscriber, &d.identifier, now).unwrap();
            sent.push(d.identifier);
        }
        assert_eq!(sent, ["c.x.5", "c.x.9", "c.x.10"]);
        // Such a server acknowledges with a bare update: still counted
        // once, and the body let go (review).
        st.enqueue(&[("c.x.11".into(), "b".into())], 0, 0).unwrap();
        for t in [7, 8] {
            st.conn()
                .execute(
                    "UPDATE outbox SET delivered_ms = ?1 WHERE identifier = 'c.x.11'",
                    [t],
                )
                .unwrap();
        }
        assert_eq!(st.subscribers().unwrap()[0].delivered, 4);
        let body: String = st
            .conn()
            .query_row(
                "SELECT body FROM outbox WHERE identifier = 'c.x.11'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(body, "");
    }

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
