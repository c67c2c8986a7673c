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

    /// The WHERE clause. Time bounds become sequence bounds (`recorded_at` never decreases
    /// along the chain), so a time range reads only its own rows; the `recorded_at` tests stay
    /// as the exact condition.
    func sql(in db: Database) throws -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let afterSequence {
            clauses.append("sequence > ?")
            arguments += [afterSequence]
        }
        if let since {
            clauses.append("sequence >= ? AND recorded_at >= ?")
            arguments += [try Self.firstSequence(recordedAtOrAfter: since, in: db), since]
        }
        if let until {
            clauses.append("sequence < ? AND recorded_at < ?")
            arguments += [try Self.firstSequence(recordedAtOrAfter: until, in: db), until]
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

    /// The first sequence recorded at or after `millis` (one past the last event if none):
    /// a binary search over the primary key, about 25 lookups for 30 million events.
    static func firstSequence(recordedAtOrAfter millis: Int64, in db: Database) throws -> Int64 {
        let last = try Int64.fetchOne(db, sql: "SELECT max(sequence) FROM events") ?? 0
        var low: Int64 = 1
        var high = last + 1
        while low < high {
            let middle = low + (high - low) / 2
            // The first row at or after `middle` (rows are contiguous unless tampered with).
            guard let row = try Row.fetchOne(
                db, sql: "SELECT sequence, recorded_at FROM events WHERE sequence >= ? ORDER BY sequence LIMIT 1",
                arguments: [middle])
            else {
                high = middle
                continue
            }
            let (sequence, recordedAt): (Int64, Int64) = (row[0], row[1])
            if recordedAt >= millis {
                high = middle
            } else {
                low = sequence + 1
            }
        }
        return low
    }
}

extension IncidentStore {
    /// Events matching `filter`, in sequence order, at most `limit`.
    /// With `newestFirst`, the newest `limit` matching events (still returned oldest first).
    public func events(matching filter: EventFilter, limit: Int = 1000, newestFirst: Bool = false) throws -> [StoredEvent] {
        let order = newestFirst ? "DESC" : "ASC"
        let limit = max(0, min(limit, 100_000))
        let rows = try pool.read { db in
            let (whereClause, arguments) = try filter.sql(in: db)
            return try Row.fetchAll(
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
