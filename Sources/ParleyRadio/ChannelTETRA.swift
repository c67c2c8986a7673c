import Logging
import ParleyConfig
import ParleyControl
import ParleyCore
import ParleyDevices
import ParleyStore

/// A channel's TETRA terminal (`tetra:` in its configuration): the channel keys through it
/// (``TetraPEIPTT``), its transmission grants open the squelch with the talker's ISSI, and what
/// units send — statuses, text, emergencies — goes to the store.
///
/// - `+CTXG` for another unit: the squelch source `tetra-pei:<device>` opens, and the talker's
///   ISSI becomes the transmission's talker id; on an emergency call the transmission is
///   flagged and an emergency raised. `+CDTXC`: the squelch closes.
/// - A status: the unit's latest status (with its meaning from `statuses`; a change is an
///   event `unit.status`) and an `sds.received` row; an emergency status raises an emergency.
/// - A text: an `sds.received` row. An emergency call: an emergency.
/// - A terminal fault: the squelch source is down (channel fault), and PTT the terminal
///   dropped by itself is reported to floor control.
struct ChannelTETRA: Sendable {
    let terminal: PEITerminal
    let settings: ParleyConfiguration.TETRA
    let channelID: String
    let writer: EventWriter
    let logger: Logger
    /// Texts sent and waiting for the terminal to accept them, by request id.
    let sends = SDSSendWaiters()

    init(channel: ParleyConfiguration.Channel, settings: ParleyConfiguration.TETRA, writer: EventWriter, logger: Logger) {
        self.settings = settings
        self.channelID = channel.id
        self.writer = writer
        self.logger = logger
        let configuration = PEIConfiguration(
            channelID: channel.id, gssi: UInt32(settings.gssi), baudRate: BaudRate(bitsPerSecond: settings.baudRate) ?? .b38400,
            initialisation: settings.initialisation, emergencyStatuses: Set(settings.emergencyStatuses.map { UInt16($0) }),
            responseTimeout: settings.responseTimeout)
        terminal = PEITerminal(path: settings.device, configuration: configuration, logger: logger)
    }

    var squelchSource: SquelchSourceID { SquelchSourceID(rawValue: "tetra-pei:\(settings.device)") }

    /// Follows the terminal's events until they end (the terminal's `run()` ended).
    func follow(receiver: ChannelReceiver<ContinuousClock>, transmitter: ChannelTransmitter<ContinuousClock>) async {
        for await event in terminal.events {
            await handle(event, receiver: receiver, transmitter: transmitter)
        }
    }

    func handle(_ event: PEIEvent, receiver: ChannelReceiver<ContinuousClock>, transmitter: ChannelTransmitter<ContinuousClock>) async {
        switch event {
        case .squelchOpened(_, let talker, let emergency):
            if let talker { await receiver.submit(.talker(talker.description)) }
            await receiver.submit(.cor(squelchSource, active: true))
            if emergency {
                await receiver.submit(.emergency(issi: talker.map { Int64($0.ssi) }, source: .transmission, detail: "transmission on an emergency call"))
            }
        case .squelchClosed:
            await receiver.submit(.cor(squelchSource, active: false))
        case .fault(let reason):
            await receiver.submit(.corHealth(squelchSource, failure: reason))
        case .recovered:
            await receiver.submit(.corHealth(squelchSource, failure: nil))
        case .unkeyed(let reason?):
            await transmitter.lineLost(reason)
        case .incomingCall(let call) where call.isEmergency:
            await receiver.submit(.emergency(
                issi: call.calling.map { Int64($0.ssi) }, source: .call, detail: "emergency call (priority \(call.priority))"))
        case .incomingCall(let call):
            logger.info("Call from a radio unit", metadata: [
                "channel.id": "\(channelID)", "unit.issi": "\(call.calling?.description ?? "-")", "call.priority": "\(call.priority)",
            ])
        case .shortData(let data):
            await shortData(data, receiver: receiver)
        case .callReleased(_, let cause, let reason):
            logger.info("TETRA call released", metadata: ["channel.id": "\(channelID)", "pei.cause": "\(cause)", "pei.reason": "\(reason)"])
        case .shortDataSent(let requestID):
            await sends.resolve(requestID, with: nil)
        case .shortDataFailed(let requestID, let reason):
            await sends.resolve(requestID, with: reason)
        case .ready, .commandRefused, .transmitGranted, .transmitQueued, .unkeyed(nil), .malformed, .rejected:
            // The terminal logs these itself; floor control already knows about our own PTT.
            break
        }
    }

    /// Sends `text` to a unit (SDS-TL text messaging); returns when the terminal accepted it
    /// (or throws its refusal, or after `timeout`), having stored it as `sds.sent`.
    func send(text: String, to issi: Int64, by person: String, timeout: Duration = .seconds(30)) async throws(RadioControlError)
        -> SDSMessageRecord
    {
        guard terminal.isReady else {
            throw RadioControlError(.rejected, "the TETRA terminal on \(channelID) is not ready (starting, or not answering); try again")
        }
        let requestID = await sends.next()
        terminal.sendText(text, to: UInt32(issi), requestID: requestID)
        if let failure = await sends.wait(requestID, timeout: timeout) {
            throw RadioControlError(.rejected, "the terminal did not send the text: \(failure)")
        }
        do {
            return try await writer.perform(
                priority: .routine,
                RadioSignallingOperations.sds(
                    channelID: channelID, direction: .outgoing, issi: issi, kind: .text, text: text, raw: "text to \(issi)",
                    sentBy: person)).0
        } catch {
            throw RadioControlError(.storeUnavailable, "the text was sent but could not be stored: \(error)")
        }
    }

    private func shortData(_ data: PEIShortData, receiver: ChannelReceiver<ContinuousClock>) async {
        guard let from = data.from else {
            logger.info("Short data without a sender skipped", metadata: ["channel.id": "\(channelID)"])
            return
        }
        let issi = Int64(from.ssi)
        let priority: Priority = data.isEmergency ? .emergency : .routine
        do {
            switch data.message {
            case .status(let value):
                let meaning = settings.statuses[Int(value)]
                _ = try await writer.perform(
                    priority: priority,
                    RadioSignallingOperations.unitStatus(channelID: channelID, issi: issi, status: Int(value), meaning: meaning, priority: priority))
                _ = try await writer.perform(
                    priority: priority,
                    RadioSignallingOperations.sds(
                        channelID: channelID, direction: .incoming, issi: issi, kind: .status, status: Int(value),
                        raw: "status \(value)", priority: priority))
                if data.isEmergency {
                    await receiver.submit(.emergency(issi: issi, source: .status, detail: meaning ?? "emergency status \(value)"))
                }
            case .text(let text):
                _ = try await writer.perform(
                    priority: priority,
                    RadioSignallingOperations.sds(
                        channelID: channelID, direction: .incoming, issi: issi, kind: .text, text: text.text,
                        raw: "text \(text.coding)", priority: priority))
            case .report, .other:
                logger.debug("Short data not stored", metadata: ["channel.id": "\(channelID)", "unit.issi": "\(issi)"])
            }
        } catch {
            logger.error("Cannot store short data from a radio unit", metadata: [
                "channel.id": "\(channelID)", "unit.issi": "\(issi)", "store.error": "\(error)",
            ])
        }
    }
}

/// Sends waiting for their outcome from the terminal's event stream.
actor SDSSendWaiters {
    private var lastID = 0
    private var waiting: [Int: CheckedContinuation<String?, Never>] = [:]
    /// Outcomes that arrived before their waiter.
    private var early: [Int: String?] = [:]

    func next() -> Int {
        lastID += 1
        return lastID
    }

    /// The failure reason, or nil once sent; "no answer within …" after `timeout`.
    func wait(_ id: Int, timeout: Duration) async -> String? {
        if let outcome = early.removeValue(forKey: id) { return outcome }
        let timer = Task { [weak self] in
            try await Task.sleep(for: timeout)
            await self?.resolve(id, with: "no answer from the terminal within \(timeout)")
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in waiting[id] = continuation }
    }

    func resolve(_ id: Int, with failure: String?) {
        if let continuation = waiting.removeValue(forKey: id) {
            continuation.resume(returning: failure)
        } else if id <= lastID {
            early[id] = failure
        }
    }
}
