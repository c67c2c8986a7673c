import ParleyControl
import ParleyCore
import ParleyStore

// Store types as the control protocol carries them.

extension ControlEvent {
    init(_ event: StoredEvent) {
        self.init(
            sequence: event.sequence, time: Timestamp.iso8601(millis: event.timestampMillis),
            timestampMillis: event.timestampMillis, priority: event.priority.name, kind: event.kind.rawValue,
            source: event.source.rawValue, incident: event.incidentID,
            payload: (try? ControlJSON.parse(event.payload)) ?? .string(event.payload), hash: event.hash)
    }
}

extension ControlIncident {
    init(_ record: IncidentRecord) {
        self.init(
            id: record.id, reference: record.reference, open: record.isOpen,
            openedAt: Timestamp.iso8601(millis: record.openedAt), openedBy: record.openedBy,
            channel: record.contactChannel.rawValue, openingCategory: record.openingCategory,
            grade: record.currentGrade.rawValue, summary: record.summary,
            closedAt: record.closedAt.map { Timestamp.iso8601(millis: $0) }, closedBy: record.closedBy,
            closingCategory: record.closingCategory)
    }
}

extension ControlIncidentDetail {
    init(_ detail: IncidentDetail, events: [StoredEvent]) {
        self.init(
            incident: ControlIncident(detail.incident),
            grades: detail.grades.map {
                GradeChange(grade: $0.grade.rawValue, time: Timestamp.iso8601(millis: $0.at), by: $0.by, reason: $0.reason)
            },
            assessments: detail.assessments.map {
                Assessment(time: Timestamp.iso8601(millis: $0.at), by: $0.by, assessment: $0.assessment)
            },
            eventCount: detail.eventCount, events: events.map(ControlEvent.init))
    }
}

extension ControlChainReport {
    init(_ report: ChainReport) {
        self.init(
            intact: report.intact, checked: report.checked, lastGoodSequence: report.lastGoodSequence,
            firstBadSequence: report.firstBadSequence, problem: report.problem)
    }
}

extension ControlAuditEntry {
    init(_ record: AuditRecord) {
        self.init(
            id: record.id, time: Timestamp.iso8601(millis: record.at), uid: record.entry.peerUID,
            gid: record.entry.peerGID, pid: record.entry.peerPID, role: record.entry.role,
            command: record.entry.command, arguments: record.entry.arguments, outcome: record.entry.outcome.rawValue,
            detail: record.entry.detail)
    }
}

extension StatusResult.Writer {
    init(_ statistics: EventWriter.Statistics) {
        self.init(
            backlog: statistics.backlog, waitingProducers: statistics.waitingProducers,
            committedEvents: statistics.committedEvents, committedBatches: statistics.committedBatches,
            failedBatches: statistics.failedBatches, headSequence: statistics.head.sequence,
            headHash: statistics.head.hash, refusing: statistics.refusing)
    }
}

extension ControlError {
    /// The protocol error for anything a command threw.
    static func from(_ error: any Error) -> ControlError {
        if let error = error as? ControlError { return error }
        if let error = error as? StoreError {
            if error.isNotFound { return .notFound(error.description) }
            if error == .shuttingDown { return .shuttingDown }
            if error.isNotDurable { return .notDurable(error.description) }
            if error.isRetryable { return .storeUnavailable(error.description) }
            return .rejected(error.description)
        }
        return .internal("\(error)")
    }
}

extension UnitResult {
    init(_ record: UnitStatusRecord) {
        self.init(
            issi: record.issi, channel: record.channelID, status: record.status, meaning: record.meaning,
            at: Timestamp.iso8601(millis: record.at))
    }
}

extension EmergencyResult {
    init(_ record: EmergencyRecord) {
        self.init(
            id: record.id, channel: record.channelID, issi: record.issi, source: record.source.rawValue, detail: record.detail,
            raisedAt: Timestamp.iso8601(millis: record.raisedAt), transmission: record.transmissionID,
            acknowledgedAt: record.acknowledgedAt.map { Timestamp.iso8601(millis: $0) }, acknowledgedBy: record.acknowledgedBy)
    }
}
