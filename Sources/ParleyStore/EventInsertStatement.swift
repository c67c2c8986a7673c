import GRDB
import GRDBSQLite
import ParleyCore

/// The one prepared INSERT for the event log, bound through the SQLite C API.
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

    /// SQLite copies bound text immediately (`SQLITE_TRANSIENT`), so Swift's temporary C strings are safe.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    func insert(
        sequence: Int64, recordedAt: Int64, priority: Priority, kind: String, source: String, incidentID: Int64?,
        payload: String, previousHash: String, hash: String
    ) throws {
        sqlite3_reset(handle)
        sqlite3_bind_int64(handle, 1, sequence)
        sqlite3_bind_int64(handle, 2, recordedAt)
        sqlite3_bind_text(handle, 3, priority.name, -1, Self.transient)
        sqlite3_bind_text(handle, 4, kind, -1, Self.transient)
        sqlite3_bind_text(handle, 5, source, -1, Self.transient)
        if let incidentID {
            sqlite3_bind_int64(handle, 6, incidentID)
        } else {
            sqlite3_bind_null(handle, 6)
        }
        sqlite3_bind_text(handle, 7, payload, -1, Self.transient)
        sqlite3_bind_text(handle, 8, previousHash, -1, Self.transient)
        sqlite3_bind_text(handle, 9, hash, -1, Self.transient)
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(connection))
            sqlite3_reset(handle)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message)
        }
    }

    deinit {
        sqlite3_finalize(handle)
    }
}
