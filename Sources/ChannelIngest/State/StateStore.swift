import Foundation
import GRDB

/// The SQLite file of nightly runs (`--state`): which inputs were read and how far, the
/// sessions and pending hits the last run left open, the touchpoints of the lookback window,
/// the CRM's leads, and the per-day facts every report is computed from.
///
/// One process at a time: the file is locked (`flock`) for as long as the store is open, so a
/// second run on the same state stops at once with a message instead of interleaving. A run
/// writes in one transaction: killed at any moment, the file is as it was before the run.
public final class StateStore {
    public let path: String
    let queue: DatabaseQueue
    private let lockFD: Int32

    /// Opens (creating on first use) and migrates the state at `path`, and takes its lock.
    public init(path: String) throws {
        self.path = path
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty && !FileManager.default.fileExists(atPath: dir) {
            throw IngestError.badArgument("--state \(path): the folder \(dir) does not exist")
        }
        // The lock file sits beside the state, so it can be taken before SQLite touches it.
        let fd = open(path + ".lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw IngestError.badArgument("--state \(path): can't create \(path).lock (\(String(cString: strerror(errno))))")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            close(fd)
            throw IngestError.stateBusy("\(path) is in use by another ingest run; run again when it has finished")
        }
        lockFD = fd
        do {
            let isNew = !FileManager.default.fileExists(atPath: path)
            var config = Configuration()
            config.busyMode = .timeout(10)
            queue = try DatabaseQueue(path: path, configuration: config)
            // Visitor keys are not addresses, but they are still nobody else's business.
            if isNew { chmod(path, 0o600) }
            try Self.migrator.migrate(queue)
        } catch let e as IngestError {
            close(fd)
            throw e
        } catch {
            close(fd)
            throw IngestError.badArgument("--state \(path): not a state file ingest can use (\(error))")
        }
    }

    deinit {
        flock(lockFD, LOCK_UN)
        close(lockFD)
    }

    /// Runs `body` in one transaction that is committed when it returns.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.write(body)
    }

    /// Runs `body` in a transaction that is always rolled back: reports close what is still
    /// open as if the input ended now, count it, and leave the state as it was.
    func scratch<T>(_ body: (Database) throws -> T) throws -> T {
        var result: T?
        try queue.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                result = try body(db)
                return .rollback
            }
        }
        return result!
    }

    /// The schema, one migration per version: a state file made by an older ingest is
    /// brought up to date on open, never rebuilt.
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);
                CREATE TABLE runs(id INTEGER PRIMARY KEY, started REAL NOT NULL, seconds REAL NOT NULL,
                    files INTEGER NOT NULL, bytes INTEGER NOT NULL, lines INTEGER NOT NULL, hits INTEGER NOT NULL,
                    malformed INTEGER NOT NULL, first_time INTEGER, last_time INTEGER);
                -- An input is known by a hash of its first decompressed bytes, never by its name.
                CREATE TABLE inputs(id INTEGER PRIMARY KEY, head_len INTEGER NOT NULL, head_hash INTEGER NOT NULL,
                    consumed INTEGER NOT NULL, damaged INTEGER NOT NULL, path TEXT NOT NULL, device INTEGER NOT NULL,
                    inode INTEGER NOT NULL, size INTEGER NOT NULL, tail_hash INTEGER NOT NULL, run INTEGER NOT NULL);
                CREATE INDEX inputs_head ON inputs(head_len, head_hash);
                CREATE TABLE sources(id INTEGER PRIMARY KEY, source TEXT NOT NULL, medium TEXT NOT NULL,
                    campaign TEXT NOT NULL, channel TEXT NOT NULL, UNIQUE(source, medium, campaign));
                -- The rows of traffic.csv and sources.csv, so reports group sessions without a join.
                CREATE TABLE channels(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
                CREATE TABLE source_media(id INTEGER PRIMARY KEY, channel TEXT NOT NULL, source TEXT NOT NULL,
                    medium TEXT NOT NULL, UNIQUE(channel, source, medium));
                CREATE TABLE pages(id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE);
                -- Closed sessions, kept for reports of any range (day = the day it started).
                CREATE TABLE sessions(day INTEGER NOT NULL, visitor INTEGER NOT NULL, channel INTEGER NOT NULL,
                    source_medium INTEGER NOT NULL, duration INTEGER NOT NULL,
                    source INTEGER NOT NULL, page INTEGER NOT NULL, pageviews INTEGER NOT NULL,
                    bounce INTEGER NOT NULL, engaged INTEGER NOT NULL);
                CREATE INDEX sessions_day ON sessions(day);
                -- Sessions as attribution and CRM joins see them, pruned after the lookback window.
                CREATE TABLE touchpoints(visitor INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
                    source INTEGER NOT NULL, page INTEGER NOT NULL, pageviews INTEGER NOT NULL,
                    requests INTEGER NOT NULL, assets INTEGER NOT NULL, client INTEGER NOT NULL, run INTEGER NOT NULL);
                CREATE INDEX touchpoints_visitor ON touchpoints(visitor, start);
                CREATE INDEX touchpoints_client ON touchpoints(client);
                -- Credits of log goals (row 0: a channel's session; 1: (no session)); day = the conversion's.
                CREATE TABLE credits(day INTEGER NOT NULL, model TEXT NOT NULL, goal TEXT NOT NULL, row INTEGER NOT NULL,
                    source INTEGER NOT NULL, page INTEGER NOT NULL, share REAL NOT NULL, value REAL NOT NULL,
                    lead INTEGER NOT NULL DEFAULT 0, standby INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX credits_day ON credits(day);
                -- A goal hit's conversion with a lead id in its URL, until a CRM row of that lead stands for it.
                CREATE INDEX credits_lead ON credits(lead) WHERE lead != 0;
                CREATE INDEX credits_standby ON credits(standby) WHERE standby != 0;
                CREATE TABLE day_counts(day INTEGER PRIMARY KEY, hits INTEGER NOT NULL, bot_hits INTEGER NOT NULL,
                    spam_hits INTEGER NOT NULL, pageviews INTEGER NOT NULL, goal_hits INTEGER NOT NULL,
                    sessionless INTEGER NOT NULL DEFAULT 0);
                CREATE TABLE day_bots(day INTEGER NOT NULL, family TEXT NOT NULL, hits INTEGER NOT NULL, PRIMARY KEY(day, family));
                -- What the last run left open, taken up by the next.
                CREATE TABLE open_sessions(visitor INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
                    source INTEGER NOT NULL, page INTEGER NOT NULL, pageviews INTEGER NOT NULL, goal_hits INTEGER NOT NULL,
                    assets INTEGER NOT NULL, client INTEGER NOT NULL, conversions TEXT NOT NULL,
                    ga4_key INTEGER, landing_time INTEGER, landing_seq INTEGER, goal_events TEXT);
                CREATE TABLE pending_events(time INTEGER NOT NULL, seq INTEGER NOT NULL, visitor INTEGER NOT NULL,
                    origin INTEGER NOT NULL, page INTEGER NOT NULL, kind INTEGER NOT NULL, goals TEXT NOT NULL,
                    client INTEGER NOT NULL, lead INTEGER NOT NULL);
                -- CRM evidence the logs carried: goal hits without a session, lead ids in goal URLs.
                CREATE TABLE sessionless_hits(visitor INTEGER NOT NULL, client INTEGER NOT NULL, time INTEGER NOT NULL);
                CREATE INDEX sessionless_visitor ON sessionless_hits(visitor);
                CREATE INDEX sessionless_client ON sessionless_hits(client);
                CREATE TABLE lead_hits(lead_id TEXT PRIMARY KEY, visitor INTEGER NOT NULL, time INTEGER NOT NULL);
                -- CRM rows, upserted by lead id (or by their content when they have none).
                CREATE TABLE leads(key TEXT PRIMARY KEY, lead_id TEXT, time INTEGER, goal TEXT NOT NULL, value REAL,
                    status TEXT NOT NULL, customer_time INTEGER, bot_agent INTEGER NOT NULL,
                    visitor_key INTEGER, client INTEGER, agent_visitor INTEGER, file TEXT NOT NULL, line INTEGER NOT NULL,
                    fingerprint INTEGER NOT NULL, join_keys INTEGER NOT NULL, lead_hash INTEGER);
                CREATE INDEX leads_lead_hash ON leads(lead_hash);
                -- How a lead joined, once its evidence is complete (settled): never recomputed.
                -- assets_seen: some session of its visitor loaded an asset (so far; updated as they come).
                CREATE TABLE lead_joins(key TEXT PRIMARY KEY, strategy TEXT, visitor INTEGER, time INTEGER,
                    row INTEGER NOT NULL, suspicious INTEGER NOT NULL, first_touch INTEGER, assets_seen INTEGER NOT NULL DEFAULT 0);
                CREATE INDEX lead_joins_visitor ON lead_joins(visitor);
                CREATE TABLE lead_credits(key TEXT NOT NULL, model TEXT NOT NULL, source INTEGER NOT NULL,
                    page INTEGER NOT NULL, share REAL NOT NULL, first_touch INTEGER NOT NULL);
                CREATE INDEX lead_credits_key ON lead_credits(key);
                """)
        }
        // Whether a CRM row's file has a goal/type column: with one, only rows of a lead type
        // are leads (a state made before: as if untyped, until the next export upserts them).
        m.registerMigration("v2") { db in
            try db.execute(sql: "ALTER TABLE leads ADD COLUMN typed INTEGER NOT NULL DEFAULT 0")
        }
        // Journeys (paths.csv, the markov and shapley models): each session's start, for the
        // non-converting journeys of any range, and each log conversion's window, in order, as
        // `source:page` state ids. A state made before has no journeys for its earlier days.
        m.registerMigration("v3") { db in
            try db.execute(sql: """
                ALTER TABLE sessions ADD COLUMN start INTEGER;
                CREATE INDEX sessions_start ON sessions(start);
                CREATE TABLE journeys(day INTEGER NOT NULL, visitor INTEGER NOT NULL, goal TEXT NOT NULL, value REAL NOT NULL,
                    lead INTEGER NOT NULL DEFAULT 0, standby INTEGER NOT NULL DEFAULT 0, touches TEXT NOT NULL);
                CREATE INDEX journeys_day ON journeys(day);
                """)
        }
        return m
    }

    /// One number from the state (for checks and tests).
    func count(_ sql: String) throws -> Int {
        try queue.read { try Int.fetchOne($0, sql: sql) ?? 0 }
    }

    // MARK: settings

    func setSetting(_ key: String, _ value: String, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO settings(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                       arguments: [key, value])
    }
}

extension Database {
    /// Rows one at a time, never all in memory: tables over the whole history are read so.
    func forEachRow(_ sql: String, _ arguments: StatementArguments = [], _ body: (Row) throws -> Void) throws {
        let cursor = try Row.fetchCursor(self, sql: sql, arguments: arguments)
        while let r = try cursor.next() { try body(r) }
    }
}
