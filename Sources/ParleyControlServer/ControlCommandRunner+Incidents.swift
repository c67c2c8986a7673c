import ParleyControl
import ParleyCore
import ParleyStore

extension ControlCommandRunner {
    /// Runs an incident-changing command: the change, its events and its audit row commit in
    /// one writer operation, so they are on disk together or not at all.
    func change(_ request: ControlRequest, on context: ConnectionContext, reply: Replier) async throws(ConnectionGone) {
        let person = context.operatorName
        let arguments = JSONValue.object(request.rawArguments).canonicalString
        let command = request.command.rawValue
        let operation: EventWriter.Operation<IncidentRecord>
        let priority: Priority
        switch request.arguments {
        case .incidentsOpen(let open):
            operation = IncidentOperations.open(
                contactChannel: open.channel, category: open.category, grade: open.grade, summary: open.summary,
                by: person)
            priority = open.grade.eventPriority
        case .incidentsGrade(let grade):
            operation = IncidentOperations.grade(grade.incident, to: grade.grade, reason: grade.reason, by: person)
            priority = min(grade.grade.eventPriority, await currentPriority(grade.incident))
        case .incidentsAssess(let assess):
            operation = IncidentOperations.assess(assess.incident, assess.assessment, by: person)
            priority = await currentPriority(assess.incident)
        case .incidentsCategorise(let categorise):
            operation = IncidentOperations.categorise(categorise.incident, category: categorise.category, by: person)
            priority = await currentPriority(categorise.incident)
        case .incidentsClose(let close):
            operation = IncidentOperations.close(close.incident, category: close.category, by: person)
            priority = await currentPriority(close.incident)
        default:
            return try await reply.failure(.internal("\(command) is not an incident change"))
        }
        let entry = context.auditEntry(command, arguments: arguments, .ok, "")
        let outcome: Result<(IncidentRecord, [StoredEvent]), ControlError>
        do {
            outcome = .success(
                try await writer.perform(priority: priority) { db, batch in
                    let (record, drafts) = try operation(db, batch)
                    var entry = entry
                    entry.detail = record.reference
                    try entry.insert(db, at: batch.timestampMillis)
                    return (record, drafts)
                })
        } catch {
            outcome = .failure(ControlError.from(error))
        }
        switch outcome {
        case .success(let (record, events)):
            context.logger.info(
                "Incident changed over the control socket",
                metadata: [
                    "control.command": "\(command)", "incident.id": "\(record.id)",
                    "incident.reference": "\(record.reference)", "operator.name": "\(person)",
                ])
            try await reply.success(IncidentChangeResult(incident: ControlIncident(record), sequences: events.map(\.sequence)))
        case .failure(let problem):
            context.logger.info(
                "Control command failed", metadata: ["control.command": "\(command)", "control.error": "\(problem)"])
            try await reply.failure(problem)
            var failed = entry
            failed.outcome = .error
            failed.detail = problem.description
            await audit(failed, context)
        }
    }

    /// Traffic about an incident is served at its grade's priority; `.priority` when unknown
    /// (the operation itself will then report the missing incident).
    private func currentPriority(_ idOrReference: String) async -> Priority {
        let store = self.store
        let grade = try? await read { try store.incident(idOrReference).incident.currentGrade }
        return grade?.eventPriority ?? .priority
    }
}
