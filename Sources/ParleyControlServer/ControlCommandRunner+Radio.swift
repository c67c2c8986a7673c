import Logging
import ParleyControl
import ParleyCore

extension ControlCommandRunner {
    /// The answer to every radio command but `channels` when parleyd has no channels.
    static let noRadio = ControlError.notFound(
        "no radio channels are configured — add them under channels: in parleyd's configuration and restart parleyd")

    /// Runs `channels`, `key`, `unkey`, `recall`, `recall.play` or `recall.export`; returns the
    /// audit detail.
    ///
    /// The channel set writes the radio events (`radio.key`, `radio.key_refused`, …) itself;
    /// the command's audit row is written after the response, like a read's. A refused key is a
    /// successful response (`"outcome":"refused"`) whose audit detail says `refused: <reason>`.
    func runRadio(_ arguments: ControlRequest.Arguments, on context: ConnectionContext, reply: Replier)
        async throws -> String
    {
        if case .channels = arguments {
            let channels = await radio?.channels() ?? []
            try await reply.success(ChannelsResult(channels: channels))
            return "\(channels.count) channels"
        }
        guard let radio else { throw Self.noRadio }
        // Keyings are made and released under the same identity as the operator's other events.
        let identity = EventSource.operator(context.operatorName).rawValue
        switch arguments {
        case .key(let key):
            let keyer = Keyer(id: identity, priority: key.priority)
            let result = try await Self.channelSet { () async throws(RadioControlError) in
                try await radio.key(channel: key.channel, keyer: keyer, for: key.duration)
            }
            log("Radio key requested over the control socket", key.channel, result.outcome, context)
            try await reply.success(result)
            return Self.detail(result, keyer: keyer)
        case .unkey(let unkey):
            let result = try await Self.channelSet { () async throws(RadioControlError) in
                try await radio.unkey(channel: unkey.channel, requester: identity, force: unkey.force)
            }
            log("Radio unkey requested over the control socket", unkey.channel, result.outcome, context)
            try await reply.success(result)
            return Self.detail(result, forced: unkey.force)
        case .sds(let sds):
            let result = try await Self.channelSet { () async throws(RadioControlError) in
                try await radio.sendSDS(channel: sds.channel, issi: sds.issi, text: sds.text, by: context.operatorName)
            }
            context.logger.info(
                "Text sent to a radio unit over the control socket",
                metadata: ["channel.id": "\(result.channel)", "unit.issi": "\(result.issi)", "operator.name": "\(context.operatorName)"])
            try await reply.success(result)
            return "to \(result.issi) on \(result.channel)"
        case .recall(let recall):
            let result = try await Self.channelSet { () async throws(RadioControlError) in
                try await radio.recall(channel: recall.channel, limit: Int(recall.limit))
            }
            try await reply.success(result)
            return "\(result.transmissions.count) transmissions on \(result.channel)"
        case .recallPlay(let play):
            let result = try await Self.channelSet { () async throws(RadioControlError) in
                try await radio.play(transmission: play.id)
            }
            try await reply.success(result)
            return "\(result.outcome) #\(result.id) to \(result.target)"
        case .channelsAttach(let attach):
            let result = try await Self.channelSet { () async throws(RadioControlError) in
                try await radio.attach(channel: attach.channel, incident: attach.incident, by: context.operatorName)
            }
            try await reply.success(result)
            return result.incident.map { "\(result.channel) attached to \($0)" } ?? "\(result.channel) detached"
        case .recallExport(let export):
            let result = try await Self.channelSet { () async throws(RadioControlError) in
                try await radio.export(transmission: export.id, to: export.path)
            }
            try await reply.success(result)
            return "\(result.outcome) #\(result.id) to \(result.target)"
        default:
            throw ControlError.internal("\(arguments) reached the radio handler")
        }
    }

    /// Runs a channel-set call, turning its failure into the protocol error.
    private static func channelSet<T>(_ body: () async throws(RadioControlError) -> T) async throws(ControlError) -> T {
        do {
            return try await body()
        } catch {
            throw error.controlError
        }
    }

    private func log(_ message: Logger.Message, _ channel: String, _ outcome: String, _ context: ConnectionContext) {
        context.logger.info(
            message,
            metadata: [
                "channel.id": "\(channel)", "radio.outcome": "\(outcome)", "operator.name": "\(context.operatorName)",
            ])
    }

    /// `keyed north as operator:alice (dispatcher) for 30.0 s, preempting operator:bob`, or
    /// `refused: floor_held, held by operator:bob (emergency)`.
    static func detail(_ result: KeyResult, keyer: Keyer) -> String {
        guard result.outcome == "keyed" else {
            var detail = "\(result.outcome): \(result.reason ?? "no reason given")"
            if let holder = result.holder {
                detail += ", held by \(holder)"
                if let priority = result.holderPriority { detail += " (\(priority))" }
            }
            return detail
        }
        var detail = "keyed \(result.channel) as \(keyer)"
        if let seconds = result.seconds { detail += " for \(seconds) s" }
        if let preempted = result.preempted { detail += ", preempting \(preempted)" }
        return detail
    }

    /// `unkeyed north after 4.2 s (forced)`, or `refused: held by operator:bob` /
    /// `refused: not keyed`.
    static func detail(_ result: UnkeyResult, forced: Bool) -> String {
        guard result.outcome == "unkeyed" else {
            return "\(result.outcome): " + (result.holder.map { "held by \($0)" } ?? "not keyed")
        }
        var detail = "unkeyed \(result.channel)"
        if let held = result.heldSeconds { detail += " after \(held) s" }
        if forced { detail += " (forced)" }
        return detail
    }
}
