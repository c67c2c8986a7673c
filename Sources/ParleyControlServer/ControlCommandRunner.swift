import Logging
import NIOCore
import NIOPosix
import ParleyControl
import ParleyCore
import ParleyStore

/// What a command knows about the connection it runs on.
struct ConnectionContext: Sendable {
    let peer: PeerCredentials
    let role: Role?
    let operatorName: String
    let session: ControlSession
    let logger: Logger

    func auditEntry(_ command: String, arguments: String, _ outcome: AuditEntry.Outcome, _ detail: String) -> AuditEntry {
        AuditEntry(
            peerUID: peer.uid, peerGID: peer.gid, peerPID: peer.pid, role: role, command: command,
            arguments: arguments, outcome: outcome, detail: detail)
    }
}

/// The peer stopped listening: the connection is closed or reset.
struct ConnectionGone: Error {}

/// Writes the messages that answer one request.
struct Replier: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let id: ControlRequestID?

    func success<Result: Encodable>(_ result: Result) async throws(ConnectionGone) {
        let line: [UInt8]
        do {
            line = try ControlMessage.success(id: id, result: result)
        } catch {
            return try await failure(.internal("cannot encode the result: \(error)"))
        }
        try await write(line)
    }

    func failure(_ error: ControlError) async throws(ConnectionGone) {
        try await write(ControlMessage.failure(id: id, error))
    }

    func stream<Data: Encodable>(_ kind: ControlStreamKind, _ data: Data) async throws(ConnectionGone) {
        guard let line = try? ControlMessage.stream(id: id, kind: kind, data: data) else { return }
        try await write(line)
    }

    /// Several messages with one flush (a page of `tail`); still waits for writability.
    func write(lines: [[UInt8]]) async throws(ConnectionGone) {
        guard !lines.isEmpty else { return }
        do {
            try await outbound.write(contentsOf: lines.map { ByteBuffer(bytes: $0) })
        } catch {
            throw ConnectionGone()
        }
    }

    func write(_ line: [UInt8]) async throws(ConnectionGone) {
        do {
            // Suspends while the channel is not writable: a slow reader holds up only itself.
            try await outbound.write(ByteBuffer(bytes: line))
        } catch {
            throw ConnectionGone()
        }
    }
}

/// Runs commands against the store, the writer and the daemon's hooks, and audits each one.
struct ControlCommandRunner: Sendable {
    let settings: ControlServerSettings
    let store: IncidentStore
    let writer: EventWriter
    let commands: ControlCommandTable
    let reload: @Sendable () async throws -> String
    let daemonStatus: @Sendable () async -> JSONValue
    let connectionCount: @Sendable () -> Int
    /// The radio channels; nil when parleyd has none (`channels` is then empty, the other
    /// radio commands `not_found`).
    var radio: (any RadioControl)? = nil
    /// The telephone lines and call queue; nil when parleyd has none (`lines` and `calls` are
    /// then empty, the other telephony commands `not_found`).
    var telephony: (any TelephonyControl)? = nil

    /// Runs `request` and writes its response; throws only when the peer is gone.
    func run(_ request: ControlRequest, on context: ConnectionContext, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>)
        async throws(ConnectionGone)
    {
        let reply = Replier(outbound: outbound, id: request.id)
        let arguments = JSONValue.object(request.rawArguments).canonicalString
        let command = request.command.rawValue
        switch request.arguments {
        case .incidentsOpen, .incidentsGrade, .incidentsAssess, .incidentsCategorise, .incidentsClose:
            return try await change(request, on: context, reply: reply)
        case .tail(let tail):
            let started = context.auditEntry(command, arguments: arguments, .ok, "tail started")
            return try await self.tail(tail, on: context, reply: reply) { await audit(started, context) }
        default:
            break
        }
        let detail: String
        do {
            detail = try await answer(request, on: context, reply: reply)
        } catch let error as ConnectionGone {
            throw error
        } catch {
            let problem = ControlError.from(error)
            context.logger.info(
                "Control command failed", metadata: ["control.command": "\(command)", "control.error": "\(problem)"])
            try await reply.failure(problem)
            await audit(context.auditEntry(command, arguments: arguments, .error, problem.description), context)
            return
        }
        await audit(context.auditEntry(command, arguments: arguments, .ok, detail), context)
    }

    /// Sends the refusal and audits it.
    func refuse(_ refusal: ControlSessionStateMachine.Refusal, on context: ConnectionContext,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) async throws(ConnectionGone)
    {
        context.logger.notice(
            "Control request refused",
            metadata: ["control.command": "\(refusal.command)", "control.error": "\(refusal.error.code)"])
        try await Replier(outbound: outbound, id: refusal.id).failure(refusal.error)
        await audit(
            context.auditEntry(refusal.command, arguments: refusal.arguments, .refused, refusal.error.description), context)
    }

    /// Writes an audit row on its own (reads and refusals). A failure is logged, not fatal:
    /// engineers need `status` most when the store cannot write.
    func audit(_ entry: AuditEntry, _ context: ConnectionContext) async {
        do {
            _ = try await writer.perform(priority: .admin) { db, batch in
                try entry.insert(db, at: batch.timestampMillis)
                return ((), [])
            }
        } catch {
            context.logger.warning(
                "Control audit row not written",
                metadata: ["control.command": "\(entry.command)", "store.error": "\(error)"])
        }
    }

    /// Reads happen on NIO's blocking pool: SQLite calls must not hold up the event loops or the
    /// cooperative pool.
    func read<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive(body)
    }

    /// The telephone lines for `status`: how many, how many down, bad input across them.
    private func linesSummary() async -> StatusResult.Lines? {
        guard let lines = await telephony?.lines(), !lines.isEmpty else { return nil }
        return StatusResult.Lines(
            configured: lines.count, down: lines.filter { $0.state == "down" }.count, badInput: lines.reduce(0) { $0 + $1.badInput })
    }

    // MARK: Answers

    /// Runs a command that answers once; returns the audit detail.
    private func answer(_ request: ControlRequest, on context: ConnectionContext, reply: Replier) async throws -> String {
        switch request.arguments {
        case .hello(let hello):
            guard let role = context.role else { throw ControlError.noRole(uid: context.peer.uid, gid: context.peer.gid) }
            try await reply.success(
                HelloResult(
                    daemonVersion: settings.daemonVersion, role: role, uid: context.peer.uid, gid: context.peer.gid,
                    pid: context.peer.pid, operatorName: context.operatorName,
                    commands: commands.commands(allowedFor: role).map(\.rawValue)))
            return hello.client.map { "client \($0)" } ?? ""
        case .status:
            let daemon = await daemonStatus()
            let statistics = writer.statistics
            let store = self.store
            let counts = try await read { try store.counts() }
            try await reply.success(
                StatusResult(
                    daemon: daemon, writer: StatusResult.Writer(statistics),
                    store: StatusResult.Store(
                        path: store.path, events: counts.events, incidents: counts.incidents,
                        openIncidents: counts.openIncidents, auditRows: counts.auditRows,
                        synchronous: store.options.synchronous.rawValue),
                    control: StatusResult.Control(socket: settings.socketPath, connections: connectionCount()),
                    lines: await linesSummary()))
            return ""
        case .events(let query):
            let result = try await events(query)
            try await reply.success(result)
            return "\(result.events.count) events"
        case .audit(let query):
            let store = self.store
            let limit = Int(query.limit)
            let entries = try await read { try store.audit(limit: limit) }
            try await reply.success(AuditResult(entries: entries.map(ControlAuditEntry.init)))
            return "\(entries.count) rows"
        case .verify(let verify):
            let report = try await self.verify(verify, reply: reply)
            try await reply.success(report)
            return report.intact
                ? "intact, \(report.checked) events" : "broken at \(report.firstBadSequence ?? 0): \(report.problem ?? "")"
        case .incidentsList(let list):
            let store = self.store
            let (openOnly, limit) = (list.openOnly, Int(list.limit))
            let incidents = try await read { try store.incidents(openOnly: openOnly, limit: limit) }
            try await reply.success(IncidentsListResult(incidents: incidents.map(ControlIncident.init)))
            return "\(incidents.count) incidents"
        case .incidentsShow(let show):
            let store = self.store
            let reference = show.incident
            let (detail, events) = try await read {
                let detail = try store.incident(reference)
                let events = try store.events(matching: EventFilter(incidentID: detail.incident.id), limit: 1000)
                return (detail, events)
            }
            try await reply.success(ControlIncidentDetail(detail, events: events))
            return detail.incident.reference
        case .channels, .key, .unkey, .recall, .recallPlay, .recallExport, .channelsAttach, .sds:
            return try await runRadio(request.arguments, on: context, reply: reply)
        case .lines, .calls, .answer, .hold, .hangup, .transfer, .text, .callsAttach:
            return try await runTelephony(request.arguments, on: context, reply: reply)
        case .units, .emergencies, .ack:
            return try await runSignalling(request.arguments, on: context, reply: reply)
        case .reload:
            let message: String
            do {
                message = try await reload()
            } catch {
                throw ControlError.reloadFailed("\(error)")
            }
            context.logger.info("Configuration reloaded over the control socket", metadata: ["control.reload": "\(message)"])
            try await reply.success(ReloadResult(message: message))
            return message
        case .tail, .incidentsOpen, .incidentsGrade, .incidentsAssess, .incidentsCategorise, .incidentsClose:
            throw ControlError.internal("\(request.command) reached the wrong handler")
        }
    }

    private func events(_ query: EventsArguments) async throws -> EventsResult {
        var filter = EventFilter(
            afterSequence: query.afterSequence, since: query.since, until: query.until, kind: query.criteria.kind,
            source: query.criteria.source, atLeastPriority: query.criteria.priority)
        if let incident = query.incident {
            filter.incidentID = try await incidentID(incident)
        }
        let store = self.store
        let limit = Int(query.limit)
        let newestFirst = !query.oldestFirst
        let found = try await read { [filter] in
            try store.events(matching: filter, limit: limit + 1, newestFirst: newestFirst)
        }
        let more = found.count > limit
        let page = newestFirst ? Array(found.suffix(limit)) : Array(found.prefix(limit))
        return EventsResult(events: page.map(ControlEvent.init), more: more)
    }

    /// A numeric id as is; a reference looked up.
    func incidentID(_ idOrReference: String) async throws -> Int64 {
        if let id = Int64(idOrReference) { return id }
        let store = self.store
        return try await read { try store.incident(idOrReference).incident.id }
    }
}
