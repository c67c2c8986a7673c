import GRDB
import GRDBSQLite
import ParleyCore

/// A prepared INSERT of `rows` events in one statement, bound through the SQLite C API. The
/// writer keeps two per batch: one row at a time, and 16 rows at a time for a batch's run of
/// events hashed ahead (`BatchChain.insertHashed`), which then costs one statement step per 16
/// events rather than per event.
///
/// This is the writer's hot path: GRDB's `StatementArguments` box every value in an existential,
/// which at 100k+ events/s costs more than SQLite itself. The statement lives for one batch
/// transaction and is finalized when released.
final class EventInsertStatement {
    let rows: Int
    private let handle: OpaquePointer
    private let connection: OpaquePointer

    /// The columns of one row, in the order `bind(row:…)` binds them.
    private static let columns = "sequence, recorded_at, priority, kind, source, incident_id, payload, previous_hash, hash"
    private static let columnCount = 9

    init(_ db: Database, rows: Int = 1) throws {
        precondition(rows > 0)
        guard let connection = db.sqliteConnection else {
            throw DatabaseError(resultCode: .SQLITE_MISUSE, message: "database connection is closed")
        }
        let row = "(" + Array(repeating: "?", count: Self.columnCount).joined(separator: ", ") + ")"
        let sql = "INSERT INTO events (\(Self.columns)) VALUES " + Array(repeating: row, count: rows).joined(separator: ", ")
        var statement: OpaquePointer?
        let code = sqlite3_prepare_v2(connection, sql, -1, &statement, nil)
        guard code == SQLITE_OK, let statement else {
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(connection)))
        }
        self.rows = rows
        self.handle = statement
        self.connection = connection
    }

    /// Binds row `row` of the next step.
    ///
    /// Each text is bound in place (`SQLITE_STATIC`, with its length) rather than copied by
    /// SQLite (`SQLITE_TRANSIENT`): the writer hands over bytes it already holds, so nothing is
    /// allocated or copied per text. They must stay valid until `step()`.
    func bind(
        row: Int, sequence: Int64, recordedAt: Int64, priority: Priority, kind: UnsafeBufferPointer<UInt8>,
        source: UnsafeBufferPointer<UInt8>, incidentID: Int64?, payload: UnsafeBufferPointer<UInt8>,
        previousHash: UnsafeBufferPointer<UInt8>, hash: UnsafeBufferPointer<UInt8>
    ) {
        precondition(row < rows)
        let base = Int32(row * Self.columnCount)
        if row == 0 { sqlite3_reset(handle) }
        sqlite3_bind_int64(handle, base + 1, sequence)
        sqlite3_bind_int64(handle, base + 2, recordedAt)
        bindInPlace(base + 3, EventChain.priorityNames[priority.rawValue])
        bindInPlace(base + 4, kind)
        bindInPlace(base + 5, source)
        if let incidentID { sqlite3_bind_int64(handle, base + 6, incidentID) } else { sqlite3_bind_null(handle, base + 6) }
        bindInPlace(base + 7, payload)
        bindInPlace(base + 8, previousHash)
        bindInPlace(base + 9, hash)
    }

    /// Inserts the rows bound, and clears the bindings (texts bound in place are only valid for
    /// this step); throws SQLite's error if the insert did not finish.
    func step() throws {
        let code = sqlite3_step(handle)
        sqlite3_clear_bindings(handle)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(connection))
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }

    private func bindInPlace(_ index: Int32, _ text: UnsafeBufferPointer<UInt8>) {
        guard let base = text.baseAddress, !text.isEmpty else {
            // Not reached (every column is checked non-empty on entry), but an empty buffer may
            // have no address: let SQLite copy an empty text.
            sqlite3_bind_text(handle, index, "", 0, unsafeBitCast(-1, to: sqlite3_destructor_type.self))
            return
        }
        sqlite3_bind_text(handle, index, UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self), Int32(text.count), nil)
    }

    deinit {
        sqlite3_finalize(handle)
    }
}
