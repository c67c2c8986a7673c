import GRDB
import GRDBSQLite
import ParleyCore

/// The prepared INSERT of one event, bound through the SQLite C API (a batch's run of plain
/// events goes in 16 at a time through `EventMultiInsertStatement`).
///
/// This is the writer's hot path: GRDB's `StatementArguments` box every value in an existential,
/// which at 100k+ events/s costs more than SQLite itself. The statement lives for one batch
/// transaction and is finalized when released.
final class EventInsertStatement {
    private let handle: OpaquePointer
    private let connection: OpaquePointer

    static let sql = """
        INSERT INTO events (sequence, recorded_at, priority, kind, source, incident_id, payload, previous_hash, hash)
        VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
        """

    init(_ db: Database) throws {
        guard let connection = db.sqliteConnection else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "database connection is closed")
        }
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, Self.sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
        }
        self.handle = statement
        self.connection = connection
    }

    /// Binds each text in place (`SQLITE_STATIC`, with its length) for the one step that reads
    /// it, rather than having SQLite copy it (`SQLITE_TRANSIENT`): the writer hands over bytes it
    /// already holds, so nothing is allocated or copied per text.
    func insert(
        sequence: Int64, recordedAt: Int64, priority: Priority, kind: UnsafeBufferPointer<UInt8>,
        source: UnsafeBufferPointer<UInt8>, incidentID: Int64?, payload: UnsafeBufferPointer<UInt8>,
        previousHash: UnsafeBufferPointer<UInt8>, hash: UnsafeBufferPointer<UInt8>
    ) throws {
        sqlite3_reset(handle)
        sqlite3_bind_int64(handle, 1, sequence)
        sqlite3_bind_int64(handle, 2, recordedAt)
        if let incidentID {
            sqlite3_bind_int64(handle, 6, incidentID)
        } else {
            sqlite3_bind_null(handle, 6)
        }
        bindInPlace(handle, 3, EventChain.priorityTexts[priority.rawValue])
        bindInPlace(handle, 4, kind)
        bindInPlace(handle, 5, source)
        bindInPlace(handle, 7, payload)
        bindInPlace(handle, 8, previousHash)
        bindInPlace(handle, 9, hash)
        try stepOnce(handle, on: connection)
    }

    deinit {
        sqlite3_finalize(handle)
    }
}

/// One prepared INSERT of `rows` events at once: a batch's run of hashed events goes in with a
/// statement step per `rows` events rather than per event.
final class EventMultiInsertStatement {
    let rows: Int
    private let handle: OpaquePointer
    private let connection: OpaquePointer

    init(_ db: Database, rows: Int) throws {
        guard let connection = db.sqliteConnection else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "database connection is closed")
        }
        let values = (0..<rows).map { _ in "(?, ?, ?, ?, ?, ?, ?, ?, ?)" }.joined(separator: ", ")
        let sql = "INSERT INTO events (sequence, recorded_at, priority, kind, source, incident_id, payload, previous_hash, hash) VALUES \(values)"
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
        }
        self.rows = rows
        self.handle = statement
        self.connection = connection
    }

    /// Binds row `row` (texts in place: they must stay valid until `step`).
    func bind(
        row: Int, sequence: Int64, recordedAt: Int64, priority: Priority, kind: UnsafeBufferPointer<UInt8>,
        source: UnsafeBufferPointer<UInt8>, incidentID: Int64?, payload: UnsafeBufferPointer<UInt8>,
        previousHash: UnsafeBufferPointer<UInt8>, hash: UnsafeBufferPointer<UInt8>
    ) {
        let base = Int32(row * 9)
        if row == 0 { sqlite3_reset(handle) }
        sqlite3_bind_int64(handle, base + 1, sequence)
        sqlite3_bind_int64(handle, base + 2, recordedAt)
        bindInPlace(handle, base + 3, EventChain.priorityTexts[priority.rawValue])
        bindInPlace(handle, base + 4, kind)
        bindInPlace(handle, base + 5, source)
        if let incidentID { sqlite3_bind_int64(handle, base + 6, incidentID) } else { sqlite3_bind_null(handle, base + 6) }
        bindInPlace(handle, base + 7, payload)
        bindInPlace(handle, base + 8, previousHash)
        bindInPlace(handle, base + 9, hash)
    }

    func step() throws {
        try stepOnce(handle, on: connection)
    }

    deinit {
        sqlite3_finalize(handle)
    }
}

/// Binds `text` without a copy (`SQLITE_STATIC`, with its length): it must stay valid until the
/// statement's next step, and `stepOnce` clears it after that step.
private func bindInPlace(_ statement: OpaquePointer, _ index: Int32, _ text: UnsafeBufferPointer<UInt8>) {
    guard let base = text.baseAddress, !text.isEmpty else {
        // Not reached (every column is checked non-empty on entry), but an empty buffer may
        // have no address: let SQLite copy an empty text.
        sqlite3_bind_text(statement, index, "", 0, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
        return
    }
    sqlite3_bind_text(statement, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(text.count), nil)
}

/// Steps an INSERT once and clears its bindings (texts bound in place are only valid for this
/// step); throws SQLite's error if it did not finish.
private func stepOnce(_ statement: OpaquePointer, on connection: OpaquePointer) throws {
    let code = sqlite3_step(statement)
    sqlite3_clear_bindings(statement)
    guard code == SQLITE_DONE else {
        let message = String(cString: sqlite3_errmsg(connection))
        sqlite3_reset(statement)
        throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
    }
}
