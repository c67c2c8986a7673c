import GRDB
import ParleyCore

/// One deaf-text message on a call, as stored: what was received or sent, on which medium,
/// with the raw codes next to the decoded text so a disputed character can be checked.
public struct TextMessageRecord: Sendable, Hashable {
    public enum Direction: String, Sendable, Hashable, Codable {
        case incoming = "in"
        case outgoing = "out"
    }

    public var id: Int64
    public var callID: Int64
    public var direction: Direction
    public var medium: TextMedium
    /// Baudot codes or V.21 bytes as hex, or the SMS PDUs (space separated).
    public var raw: String
    public var text: String
    public var at: Int64
    /// The dispatcher who sent it (outgoing only).
    public var sentBy: String?
    /// False for a concatenated SMS stored after the reassembly timeout with parts missing.
    public var complete: Bool
    public var note: String?

    static let select = "SELECT id, call_id, direction, medium, raw, text, at, sent_by, complete, note FROM text_messages"

    static func decode(_ row: Row) -> TextMessageRecord {
        let direction: String = row[2], medium: String = row[3]
        return TextMessageRecord(
            id: row[0], callID: row[1], direction: Direction(rawValue: direction) ?? .incoming,
            medium: TextMedium(rawValue: medium) ?? .relay, raw: row[4], text: row[5], at: row[6], sentBy: row[7],
            complete: row[8] as Int64 != 0, note: row[9])
    }
}

public enum TextMessageOperations {
    /// Stores one message on a call and records `text.received` or `text.sent`.
    public static func record(
        callID: Int64, direction: TextMessageRecord.Direction, medium: TextMedium, raw: String, text: String,
        sentBy: String? = nil, complete: Bool = true, note: String? = nil
    ) -> EventWriter.Operation<TextMessageRecord> {
        { db, context in
            let call = try CallRecord.require(db, callID)
            try db.execute(
                sql: """
                    INSERT INTO text_messages (call_id, direction, medium, raw, text, at, sent_by, complete, note)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [callID, direction.rawValue, medium.rawValue, raw, text, context.timestampMillis, sentBy, complete ? 1 : 0, note])
            let message = TextMessageRecord(
                id: db.lastInsertedRowID, callID: callID, direction: direction, medium: medium, raw: raw, text: text,
                at: context.timestampMillis, sentBy: sentBy, complete: complete, note: note)
            return (message, [event(message, call: call)])
        }
    }

    static func event(_ message: TextMessageRecord, call: CallRecord) -> EventDraft {
        var payload: [String: JSONValue] = [
            "message": .int(message.id), "call": .int(message.callID), "line": .string(call.lineID),
            "medium": .string(message.medium.rawValue), "text": .string(message.text), "raw": .string(message.raw),
        ]
        if let by = message.sentBy { payload["by"] = .string(by) }
        if let number = call.callerID.number { payload["cli"] = .string(number) }
        if !message.complete { payload["complete"] = .bool(false) }
        if let note = message.note { payload["note"] = .string(note) }
        return EventDraft(
            priority: call.priority, kind: message.direction == .incoming ? "text.received" : "text.sent",
            source: message.direction == .incoming ? .line(call.lineID) : .operator(message.sentBy ?? "unknown"),
            incidentID: call.incidentID, payload: .object(payload))
    }
}

extension IncidentStore {
    /// A call's messages in the order they were stored.
    public func textMessages(callID: Int64) throws -> [TextMessageRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "\(TextMessageRecord.select) WHERE call_id = ? ORDER BY id", arguments: [callID])
                .map(TextMessageRecord.decode)
        }
    }
}
