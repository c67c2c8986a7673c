import Foundation
import GRDB
import Logging
import ParleyCore

/// How the store's SQLite file is opened.
public struct StoreOptions: Sendable, Equatable {
    /// `FULL` makes each commit durable against power loss; `NORMAL` only against a crash of parleyd.
    public enum Synchronous: String, Sendable, Equatable {
        case full
        case normal

        /// The `PRAGMA synchronous` keyword, and the number SQLite reports back for it.
        var pragma: (keyword: String, value: Int) { self == .full ? ("FULL", 2) : ("NORMAL", 1) }
    }

    public var synchronous: Synchronous
    /// Cap on the file size in MiB (SQLite `max_page_count`); nil for no cap. A store at its cap
    /// refuses writes exactly as a full disk does.
    public var maxSizeMiB: Int?
    /// Open without the ability to write (offline `verify`, queries on a copy).
    public var readOnly: Bool

    public init(synchronous: Synchronous = .full, maxSizeMiB: Int? = nil, readOnly: Bool = false) {
        self.synchronous = synchronous
        self.maxSizeMiB = maxSizeMiB
        self.readOnly = readOnly
    }
}

/// The incident store: one SQLite file (WAL), owned by one `DatabasePool`.
///
/// All writes go through an `EventWriter`, which owns the hash chain; this facade offers the
/// read side (queries, chain verification) and opens/migrates the file.
public struct IncidentStore: Sendable {
    public let path: String

    /// WAL pages after which SQLite checkpoints inside the commit that crosses the mark, when
    /// no `EventWriter` runs (SQLite's default is 1,000), and the mark at which a writer
    /// without its background checkpointer checkpoints between commits. A running writer
    /// turns SQLite's in-commit checkpoint off (`EventWriter.installWALHook`) and copies the
    /// WAL back beside its commits (`WALCheckpointer`). Measured with `parley-bench store` at a
    /// sustained 20,000 events/s, before the WAL was synced in every commit: each in-commit
    /// checkpoint held up the events behind it, so smaller ones made a shorter tail (200
    /// pages: p99 2.9–6.3 ms; 1,000: 6.2–11.5 ms; 4,000: 27–33 ms; 16,384: 128–145 ms).
    static let walBackstopPages = 200
    let pool: DatabasePool
    public let options: StoreOptions
    private let lock: StoreLock?

    /// Opens (creating and migrating if needed) the store at `path`.
    public static func open(path: String, options: StoreOptions = StoreOptions()) throws -> IncidentStore {
        var configuration = Configuration()
        configuration.readonly = options.readOnly
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(5)
        configuration.label = "parley-store"
        let maxPages: Int? = options.maxSizeMiB.map { $0 * 1024 * 1024 / 4096 }
        let readOnly = options.readOnly
        configuration.prepareDatabase { db in
            if !readOnly {
                // SQLite's in-commit checkpoint, for when no event writer runs: a running
                // writer checkpoints beside its commits (`WALCheckpointer`).
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.walBackstopPages)")
                try db.execute(sql: "PRAGMA journal_size_limit = \(16 * 1024 * 1024)")
            }
            if let maxPages {
                _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(max(maxPages, 8))")
            }
        }
        if options.readOnly {
            guard FileManager.default.fileExists(atPath: path) else {
                throw StoreError.openFailed(path: path, reason: "no such file")
            }
        } else {
            let directory = (path as NSString).deletingLastPathComponent
            if !directory.isEmpty {
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
        }
        let lock = options.readOnly ? nil : try StoreLock(storePath: path)
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
        } catch {
            throw StoreError.openFailed(path: path, reason: "\(error)")
        }
        if !options.readOnly {
            try applySynchronous(options.synchronous, to: pool, path: path)
            do {
                let migrator = Migrations.migrator
                if try pool.read({ try migrator.hasBeenSuperseded($0) }) {
                    let applied = try pool.read { try migrator.appliedIdentifiers($0) }
                    throw StoreError.schemaTooNew(found: applied.sorted().joined(separator: ","))
                }
                try migrator.migrate(pool)
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError.openFailed(path: path, reason: "migration failed: \(error)")
            }
        }
        return IncidentStore(path: path, pool: pool, options: options, lock: lock)
    }

    /// Sets the writer connection's `synchronous` mode and reads it back. Not in
    /// `prepareDatabase`: GRDB's `DatabasePool` turns WAL on after it and sets its writer to
    /// `NORMAL` then, which would leave every commit durable only against a crash of parleyd,
    /// not a power loss, whatever the configuration says. The writer is the pool's one
    /// connection that writes (readers never commit), and it stays open, so setting it once
    /// holds; a running `EventWriter` of a `full` store sets it to `NORMAL` and syncs the WAL
    /// itself before acknowledging (`WALSync`), then sets it back when it stops. Public for
    /// `parley-bench`'s raw SQLite phase, which opens its own pool.
    public static func applySynchronous(_ mode: StoreOptions.Synchronous, to pool: DatabasePool, path: String) throws {
        let applied: Int?
        do {
            applied = try pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = \(mode.pragma.keyword)")
                return try Int.fetchOne(db, sql: "PRAGMA synchronous")
            }
        } catch {
            throw StoreError.openFailed(path: path, reason: "could not set synchronous = \(mode.rawValue): \(error)")
        }
        guard applied == mode.pragma.value else {
            throw StoreError.openFailed(
                path: path, reason: "synchronous = \(mode.rawValue) did not hold (SQLite reports \(applied.map(String.init) ?? "nothing"))")
        }
    }

    /// The chain head as recorded by the last committed batch.
    public func anchor() throws -> ChainHead {
        try pool.read { db in try Self.readAnchor(db) }
    }

    static func readAnchor(_ db: Database) throws -> ChainHead {
        if let row = try Row.fetchOne(db, sql: "SELECT last_sequence, last_hash FROM chain_anchor WHERE id = 1") {
            return ChainHead(sequence: row[0], hash: row[1])
        }
        return .genesis
    }

    /// The last event actually present in the log (may differ from `anchor()` only if tampered).
    public func lastEvent() throws -> StoredEvent? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "\(EventRow.select) ORDER BY sequence DESC LIMIT 1").map(EventRow.decode)
        }
    }

    /// Changes the size cap at run time (e.g. after an engineer frees space or raises the limit).
    public func setMaxSizeMiB(_ mib: Int?) async throws {
        let pages = mib.map { max($0 * 1024 * 1024 / 4096, 8) } ?? 1_073_741_823
        try await pool.barrierWriteWithoutTransaction { db in
            _ = try Int.fetchOne(db, sql: "PRAGMA max_page_count = \(pages)")
        }
    }

    /// Runs a WAL checkpoint and closes the file. Call after the writer has stopped.
    public func close() throws {
        if !options.readOnly {
            _ = try? pool.writeWithoutTransaction { db in try db.checkpoint(.truncate) }
        }
        try pool.close()
        lock?.release()
    }
}

/// Reading `events` rows.
enum EventRow {
    static let select = """
        SELECT sequence, recorded_at, priority, kind, source, incident_id, payload, previous_hash, hash FROM events
        """

    static func decode(_ row: Row) -> StoredEvent {
        let priorityName: String = row[2]
        return StoredEvent(
            sequence: row[0], timestampMillis: row[1],
            priority: Priority(name: priorityName) ?? .routine,
            kind: EventKind(rawValue: row[3]), source: EventSource(rawValue: row[4]),
            incidentID: row[5], payload: row[6], previousHash: row[7], hash: row[8])
    }
}
