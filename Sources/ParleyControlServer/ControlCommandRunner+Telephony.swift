import Logging
import ParleyControl
import ParleyCore

extension ControlCommandRunner {
    /// The answer to every telephony command but `lines` and `calls` when parleyd has no lines.
    static let noTelephony = ControlError.notFound(
        "no telephone lines are configured — add them under lines: in parleyd's configuration and restart parleyd")

    /// Runs `lines`, `calls`, `answer`, `hold`, `hangup`, `transfer`, `text` or `calls.attach`;
    /// returns the audit detail.
    ///
    /// The switchboard writes the call events (`call.answered`, `call.handoff`, `text.sent`, …)
    /// itself, under the operator's name; the command's audit row is written after the response,
    /// like a radio command's. A failed handoff is a successful response (`"outcome":"failed"`)
    /// whose audit detail says so.
    func runTelephony(_ arguments: ControlRequest.Arguments, on context: ConnectionContext, reply: Replier)
        async throws -> String
    {
        switch arguments {
        case .lines:
            let lines = await telephony?.lines() ?? []
            try await reply.success(LinesResult(lines: lines))
            return "\(lines.count) lines"
        case .calls:
            let calls = await telephony?.calls() ?? CallsResult(queue: [], active: [])
            try await reply.success(calls)
            return "\(calls.queue.count) queued, \(calls.active.count) active"
        default:
            break
        }
        guard let telephony else { throw Self.noTelephony }
        let person = context.operatorName
        switch arguments {
        case .answer(let answer):
            let result = try await Self.switchboard { () async throws(TelephonyControlError) in
                try await telephony.answer(call: answer.call, by: person)
            }
            log("Call answered over the control socket", result.call.id, result.call.state, context)
            try await reply.success(result)
            var detail = "call \(result.call.id) \(result.call.state)"
            if let preempted = result.preempted { detail += ", pre-empting call \(preempted)" }
            return detail
        case .hold(let hold):
            let result = try await Self.switchboard { () async throws(TelephonyControlError) in
                try await telephony.hold(call: hold.call, by: person)
            }
            log("Call held over the control socket", result.call.id, result.call.state, context)
            try await reply.success(result)
            return "call \(result.call.id) \(result.call.state)"
        case .hangup(let hangUp):
            let result = try await Self.switchboard { () async throws(TelephonyControlError) in
                try await telephony.hangUp(call: hangUp.call, by: person)
            }
            log("Call hung up over the control socket", result.call.id, result.call.state, context)
            try await reply.success(result)
            return "call \(result.call.id) \(result.call.state)" + (result.call.endReason.map { " (\($0))" } ?? "")
        case .transfer(let transfer):
            let result = try await Self.switchboard { () async throws(TelephonyControlError) in
                try await telephony.transfer(call: transfer.call, transfer.request, by: person)
            }
            log("Call transfer requested over the control socket", result.call, result.outcome, context)
            try await reply.success(result)
            return Self.detail(result)
        case .text(let text):
            let result = try await Self.switchboard { () async throws(TelephonyControlError) in
                try await telephony.sendText(call: text.call, text: text.text, by: person)
            }
            log("Text sent over the control socket", result.call, result.medium, context)
            try await reply.success(result)
            return "message \(result.message) on call \(result.call) by \(result.medium), \(result.text.count) characters"
        case .callsAttach(let attach):
            let result = try await Self.switchboard { () async throws(TelephonyControlError) in
                try await telephony.attach(call: attach.call, incident: attach.incident, by: person)
            }
            try await reply.success(result)
            return result.call.incident.map { "call \(result.call.id) attached to \($0)" }
                ?? "call \(result.call.id) detached"
        default:
            throw ControlError.internal("\(arguments) reached the telephony handler")
        }
    }

    /// Runs a switchboard call, turning its failure into the protocol error.
    private static func switchboard<T>(_ body: () async throws(TelephonyControlError) -> T) async throws(ControlError)
        -> T
    {
        do {
            return try await body()
        } catch {
            throw error.controlError
        }
    }

    private func log(_ message: Logger.Message, _ call: Int64, _ outcome: String, _ context: ConnectionContext) {
        context.logger.info(
            message,
            metadata: ["call.id": "\(call)", "call.outcome": "\(outcome)", "operator.name": "\(context.operatorName)"])
    }

    /// `handoff 5: blind transfer of call 12 to Ambulance (01632960000), requested`, with
    /// `person`, and the detail of a failure.
    static func detail(_ result: HandoffResult) -> String {
        var target = result.toAgency
        if let person = result.toPerson { target = "\(person), \(target)" }
        var detail =
            "handoff \(result.handoff): \(result.type) transfer of call \(result.call) to \(target) (\(result.number)), "
            + result.outcome
        if let reason = result.detail { detail += ": \(reason)" }
        return detail
    }
}
