import GRDB
import ParleyCore

/// A transmission (one over-the-air burst on a channel) as stored.
public struct TransmissionRecord: Sendable, Hashable, Codable {
    public enum Direction: String, Sendable, Hashable, Codable {
        case received = "rx"
        case transmitted = "tx"
    }

    public enum Status: String, Sendable, Hashable, Codable {
        /// Squelch open (or keyed) and the file still being written.
        case recording
        case complete
        /// The daemon stopped mid-transmission; completed on restart from the partial file.
        case interrupted
    }

    public var id: Int64
    public var channelID: String
    public var startedAt: Int64
    public var endedAt: Int64?
    public var durationMillis: Int64?
    public var direction: Direction
    /// Who keyed, for transmitted traffic.
    public var transmittedBy: String?
    /// DTMF/5-tone ANI or TETRA ISSI, when known.
    public var talkerID: String?
    public var emergency: Bool
    public var peakDBFS: Double?
    public var rmsDBFS: Double?
    public var filePath: String
    public var fileSHA256: String?
    public var incidentID: Int64?
    public var status: Status

    static let select = """
        SELECT id, channel_id, started_at, ended_at, duration_ms, direction, transmitted_by, talker_id, emergency,
               peak_dbfs, rms_dbfs, file_path, file_sha256, incident_id, status FROM transmissions
        """

    static func decode(_ row: Row) -> TransmissionRecord {
        let direction: String = row[5]
        let status: String = row[14]
        return TransmissionRecord(
            id: row[0], channelID: row[1], startedAt: row[2], endedAt: row[3], durationMillis: row[4],
            direction: Direction(rawValue: direction) ?? .received, transmittedBy: row[6], talkerID: row[7],
            emergency: row[8] as Int64 != 0, peakDBFS: row[9], rmsDBFS: row[10], filePath: row[11], fileSHA256: row[12],
            incidentID: row[13], status: Status(rawValue: status) ?? .interrupted)
    }
}

/// What is known when a transmission ends (or when an interrupted one is completed).
public struct TransmissionSummary: Sendable, Hashable {
    public var endedAt: Int64
    public var durationMillis: Int64
    public var peakDBFS: Double?
    public var rmsDBFS: Double?
    public var fileSHA256: String?
    public var talkerID: String?

    public init(
        endedAt: Int64, durationMillis: Int64, peakDBFS: Double?, rmsDBFS: Double?, fileSHA256: String?,
        talkerID: String? = nil
    ) {
        self.endedAt = endedAt
        self.durationMillis = durationMillis
        self.peakDBFS = peakDBFS
        self.rmsDBFS = rmsDBFS
        self.fileSHA256 = fileSHA256
        self.talkerID = talkerID
    }
}

/// Writes to `transmissions`, as `EventWriter` operations (row and event commit together).
public enum TransmissionOperations {
    /// Squelch opened (or the channel was keyed): a `recording` row and a `radio.transmission_started` event.
    public static func begin(
        channelID: String, startedAt: Int64, direction: TransmissionRecord.Direction, transmittedBy: String?,
        filePath: String, incidentID: Int64?, emergency: Bool
    ) -> EventWriter.Operation<TransmissionRecord> {
        { db, _ in
            try db.execute(
                sql: """
                    INSERT INTO transmissions (channel_id, started_at, direction, transmitted_by, emergency, file_path, incident_id, status)
                    VALUES (?, ?, ?, ?, ?, ?, ?, 'recording')
                    """,
                arguments: [channelID, startedAt, direction.rawValue, transmittedBy, emergency ? 1 : 0, filePath, incidentID])
            let record = TransmissionRecord(
                id: db.lastInsertedRowID, channelID: channelID, startedAt: startedAt, endedAt: nil, durationMillis: nil,
                direction: direction, transmittedBy: transmittedBy, talkerID: nil, emergency: emergency, peakDBFS: nil,
                rmsDBFS: nil, filePath: filePath, fileSHA256: nil, incidentID: incidentID, status: .recording)
            return (record, [event(record, kind: "radio.transmission_started")])
        }
    }

    /// Squelch closed: the row is completed and a `radio.transmission` event carries the metadata.
    public static func finish(_ id: Int64, _ summary: TransmissionSummary) -> EventWriter.Operation<TransmissionRecord> {
        complete(id, summary, status: .complete, kind: "radio.transmission")
    }

    /// On restart: a row left `recording` by a crash is completed from its partial file.
    public static func markInterrupted(_ id: Int64, _ summary: TransmissionSummary) -> EventWriter.Operation<TransmissionRecord> {
        complete(id, summary, status: .interrupted, kind: "radio.transmission_interrupted")
    }

    /// An emergency raised mid-transmission sticks to that transmission.
    public static func markEmergency(_ id: Int64) -> EventWriter.Operation<TransmissionRecord> {
        { db, _ in
            try db.execute(sql: "UPDATE transmissions SET emergency = 1 WHERE id = ?", arguments: [id])
            guard db.changesCount == 1, let record = try fetch(db, id) else {
                throw StoreError.notFound("transmission \(id)")
            }
            return (record, [event(record, kind: "radio.transmission_emergency")])
        }
    }

    private static func complete(
        _ id: Int64, _ summary: TransmissionSummary, status: TransmissionRecord.Status, kind: EventKind
    ) -> EventWriter.Operation<TransmissionRecord> {
        { db, _ in
            guard let current = try fetch(db, id) else { throw StoreError.notFound("transmission \(id)") }
            guard current.status == .recording else {
                throw StoreError.invalid("transmission \(id) is already \(current.status.rawValue)")
            }
            try db.execute(
                sql: """
                    UPDATE transmissions SET ended_at = ?, duration_ms = ?, peak_dbfs = ?, rms_dbfs = ?, file_sha256 = ?,
                        talker_id = coalesce(?, talker_id), status = ?
                    WHERE id = ?
                    """,
                arguments: [
                    max(summary.endedAt, current.startedAt), summary.durationMillis, summary.peakDBFS, summary.rmsDBFS,
                    summary.fileSHA256, summary.talkerID, status.rawValue, id,
                ])
            let record = try fetch(db, id)!
            return (record, [event(record, kind: kind)])
        }
    }

    static func fetch(_ db: Database, _ id: Int64) throws -> TransmissionRecord? {
        try Row.fetchOne(db, sql: "\(TransmissionRecord.select) WHERE id = ?", arguments: [id]).map(TransmissionRecord.decode)
    }

    private static func event(_ record: TransmissionRecord, kind: EventKind) -> EventDraft {
        var payload: [String: JSONValue] = [
            "transmission": .int(record.id), "channel": .string(record.channelID), "direction": .string(record.direction.rawValue),
            "started_at": .string(Timestamp.iso8601(millis: record.startedAt)), "file": .string(record.filePath),
            "emergency": .bool(record.emergency), "status": .string(record.status.rawValue),
        ]
        if let endedAt = record.endedAt { payload["ended_at"] = .string(Timestamp.iso8601(millis: endedAt)) }
        if let duration = record.durationMillis { payload["duration_ms"] = .int(duration) }
        if let peak = record.peakDBFS { payload["peak_dbfs"] = .double((peak * 10).rounded() / 10) }
        if let rms = record.rmsDBFS { payload["rms_dbfs"] = .double((rms * 10).rounded() / 10) }
        if let sha = record.fileSHA256 { payload["file_sha256"] = .string(sha) }
        if let talker = record.talkerID { payload["talker"] = .string(talker) }
        if let by = record.transmittedBy { payload["by"] = .string(by) }
        return EventDraft(
            priority: record.emergency ? .emergency : .routine, kind: kind, source: .channel(record.channelID),
            incidentID: record.incidentID, payload: .object(payload))
    }
}

extension IncidentStore {
    /// The newest `limit` transmissions on a channel, newest first (instant recall).
    public func transmissions(channelID: String, limit: Int = 10) throws -> [TransmissionRecord] {
        let limit = max(0, min(limit, 1000))
        return try pool.read { db in
            try Row.fetchAll(
                db, sql: "\(TransmissionRecord.select) WHERE channel_id = ? ORDER BY started_at DESC, id DESC LIMIT \(limit)",
                arguments: [channelID]
            ).map(TransmissionRecord.decode)
        }
    }

    /// Rows left `recording` (by a crash): to be completed and marked interrupted on start-up.
    public func unfinishedTransmissions() throws -> [TransmissionRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "\(TransmissionRecord.select) WHERE status = 'recording' ORDER BY id")
                .map(TransmissionRecord.decode)
        }
    }

    public func transmission(_ id: Int64) throws -> TransmissionRecord? {
        try pool.read { db in try TransmissionOperations.fetch(db, id) }
    }
}
