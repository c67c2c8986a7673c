import Crypto
import GRDB
import ParleyCore

/// One SMS part as read from a modem, as stored in the ledger (`sms_parts`).
public struct SMSPartRecord: Sendable, Hashable {
    public var id: Int64
    public var lineID: String
    /// SHA-256 of the PDU hex (upper case): the part's identity on its line.
    public var pduSHA256: String
    public var pdu: String
    public var receivedAt: Int64
    public var sender: String?
    /// The message the part became part of, once stored.
    public var messageID: Int64?
    /// Why the PDU could not be decoded, if it could not.
    public var problem: String?

    static let select = "SELECT id, line_id, pdu_sha256, pdu, received_at, sender, message_id, problem FROM sms_parts"

    static func decode(_ row: Row) -> SMSPartRecord {
        SMSPartRecord(
            id: row[0], lineID: row[1], pduSHA256: row[2], pdu: row[3], receivedAt: row[4], sender: row[5], messageID: row[6],
            problem: row[7])
    }

    /// The identity a PDU has in the ledger.
    public static func identity(ofPDU pdu: String) -> String {
        SHA256.hash(data: Array(pdu.uppercased().utf8)).map { byte in
            let digits = Array("0123456789abcdef")
            return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
        }.joined()
    }
}

/// What storing a part did: `isNew` is false when the ledger already had it (read again after a
/// crash between commit and delete) — either way the modem may now delete it.
public struct SMSPartReceipt: Sendable, Hashable {
    public var part: SMSPartRecord
    public var isNew: Bool
}

/// A reassembled SMS message to store on its sender's conversation.
public struct SMSMessageDraft: Sendable, Hashable {
    public var lineID: String
    public var service: LineService
    public var priority: Priority
    public var sender: CallerID
    public var text: String
    /// The ledger rows it was assembled from.
    public var partIDs: [Int64]
    /// False when stored after the reassembly timeout with parts missing.
    public var complete: Bool
    public var note: String?

    public init(
        lineID: String, service: LineService, priority: Priority, sender: CallerID, text: String, partIDs: [Int64],
        complete: Bool, note: String? = nil
    ) {
        self.lineID = lineID
        self.service = service
        self.priority = priority
        self.sender = sender
        self.text = text
        self.partIDs = partIDs
        self.complete = complete
        self.note = note
    }
}

public enum SMSOperations {
    /// Commits one part read from the modem (before the modem deletes it). A part the ledger
    /// already holds is not stored again. `problem` marks a PDU that could not be decoded: it
    /// is kept raw and recorded as `sms.undecodable`.
    public static func recordPart(lineID: String, pdu: String, sender: String?, problem: String? = nil)
        -> EventWriter.Operation<SMSPartReceipt>
    {
        { db, context in
            let identity = SMSPartRecord.identity(ofPDU: pdu)
            try db.execute(
                sql: """
                    INSERT OR IGNORE INTO sms_parts (line_id, pdu_sha256, pdu, received_at, sender, problem)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [lineID, identity, pdu, context.timestampMillis, sender, problem])
            let isNew = db.changesCount == 1
            guard
                let part = try Row.fetchOne(
                    db, sql: "\(SMSPartRecord.select) WHERE line_id = ? AND pdu_sha256 = ?", arguments: [lineID, identity]
                ).map(SMSPartRecord.decode)
            else { throw StoreError.notFound("SMS part \(identity)") }
            guard isNew else { return (SMSPartReceipt(part: part, isNew: false), []) }
            var payload: [String: JSONValue] = [
                "line": .string(lineID), "part": .int(part.id), "pdu_sha256": .string(identity),
            ]
            if let sender { payload["sender"] = .string(sender) }
            if let problem {
                payload["problem"] = .string(problem)
                payload["pdu"] = .string(String(pdu.prefix(128)))
            }
            let event = EventDraft(
                priority: .routine, kind: problem == nil ? "sms.part_stored" : "sms.undecodable", source: .line(lineID),
                payload: .object(payload))
            return (SMSPartReceipt(part: part, isNew: true), [event])
        }
    }

    /// Stores a reassembled message on the sender's open conversation on the line (a new call,
    /// queued, when there is none) and marks its parts as used.
    public static func storeMessage(_ draft: SMSMessageDraft) -> EventWriter.Operation<(CallRecord, TextMessageRecord)> {
        { db, context in
            var drafts: [EventDraft] = []
            let existing = try Row.fetchOne(
                db,
                sql: "\(CallRecord.select) WHERE line_id = ? AND state <> 'ended' AND cli IS ? ORDER BY id DESC LIMIT 1",
                arguments: [draft.lineID, draft.sender.number]
            ).map(CallRecord.decode)
            let call: CallRecord
            if let existing, draft.sender.number != nil {
                call = existing
            } else {
                let (queued, events) = try CallOperations.queue(
                    lineID: draft.lineID, service: draft.service, priority: draft.priority, callerID: draft.sender,
                    textMedium: .sms)(db, context)
                call = queued
                drafts += events
            }
            let pdus = try draft.partIDs.compactMap { id in
                try String.fetchOne(db, sql: "SELECT pdu FROM sms_parts WHERE id = ?", arguments: [id])
            }
            let (message, events) = try TextMessageOperations.record(
                callID: call.id, direction: .incoming, medium: .sms, raw: pdus.joined(separator: " "), text: draft.text,
                complete: draft.complete, note: draft.note)(db, context)
            drafts += events
            for id in draft.partIDs {
                try db.execute(sql: "UPDATE sms_parts SET message_id = ? WHERE id = ?", arguments: [message.id, id])
            }
            return ((call, message), drafts)
        }
    }
}

extension IncidentStore {
    /// Parts committed but not yet part of a stored message (a restart lost the reassembler's
    /// memory of them): fed back into reassembly on start-up.
    public func pendingSMSParts(lineID: String) throws -> [SMSPartRecord] {
        try pool.read { db in
            try Row.fetchAll(
                db, sql: "\(SMSPartRecord.select) WHERE line_id = ? AND message_id IS NULL AND problem IS NULL ORDER BY id",
                arguments: [lineID]
            ).map(SMSPartRecord.decode)
        }
    }

    public func smsParts(lineID: String) throws -> [SMSPartRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "\(SMSPartRecord.select) WHERE line_id = ? ORDER BY id", arguments: [lineID])
                .map(SMSPartRecord.decode)
        }
    }
}
