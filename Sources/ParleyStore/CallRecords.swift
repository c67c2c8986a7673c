import GRDB
import ParleyCore

/// A call (one telephone contact on a line) as stored.
public struct CallRecord: Sendable, Hashable {
    public var id: Int64
    public var lineID: String
    public var service: LineService
    public var contactChannel: ContactChannel
    public var priority: Priority
    public var callerID: CallerID
    public var state: CallState
    public var queuedAt: Int64
    public var answeredAt: Int64?
    public var answeredBy: String?
    public var endedAt: Int64?
    public var endReason: CallEndReason?
    /// How the caller's text arrives, once known (TTY, V.21, SMS, relay).
    public var textMedium: TextMedium?
    public var incidentID: Int64?
    public var recordingPath: String?
    public var recordingSHA256: String?

    static let select = """
        SELECT id, line_id, service, contact_channel, priority, cli, cli_absence, caller_name, network_time, state,
               queued_at, answered_at, answered_by, ended_at, end_reason, text_medium, incident_id, recording_path,
               recording_sha256 FROM calls
        """

    static func decode(_ row: Row) -> CallRecord {
        let service: String = row[2], contact: String = row[3], priority: Int = row[4]
        let absence: String? = row[6], networkTime: String? = row[8], state: String = row[9]
        let endReason: String? = row[14], medium: String? = row[15]
        let callerID = CallerID(
            time: networkTime.flatMap(CallerID.NetworkTime.init(digits:)), number: row[5],
            numberAbsence: absence.flatMap(CallerID.AbsenceReason.init(rawValue:)), name: row[7])
        return CallRecord(
            id: row[0], lineID: row[1], service: LineService(rawValue: service) ?? .admin,
            contactChannel: ContactChannel(rawValue: contact) ?? .other, priority: Priority(rawValue: priority) ?? .routine,
            callerID: callerID, state: CallState(rawValue: state) ?? .ended, queuedAt: row[10], answeredAt: row[11],
            answeredBy: row[12], endedAt: row[13], endReason: endReason.flatMap(CallEndReason.init(rawValue:)),
            textMedium: medium.flatMap(TextMedium.init(rawValue:)), incidentID: row[16], recordingPath: row[17],
            recordingSHA256: row[18])
    }

    static func fetch(_ db: Database, _ id: Int64) throws -> CallRecord? {
        try Row.fetchOne(db, sql: "\(select) WHERE id = ?", arguments: [id]).map(decode)
    }

    static func require(_ db: Database, _ id: Int64) throws -> CallRecord {
        guard let call = try fetch(db, id) else { throw StoreError.notFound("call \(id)") }
        return call
    }
}

/// Writes to `calls`, as `EventWriter` operations: the row and its event commit together.
public enum CallOperations {
    /// A call arrived (ringing, or the first SMS from a number): a `queued` row and `call.queued`.
    public static func queue(
        lineID: String, service: LineService, priority: Priority, callerID: CallerID, textMedium: TextMedium? = nil
    ) -> EventWriter.Operation<CallRecord> {
        { db, context in
            try db.execute(
                sql: """
                    INSERT INTO calls (line_id, service, contact_channel, priority, cli, cli_absence, caller_name, network_time,
                                       state, queued_at, text_medium)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)
                    """,
                arguments: [
                    lineID, service.rawValue, service.contactChannel.rawValue, priority.rawValue, callerID.number,
                    callerID.numberAbsence?.rawValue, callerID.name, callerID.time?.description, context.timestampMillis,
                    textMedium?.rawValue,
                ])
            let call = try CallRecord.require(db, db.lastInsertedRowID)
            return (call, [event(call, kind: "call.queued")])
        }
    }

    /// Records a state change the switchboard's `CallStateMachine` made. `by` is who made it
    /// (nil for changes the line reported); `detail` goes into the event.
    public static func transition(
        _ id: Int64, to state: CallState, by person: String?, endReason: CallEndReason? = nil, detail: [String: JSONValue] = [:]
    ) -> EventWriter.Operation<CallRecord> {
        { db, context in
            let before = try CallRecord.require(db, id)
            guard before.state != .ended else { throw StoreError.invalid("call \(id) has already ended") }
            let now = max(context.timestampMillis, before.queuedAt)
            switch state {
            case .answered:
                try db.execute(
                    sql: "UPDATE calls SET state = 'answered', answered_at = coalesce(answered_at, ?), answered_by = coalesce(answered_by, ?, 'unknown') WHERE id = ?",
                    arguments: [now, person, id])
            case .ended:
                try db.execute(
                    sql: "UPDATE calls SET state = 'ended', ended_at = ?, end_reason = ? WHERE id = ?",
                    arguments: [now, (endReason ?? .hungUp).rawValue, id])
            case .queued, .held, .transferring:
                try db.execute(sql: "UPDATE calls SET state = ? WHERE id = ?", arguments: [state.rawValue, id])
            }
            let call = try CallRecord.require(db, id)
            var extra = detail
            extra["from"] = .string(before.state.rawValue)
            if let person { extra["by"] = .string(person) }
            let kind: EventKind =
                switch (before.state, state) {
                case (.held, .answered): "call.resumed"
                case (.transferring, .answered): "call.transfer_failed"
                default: EventKind(rawValue: "call.\(state.rawValue)")
                }
            return (call, [event(call, kind: kind, extra: extra)])
        }
    }

    /// Links the call and its text to an open incident (id or reference), or unlinks it (nil).
    public static func attach(_ id: Int64, incident idOrReference: String?, by person: String) -> EventWriter.Operation<CallRecord> {
        { db, _ in
            _ = try CallRecord.require(db, id)
            var incidentID: Int64? = nil
            if let idOrReference {
                guard let incident = try IncidentStore.findIncident(db, idOrReference) else {
                    throw StoreError.notFound("incident \(idOrReference)")
                }
                guard incident.closedAt == nil else {
                    throw StoreError.invalid("incident \(incident.reference) is closed; open a new one or attach to another")
                }
                incidentID = incident.id
            }
            try db.execute(sql: "UPDATE calls SET incident_id = ? WHERE id = ?", arguments: [incidentID, id])
            let call = try CallRecord.require(db, id)
            return (call, [event(call, kind: incidentID == nil ? "call.detached" : "call.attached", extra: ["by": .string(person)])])
        }
    }

    /// Caller ID that arrived after the call was queued (between the first and second ring).
    public static func setCallerID(_ id: Int64, _ callerID: CallerID) -> EventWriter.Operation<CallRecord> {
        { db, _ in
            try db.execute(
                sql: "UPDATE calls SET cli = ?, cli_absence = ?, caller_name = ?, network_time = ? WHERE id = ?",
                arguments: [callerID.number, callerID.numberAbsence?.rawValue, callerID.name, callerID.time?.description, id])
            let call = try CallRecord.require(db, id)
            return (call, [event(call, kind: "call.caller_id")])
        }
    }

    /// The call's text medium became known (first TTY/V.21 character decoded on a voice call).
    public static func setTextMedium(_ id: Int64, _ medium: TextMedium) -> EventWriter.Operation<CallRecord> {
        { db, _ in
            try db.execute(sql: "UPDATE calls SET text_medium = ? WHERE id = ?", arguments: [medium.rawValue, id])
            let call = try CallRecord.require(db, id)
            return (call, [event(call, kind: "call.text_detected")])
        }
    }

    /// The call's audio recording is complete.
    public static func setRecording(_ id: Int64, path: String, sha256: String?) -> EventWriter.Operation<CallRecord> {
        { db, _ in
            try db.execute(
                sql: "UPDATE calls SET recording_path = ?, recording_sha256 = ? WHERE id = ?", arguments: [path, sha256, id])
            let call = try CallRecord.require(db, id)
            return (call, [event(call, kind: "call.recorded", extra: ["file": .string(path)])])
        }
    }

    /// On start-up: calls a crash left open end as `line_failed` (their lines were reset).
    public static func endAbandonedByRestart() -> EventWriter.Operation<[CallRecord]> {
        { db, context in
            let open = try Row.fetchAll(db, sql: "\(CallRecord.select) WHERE state <> 'ended' ORDER BY id").map(CallRecord.decode)
            var drafts: [EventDraft] = []
            var ended: [CallRecord] = []
            for call in open {
                try db.execute(
                    sql: "UPDATE calls SET state = 'ended', ended_at = ?, end_reason = 'line_failed' WHERE id = ?",
                    arguments: [max(context.timestampMillis, call.queuedAt), call.id])
                let closed = try CallRecord.require(db, call.id)
                ended.append(closed)
                drafts.append(event(closed, kind: "call.ended", extra: ["from": .string(call.state.rawValue), "detail": .string("parleyd restarted")]))
            }
            return (ended, drafts)
        }
    }

    static func event(_ call: CallRecord, kind: EventKind, extra: [String: JSONValue] = [:]) -> EventDraft {
        var payload: [String: JSONValue] = [
            "call": .int(call.id), "line": .string(call.lineID), "service": .string(call.service.rawValue),
            "priority": .string(call.priority.name), "state": .string(call.state.rawValue),
            "queued_at": .string(Timestamp.iso8601(millis: call.queuedAt)),
        ]
        if let number = call.callerID.number { payload["cli"] = .string(number) }
        if let absence = call.callerID.numberAbsence { payload["cli_absence"] = .string(absence.rawValue) }
        if let name = call.callerID.name { payload["caller_name"] = .string(name) }
        if let by = call.answeredBy { payload["answered_by"] = .string(by) }
        if let reason = call.endReason { payload["end_reason"] = .string(reason.rawValue) }
        if let medium = call.textMedium { payload["text_medium"] = .string(medium.rawValue) }
        for (key, value) in extra { payload[key] = value }
        return EventDraft(
            priority: call.priority, kind: kind, source: .line(call.lineID), incidentID: call.incidentID, payload: .object(payload))
    }
}

extension IncidentStore {
    /// An incident's reference (`PLY-…`) from its id.
    public func incidentReference(_ id: Int64) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT reference FROM incidents WHERE id = ?", arguments: [id]) }
    }

    public func call(_ id: Int64) throws -> CallRecord? {
        try pool.read { db in try CallRecord.fetch(db, id) }
    }

    /// Calls not yet ended, oldest first.
    public func openCalls() throws -> [CallRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "\(CallRecord.select) WHERE state <> 'ended' ORDER BY queued_at, id").map(CallRecord.decode)
        }
    }

    /// The newest `limit` calls on a line (or all lines), newest first.
    public func recentCalls(lineID: String? = nil, limit: Int = 50) throws -> [CallRecord] {
        let limit = max(0, min(limit, 1000))
        return try pool.read { db in
            if let lineID {
                return try Row.fetchAll(
                    db, sql: "\(CallRecord.select) WHERE line_id = ? ORDER BY queued_at DESC, id DESC LIMIT \(limit)",
                    arguments: [lineID]
                ).map(CallRecord.decode)
            }
            return try Row.fetchAll(db, sql: "\(CallRecord.select) ORDER BY queued_at DESC, id DESC LIMIT \(limit)")
                .map(CallRecord.decode)
        }
    }
}
