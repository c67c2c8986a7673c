import GRDB
import ParleyCore

// TETRA radio units and their signalling, as stored (migration v5-radio-signalling): each
// unit's latest status, short data received and sent, and emergencies raised by units.

/// A unit's latest SDS status.
public struct UnitStatusRecord: Sendable, Hashable {
    /// The unit's ISSI (24-bit).
    public var issi: Int64
    /// The channel (TETRA terminal) it was heard on.
    public var channelID: String
    /// The 16-bit status value.
    public var status: Int
    /// What the value means in this force's status list (config), when it is listed.
    public var meaning: String?
    public var at: Int64

    static let select = "SELECT issi, channel_id, status, meaning, at FROM unit_statuses"

    static func decode(_ row: Row) -> UnitStatusRecord {
        UnitStatusRecord(issi: row[0], channelID: row[1], status: row[2], meaning: row[3], at: row[4])
    }
}

/// One short data message, status or text, received from or sent to a unit.
public struct SDSMessageRecord: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case status, text
    }

    public var id: Int64
    public var channelID: String
    public var direction: TextMessageRecord.Direction
    /// The unit: the sender of an incoming message, the recipient of an outgoing one.
    public var issi: Int64
    public var kind: Kind
    public var status: Int?
    public var text: String?
    /// The message as the terminal carried it (hex).
    public var raw: String
    public var at: Int64
    public var sentBy: String?

    static let select = "SELECT id, channel_id, direction, issi, kind, status, text, raw, at, sent_by FROM sds_messages"

    static func decode(_ row: Row) -> SDSMessageRecord {
        let direction: String = row[2], kind: String = row[4]
        return SDSMessageRecord(
            id: row[0], channelID: row[1], direction: TextMessageRecord.Direction(rawValue: direction) ?? .incoming, issi: row[3],
            kind: Kind(rawValue: kind) ?? .text, status: row[5], text: row[6], raw: row[7], at: row[8], sentBy: row[9])
    }
}

/// An emergency raised by a unit; open until a dispatcher acknowledges it.
public struct EmergencyRecord: Sendable, Hashable {
    public enum Source: String, Sendable, Hashable, Codable {
        /// An emergency call from the unit (`+CTICN` with emergency priority).
        case call
        /// An emergency status value (SDS).
        case status
        /// The emergency flag on a transmission (`+CTXG` with emergency priority).
        case transmission
    }

    public var id: Int64
    public var channelID: String
    public var issi: Int64?
    public var source: Source
    public var detail: String?
    public var raisedAt: Int64
    /// The transmission going on when it was raised, which carries the emergency flag too.
    public var transmissionID: Int64?
    public var acknowledgedAt: Int64?
    public var acknowledgedBy: String?

    public var isOpen: Bool { acknowledgedAt == nil }

    static let select = """
        SELECT id, channel_id, issi, source, detail, raised_at, transmission_id, acknowledged_at, acknowledged_by FROM emergencies
        """

    static func decode(_ row: Row) -> EmergencyRecord {
        let source: String = row[3]
        return EmergencyRecord(
            id: row[0], channelID: row[1], issi: row[2], source: Source(rawValue: source) ?? .call, detail: row[4], raisedAt: row[5],
            transmissionID: row[6], acknowledgedAt: row[7], acknowledgedBy: row[8])
    }
}

public enum RadioSignallingOperations {
    /// A unit's status: kept as its latest and, when it changed (or is the first heard), an
    /// event `unit.status`. Returns the record and whether it changed.
    public static func unitStatus(
        channelID: String, issi: Int64, status: Int, meaning: String?, priority: Priority = .routine
    ) -> EventWriter.Operation<(UnitStatusRecord, changed: Bool)> {
        { db, context in
            let previous = try Row.fetchOne(db, sql: "\(UnitStatusRecord.select) WHERE issi = ?", arguments: [issi])
                .map(UnitStatusRecord.decode)
            let record = UnitStatusRecord(issi: issi, channelID: channelID, status: status, meaning: meaning, at: context.timestampMillis)
            try db.execute(
                sql: """
                    INSERT INTO unit_statuses (issi, channel_id, status, meaning, at) VALUES (?, ?, ?, ?, ?)
                    ON CONFLICT (issi) DO UPDATE SET channel_id = excluded.channel_id, status = excluded.status,
                        meaning = excluded.meaning, at = excluded.at
                    """,
                arguments: [issi, channelID, status, meaning, context.timestampMillis])
            guard previous?.status != status || previous?.channelID != channelID else { return ((record, false), []) }
            var payload: [String: JSONValue] = [
                "channel": .string(channelID), "issi": .int(issi), "status": .int(Int64(status)),
            ]
            if let meaning { payload["meaning"] = .string(meaning) }
            if let previous { payload["previous"] = .int(Int64(previous.status)) }
            return ((record, true), [EventDraft(priority: priority, kind: "unit.status", source: .channel(channelID), payload: .object(payload))])
        }
    }

    /// One short data message received or sent: a row and `sds.received` / `sds.sent`.
    public static func sds(
        channelID: String, direction: TextMessageRecord.Direction, issi: Int64, kind: SDSMessageRecord.Kind, status: Int? = nil,
        text: String? = nil, raw: String, sentBy: String? = nil, priority: Priority = .routine
    ) -> EventWriter.Operation<SDSMessageRecord> {
        { db, context in
            try db.execute(
                sql: """
                    INSERT INTO sds_messages (channel_id, direction, issi, kind, status, text, raw, at, sent_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [channelID, direction.rawValue, issi, kind.rawValue, status, text, raw, context.timestampMillis, sentBy])
            let record = SDSMessageRecord(
                id: db.lastInsertedRowID, channelID: channelID, direction: direction, issi: issi, kind: kind, status: status, text: text,
                raw: raw, at: context.timestampMillis, sentBy: sentBy)
            var payload: [String: JSONValue] = [
                "message": .int(record.id), "channel": .string(channelID), "issi": .int(issi), "type": .string(kind.rawValue),
                "raw": .string(raw),
            ]
            if let status { payload["status"] = .int(Int64(status)) }
            if let text { payload["text"] = .string(text) }
            if let sentBy { payload["by"] = .string(sentBy) }
            let draft = EventDraft(
                priority: priority, kind: direction == .incoming ? "sds.received" : "sds.sent",
                source: direction == .incoming ? .channel(channelID) : .operator(sentBy ?? "unknown"), payload: .object(payload))
            return (record, [draft])
        }
    }

    /// A unit raised an emergency: a row (open) and `emergency.raised` at emergency priority.
    /// While the same unit's emergency on the same channel is still open, a repeat (its status,
    /// its call and the call's transmission usually come together) adds no row: it is an event
    /// `emergency.repeated` on the open one, which is returned.
    public static func raiseEmergency(
        channelID: String, issi: Int64?, source: EmergencyRecord.Source, detail: String?, transmissionID: Int64? = nil
    ) -> EventWriter.Operation<EmergencyRecord> {
        { db, context in
            if let issi, let open = try Row.fetchOne(
                db, sql: "\(EmergencyRecord.select) WHERE channel_id = ? AND issi = ? AND acknowledged_at IS NULL ORDER BY id LIMIT 1",
                arguments: [channelID, issi]
            ).map(EmergencyRecord.decode) {
                var draft = event(open, kind: "emergency.repeated", source: .channel(channelID))
                if case .object(var payload) = draft.payload {
                    payload["repeated_source"] = .string(source.rawValue)
                    if let detail { payload["repeated_detail"] = .string(detail) }
                    if let transmissionID { payload["repeated_transmission"] = .int(transmissionID) }
                    draft.payload = .object(payload)
                }
                return (open, [draft])
            }
            try db.execute(
                sql: """
                    INSERT INTO emergencies (channel_id, issi, source, detail, raised_at, transmission_id) VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [channelID, issi, source.rawValue, detail, context.timestampMillis, transmissionID])
            let record = EmergencyRecord(
                id: db.lastInsertedRowID, channelID: channelID, issi: issi, source: source, detail: detail,
                raisedAt: context.timestampMillis, transmissionID: transmissionID)
            return (record, [event(record, kind: "emergency.raised", source: .channel(channelID))])
        }
    }

    /// A dispatcher acknowledges an open emergency. Refused (`notFound` / `invalid`) for an
    /// unknown id or one already acknowledged, naming who did it.
    public static func acknowledgeEmergency(_ id: Int64, by person: String) -> EventWriter.Operation<EmergencyRecord> {
        { db, context in
            guard var record = try Row.fetchOne(db, sql: "\(EmergencyRecord.select) WHERE id = ?", arguments: [id]).map(EmergencyRecord.decode)
            else { throw StoreError.notFound("emergency \(id)") }
            if let by = record.acknowledgedBy {
                throw StoreError.invalid("emergency \(id) was already acknowledged by \(by)")
            }
            let at = max(context.timestampMillis, record.raisedAt)
            try db.execute(
                sql: "UPDATE emergencies SET acknowledged_at = ?, acknowledged_by = ? WHERE id = ?", arguments: [at, person, id])
            record.acknowledgedAt = at
            record.acknowledgedBy = person
            return (record, [event(record, kind: "emergency.acknowledged", source: .operator(person))])
        }
    }

    static func event(_ record: EmergencyRecord, kind: EventKind, source: EventSource) -> EventDraft {
        var payload: [String: JSONValue] = [
            "emergency": .int(record.id), "channel": .string(record.channelID), "source": .string(record.source.rawValue),
        ]
        if let issi = record.issi { payload["issi"] = .int(issi) }
        if let detail = record.detail { payload["detail"] = .string(detail) }
        if let transmission = record.transmissionID { payload["transmission"] = .int(transmission) }
        if let by = record.acknowledgedBy { payload["by"] = .string(by) }
        return EventDraft(priority: .emergency, kind: kind, source: source, payload: .object(payload))
    }
}

extension IncidentStore {
    /// Every unit heard, with its latest status, by ISSI.
    public func unitStatuses() throws -> [UnitStatusRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "\(UnitStatusRecord.select) ORDER BY issi").map(UnitStatusRecord.decode)
        }
    }

    /// Emergencies not yet acknowledged, oldest first.
    public func openEmergencies() throws -> [EmergencyRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "\(EmergencyRecord.select) WHERE acknowledged_at IS NULL ORDER BY id").map(EmergencyRecord.decode)
        }
    }

    public func emergency(_ id: Int64) throws -> EmergencyRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "\(EmergencyRecord.select) WHERE id = ?", arguments: [id]).map(EmergencyRecord.decode)
        }
    }

    /// Short data exchanged with a unit (or with every unit), newest last.
    public func sdsMessages(issi: Int64? = nil, limit: Int = 100) throws -> [SDSMessageRecord] {
        try pool.read { db in
            let rows = if let issi {
                try Row.fetchAll(db, sql: "\(SDSMessageRecord.select) WHERE issi = ? ORDER BY id DESC LIMIT ?", arguments: [issi, limit])
            } else {
                try Row.fetchAll(db, sql: "\(SDSMessageRecord.select) ORDER BY id DESC LIMIT ?", arguments: [limit])
            }
            return rows.map(SDSMessageRecord.decode).reversed()
        }
    }
}
