import GRDB
import ParleyCore

/// Which events to read: all conditions must hold.
public struct EventFilter: Sendable, Equatable, Codable {
    /// Only events with a sequence number above this.
    public var afterSequence: Int64?
    /// Recorded at or after this UTC millisecond.
    public var since: Int64?
    /// Recorded before this UTC millisecond.
    public var until: Int64?
    /// Kind equals this, or starts with it followed by `.` (`incident` matches `incident.opened`).
    public var kind: String?
    /// Source equals this, or starts with it followed by `:` (`channel` matches `channel:north`).
    public var source: String?
    /// At least this urgent (`priority` means emergency and priority).
    public var atLeastPriority: Priority?
    public var incidentID: Int64?

    public init(
        afterSequence: Int64? = nil, since: Int64? = nil, until: Int64? = nil, kind: String? = nil,
        source: String? = nil, atLeastPriority: Priority? = nil, incidentID: Int64? = nil
    ) {
        self.afterSequence = afterSequence
        self.since = since
        self.until = until
        self.kind = kind
        self.source = source
        self.atLeastPriority = atLeastPriority
        self.incidentID = incidentID
    }

    /// The same test `sql` applies, for events already in memory.
    public func matches(_ event: StoredEvent) -> Bool {
        if let afterSequence, event.sequence <= afterSequence { return false }
        if let since, event.timestampMillis < since { return false }
        if let until, event.timestampMillis >= until { return false }
        if let kind, event.kind.rawValue != kind, !event.kind.rawValue.hasPrefix(kind + ".") { return false }
        if let source, event.source.rawValue != source, !event.source.rawValue.hasPrefix(source + ":") { return false }
        if let atLeastPriority, event.priority > atLeastPriority { return false }
        if let incidentID, event.incidentID != incidentID { return false }
        return true
    }

    var sql: (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let afterSequence {
            clauses.append("sequence > ?")
            arguments += [afterSequence]
        }
        if let since {
            clauses.append("recorded_at >= ?")
            arguments += [since]
        }
        if let until {
            clauses.append("recorded_at < ?")
            arguments += [until]
        }
        if let kind {
            clauses.append("(kind = ? OR substr(kind, 1, ?) = ?)")
            arguments += [kind, kind.utf8.count + 1, kind + "."]
        }
        if let source {
            clauses.append("(source = ? OR substr(source, 1, ?) = ?)")
            arguments += [source, source.utf8.count + 1, source + ":"]
        }
        if let atLeastPriority {
            let names = Priority.allCases.filter { $0 <= atLeastPriority }.map { "'\($0.name)'" }
            clauses.append("priority IN (\(names.joined(separator: ",")))")
        }
        if let incidentID {
            clauses.append("incident_id = ?")
            arguments += [incidentID]
        }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), arguments)
    }
}

extension IncidentStore {
    /// Events matching `filter`, in sequence order, at most `limit`.
    /// With `newestFirst`, the newest `limit` matching events (still returned oldest first).
    public func events(matching filter: EventFilter, limit: Int = 1000, newestFirst: Bool = false) throws -> [StoredEvent] {
        let (whereClause, arguments) = filter.sql
        let order = newestFirst ? "DESC" : "ASC"
        let limit = max(0, min(limit, 100_000))
        let rows = try pool.read { db in
            try Row.fetchAll(
                db, sql: "\(EventRow.select)\(whereClause) ORDER BY sequence \(order) LIMIT \(limit)", arguments: arguments)
        }
        let events = rows.map(EventRow.decode)
        return newestFirst ? events.reversed() : events
    }

    /// The event with this sequence number.
    public func event(sequence: Int64) throws -> StoredEvent? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "\(EventRow.select) WHERE sequence = ?", arguments: [sequence]).map(EventRow.decode)
        }
    }

    /// Row counts for `status`.
    public func counts() throws -> (events: Int64, incidents: Int64, openIncidents: Int64, auditRows: Int64) {
        try pool.read { db in
            let events = try Int64.fetchOne(db, sql: "SELECT coalesce(max(sequence), 0) FROM events") ?? 0
            let incidents = try Int64.fetchOne(db, sql: "SELECT count(*) FROM incidents") ?? 0
            let open = try Int64.fetchOne(db, sql: "SELECT count(*) FROM incidents WHERE closed_at IS NULL") ?? 0
            let audit = try Int64.fetchOne(db, sql: "SELECT coalesce(max(id), 0) FROM audit") ?? 0
            return (events, incidents, open, audit)
        }
    }
}
