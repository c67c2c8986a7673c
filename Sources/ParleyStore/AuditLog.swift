import GRDB
import ParleyCore

/// One control command as audited.
public struct AuditEntry: Sendable, Hashable, Codable {
    public enum Outcome: String, Sendable, Hashable, Codable {
        case ok
        case refused
        case error
    }

    public var peerUID: UInt32?
    public var peerGID: UInt32?
    public var peerPID: Int32?
    public var role: Role?
    public var command: String
    /// The request's arguments as canonical JSON.
    public var arguments: String
    public var outcome: Outcome
    public var detail: String

    public init(
        peerUID: UInt32?, peerGID: UInt32?, peerPID: Int32?, role: Role?, command: String, arguments: String,
        outcome: Outcome, detail: String
    ) {
        self.peerUID = peerUID
        self.peerGID = peerGID
        self.peerPID = peerPID
        self.role = role
        self.command = command
        self.arguments = arguments
        self.outcome = outcome
        self.detail = detail
    }
}

/// An audit row as read back.
public struct AuditRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var at: Int64
    public var entry: AuditEntry
}

extension AuditEntry {
    /// Inserts this entry; use inside an `EventWriter` operation so it commits with the command's effect.
    public func insert(_ db: Database, at millis: Int64) throws {
        try db.execute(
            sql: """
                INSERT INTO audit (at, peer_uid, peer_gid, peer_pid, role, command, arguments, result, detail)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                millis, peerUID.map { Int64($0) }, peerGID.map { Int64($0) }, peerPID.map { Int64($0) }, role?.rawValue,
                String(command.prefix(200)), String(arguments.prefix(8192)), outcome.rawValue, String(detail.prefix(2000)),
            ])
    }
}

extension IncidentStore {
    /// The newest audit rows, oldest first.
    public func audit(limit: Int = 100) throws -> [AuditRecord] {
        let limit = max(0, min(limit, 10_000))
        return try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT id, at, peer_uid, peer_gid, peer_pid, role, command, arguments, result, detail
                    FROM audit ORDER BY id DESC LIMIT \(limit)
                    """
            ).map { row in
                let uid: Int64? = row[2]
                let gid: Int64? = row[3]
                let pid: Int64? = row[4]
                let role: String? = row[5]
                let result: String = row[8]
                return AuditRecord(
                    id: row[0], at: row[1],
                    entry: AuditEntry(
                        peerUID: uid.map { UInt32(truncatingIfNeeded: $0) }, peerGID: gid.map { UInt32(truncatingIfNeeded: $0) },
                        peerPID: pid.map { Int32(truncatingIfNeeded: $0) }, role: role.flatMap(Role.init(rawValue:)),
                        command: row[6], arguments: row[7], outcome: AuditEntry.Outcome(rawValue: result) ?? .error,
                        detail: row[9]))
            }.reversed()
        }
    }
}
