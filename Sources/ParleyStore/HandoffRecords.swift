import GRDB
import ParleyCore

/// A call or incident passed on to another person or agency, as stored.
public struct HandoffRecord: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case blind, attended, conference, relay
    }

    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        /// Asked for; the line is dialling.
        case requested
        /// The far end is on the line with the dispatcher (attended, conference, relay).
        case connected
        case completed
        case failed
    }

    /// Who handed over and who to.
    public struct Party: Sendable, Hashable {
        public var person: String?
        public var agency: String
        public init(person: String?, agency: String) {
            self.person = person
            self.agency = agency
        }
    }

    public var id: Int64
    public var callID: Int64?
    public var incidentID: Int64?
    public var at: Int64
    public var kind: Kind
    public var from: Party
    public var to: Party
    /// The number dialled, when the handoff went over a line.
    public var number: String?
    public var cli: String?
    public var ownReference: String?
    public var partnerReference: String?
    public var outcome: Outcome
    public var detail: String?
    public var outcomeAt: Int64

    static let select = """
        SELECT id, call_id, incident_id, at, type, from_person, from_agency, to_person, to_agency, number, cli,
               own_reference, partner_reference, outcome, detail, outcome_at FROM handoffs
        """

    static func decode(_ row: Row) -> HandoffRecord {
        let kind: String = row[4], outcome: String = row[13]
        return HandoffRecord(
            id: row[0], callID: row[1], incidentID: row[2], at: row[3], kind: Kind(rawValue: kind) ?? .blind,
            from: Party(person: row[5], agency: row[6]), to: Party(person: row[7], agency: row[8]), number: row[9],
            cli: row[10], ownReference: row[11], partnerReference: row[12], outcome: Outcome(rawValue: outcome) ?? .failed,
            detail: row[14], outcomeAt: row[15])
    }

    static func require(_ db: Database, _ id: Int64) throws -> HandoffRecord {
        guard let record = try Row.fetchOne(db, sql: "\(select) WHERE id = ?", arguments: [id]).map(decode) else {
            throw StoreError.notFound("handoff \(id)")
        }
        return record
    }
}

/// What a dispatcher asked for when handing a call on.
public struct HandoffRequest: Sendable, Hashable {
    public var kind: HandoffRecord.Kind
    public var number: String?
    public var to: HandoffRecord.Party
    public var ownReference: String?
    public var partnerReference: String?

    public init(kind: HandoffRecord.Kind, number: String?, to: HandoffRecord.Party, ownReference: String?, partnerReference: String?) {
        self.kind = kind
        self.number = number
        self.to = to
        self.ownReference = ownReference
        self.partnerReference = partnerReference
    }
}

public enum HandoffOperations {
    /// A handoff of `callID` was asked for: a `requested` row and `handoff.requested`. The own
    /// reference defaults to the call's incident reference.
    public static func request(callID: Int64, _ request: HandoffRequest, from: HandoffRecord.Party)
        -> EventWriter.Operation<HandoffRecord>
    {
        { db, context in
            let call = try CallRecord.require(db, callID)
            var ownReference = request.ownReference
            if ownReference == nil, let incidentID = call.incidentID {
                ownReference = try String.fetchOne(db, sql: "SELECT reference FROM incidents WHERE id = ?", arguments: [incidentID])
            }
            try db.execute(
                sql: """
                    INSERT INTO handoffs (call_id, incident_id, at, type, from_person, from_agency, to_person, to_agency, number, cli,
                                          own_reference, partner_reference, outcome, outcome_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'requested', ?)
                    """,
                arguments: [
                    callID, call.incidentID, context.timestampMillis, request.kind.rawValue, from.person, from.agency,
                    request.to.person, request.to.agency, request.number, call.callerID.number, ownReference,
                    request.partnerReference, context.timestampMillis,
                ])
            let handoff = try HandoffRecord.require(db, db.lastInsertedRowID)
            return (handoff, [event(handoff, priority: call.priority, kind: "handoff.requested")])
        }
    }

    /// The line reported how the handoff went.
    public static func settle(_ id: Int64, outcome: HandoffRecord.Outcome, detail: String?) -> EventWriter.Operation<HandoffRecord> {
        { db, context in
            let before = try HandoffRecord.require(db, id)
            guard before.outcome == .requested || before.outcome == .connected else {
                throw StoreError.invalid("handoff \(id) is already \(before.outcome.rawValue)")
            }
            try db.execute(
                sql: "UPDATE handoffs SET outcome = ?, detail = ?, outcome_at = ? WHERE id = ?",
                arguments: [outcome.rawValue, detail, max(context.timestampMillis, before.at), id])
            let handoff = try HandoffRecord.require(db, id)
            let priority = try before.callID.flatMap { try CallRecord.fetch(db, $0)?.priority } ?? .routine
            return (handoff, [event(handoff, priority: priority, kind: EventKind(rawValue: "handoff.\(outcome.rawValue)"))])
        }
    }

    static func event(_ handoff: HandoffRecord, priority: Priority, kind: EventKind) -> EventDraft {
        var payload: [String: JSONValue] = [
            "handoff": .int(handoff.id), "type": .string(handoff.kind.rawValue), "outcome": .string(handoff.outcome.rawValue),
            "from_agency": .string(handoff.from.agency), "to_agency": .string(handoff.to.agency),
            "at": .string(Timestamp.iso8601(millis: handoff.at)),
        ]
        if let call = handoff.callID { payload["call"] = .int(call) }
        if let person = handoff.from.person { payload["from_person"] = .string(person) }
        if let person = handoff.to.person { payload["to_person"] = .string(person) }
        if let number = handoff.number { payload["number"] = .string(number) }
        if let cli = handoff.cli { payload["cli"] = .string(cli) }
        if let own = handoff.ownReference { payload["own_reference"] = .string(own) }
        if let partner = handoff.partnerReference { payload["partner_reference"] = .string(partner) }
        if let detail = handoff.detail { payload["detail"] = .string(detail) }
        let source: EventSource = handoff.from.person.map { .operator($0) } ?? .system
        return EventDraft(priority: priority, kind: kind, source: source, incidentID: handoff.incidentID, payload: .object(payload))
    }
}

extension IncidentStore {
    public func handoffs(callID: Int64) throws -> [HandoffRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "\(HandoffRecord.select) WHERE call_id = ? ORDER BY id", arguments: [callID])
                .map(HandoffRecord.decode)
        }
    }
}
