import Foundation
import Logging
import Synchronization

/// A TETRA terminal on its PEI serial port: runs ``PEIStateMachine`` on a thread of its own and
/// hands its events to the channel — PTT, squelch with talker identity, calls, short data.
///
/// ```swift
/// let terminal = PEITerminal(path: "/dev/ttyUSB0", configuration: .init(channelID: "tetra-1", gssi: 1001),
///                            logger: logger)
/// group.addTask { await terminal.run() }               // until cancelled
/// terminal.key(priority: .init(keyPriority))            // floor control granted a key-up
/// terminal.unkey()
/// for await event in terminal.events {
///     switch event {
///     case .squelchOpened(_, let talker, let emergency): …   // a transmission starts; talker id
///     case .squelchClosed: …
///     case .unkeyed(let reason?): …                          // PTT failed or was lost: report it
///     case .shortData(let data): …                           // status / text; data.isEmergency
///     …
///     }
/// }
/// terminal.counters.badInput                                  // garbage, unknown results, …
/// ```
///
/// `run()` opens the device and reopens it every `reopenDelay` while it is missing or after it
/// vanished — one `fault` per outage, `recovered` and `ready` once the terminal answers again.
/// Reads and writes happen on the dedicated thread `parley-pei-<channel>`; the request methods
/// only queue and wake it. When `run()` ends (its task cancelled) PTT is released
/// (`AT+CUTXC`, then the port is closed). Call `run()` once; `events` finishes when it returns.
public final class PEITerminal: Sendable {
    enum Request: Sendable {
        case key(PEITransmitPriority)
        case unkey(force: Bool)
        case sendStatus(UInt16, to: UInt32, requestID: Int)
        case sendText(String, to: UInt32, reportRequest: SDSReportRequest, requestID: Int)
    }

    struct Inbox: Sendable {
        var requests: [Request] = []
        var stopped = false
    }

    /// What the channel can read at any moment.
    struct Snapshot: Sendable {
        var isReady = false
        var isKeyed = false
        var squelch: PEISquelch?
        var counters = PEICounters()
    }

    public let path: String
    public let configuration: PEIConfiguration
    /// Everything the terminal reports, in order; unbounded, so nothing is dropped.
    public let events: AsyncStream<PEIEvent>
    let continuation: AsyncStream<PEIEvent>.Continuation
    let logger: Logger
    let inbox = Mutex(Inbox())
    let wakeup = VoiceModemWakeup()
    let snapshot = Mutex(Snapshot())
    private let started = Atomic<Bool>(false)

    /// Does not open the device yet; ``run()`` does.
    public init(path: String, configuration: PEIConfiguration, logger: Logger) {
        var logger = logger
        logger[metadataKey: "channel.id"] = "\(configuration.channelID)"
        logger[metadataKey: "device.path"] = "\(path)"
        self.path = path
        self.configuration = configuration
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: PEIEvent.self, bufferingPolicy: .unbounded)
    }

    deinit { continuation.finish() }

    // MARK: Requests

    /// Keys up on the talkgroup at `priority`; `transmitGranted` follows when the network grants
    /// it, `unkeyed(reason:)` if it cannot be done.
    public func key(priority: PEITransmitPriority = .high) { submit(.key(priority)) }

    /// Unkeys; `unkeyed(reason: nil)` follows once the terminal confirmed.
    public func unkey() { submit(.unkey(force: false)) }

    /// Sends `AT+CUTXC` on the current call whatever the driver believes (fault recovery).
    public func releaseAll() { submit(.unkey(force: true)) }

    /// Sends status `value` to unit `ssi`; `shortDataSent` or `shortDataFailed` follows.
    public func sendStatus(_ value: UInt16, to ssi: UInt32, requestID: Int) {
        submit(.sendStatus(value, to: ssi, requestID: requestID))
    }

    /// Sends an SDS-TL text message to unit `ssi`; `shortDataSent` or `shortDataFailed` follows.
    public func sendText(_ text: String, to ssi: UInt32, reportRequest: SDSReportRequest = .none, requestID: Int) {
        submit(.sendText(text, to: ssi, reportRequest: reportRequest, requestID: requestID))
    }

    // MARK: State

    /// True once initialised and answering: key-ups and sends are accepted.
    public var isReady: Bool { snapshot.withLock { $0.isReady } }
    /// True while PTT is held (from the key request until `unkeyed`).
    public var isKeyed: Bool { snapshot.withLock { $0.isKeyed } }
    /// The transmission being received, while the squelch is open.
    public var squelch: PEISquelch? { snapshot.withLock { $0.squelch } }
    /// Bad input, refusals and timeouts since `run()` began.
    public var counters: PEICounters { snapshot.withLock { $0.counters } }

    /// Drives the terminal until the task is cancelled; releases PTT and closes the device on
    /// the way out.
    public func run() async {
        guard !started.exchange(true, ordering: .relaxed) else {
            logger.info("PEI terminal run() called twice; the second call returns at once")
            return
        }
        do {
            try configuration.validate()
        } catch {
            logger.info("PEI terminal configuration refused", metadata: ["device.error": "\(error)"])
            continuation.yield(.fault(error.description))
            continuation.finish()
            return
        }
        logger.info("TETRA PEI terminal starting")
        await runOnDedicatedThread(named: "parley-pei-\(configuration.channelID)") { [self] in
            var session = PEITerminalSession(terminal: self)
            session.run()
        } onCancel: { [self] in
            inbox.withLock { $0.stopped = true }
            wakeup.signal()
        }
        snapshot.withLock { $0 = Snapshot(counters: $0.counters) }
        continuation.finish()
        logger.info("TETRA PEI terminal stopped")
    }

    private func submit(_ request: Request) {
        inbox.withLock { $0.requests.append(request) }
        wakeup.signal()
    }

    /// Logs `event` (at info or below: the channel decides what is an error) and hands it on.
    func publish(_ event: PEIEvent, counters: PEICounters) {
        switch event {
        case .ready: logger.info("TETRA terminal ready")
        case .commandRefused(let command, let response):
            logger.info("TETRA terminal refused a command", metadata: ["pei.command": "\(command)", "pei.response": "\(response)"])
        case .transmitGranted(let instance): logger.debug("Transmission granted", metadata: ["pei.call": "\(instance)"])
        case .transmitQueued(let instance): logger.debug("Transmission request queued", metadata: ["pei.call": "\(instance)"])
        case .unkeyed(nil): logger.debug("PTT unkeyed")
        case .unkeyed(let reason?): logger.info("PTT dropped", metadata: ["ptt.reason": "\(reason)"])
        case .squelchOpened(let instance, let talker, let emergency):
            logger.debug("Transmission received", metadata: [
                "pei.call": "\(instance)", "radio.talker": "\(talker.map { "\($0)" } ?? "unknown")", "radio.emergency": "\(emergency)",
            ])
        case .squelchClosed(let instance): logger.debug("Transmission ended", metadata: ["pei.call": "\(instance)"])
        case .incomingCall(let call):
            logger.info("Incoming TETRA call", metadata: [
                "pei.call": "\(call.callInstance)", "radio.talker": "\(call.calling.map { "\($0)" } ?? "unknown")",
                "pei.priority": "\(call.priority)", "radio.emergency": "\(call.isEmergency)",
            ])
        case .callReleased(let instance, let cause, let reason):
            logger.debug("TETRA call released", metadata: ["pei.call": "\(instance)", "pei.cause": "\(cause)", "pei.reason": "\(reason)"])
        case .shortData(let data):
            logger.info("Short data received", metadata: [
                "sds.from": "\(data.from.map { "\($0)" } ?? "unknown")", "radio.emergency": "\(data.isEmergency)",
            ])
        case .shortDataSent(let requestID): logger.debug("Short data sent", metadata: ["sds.request": "\(requestID)"])
        case .shortDataFailed(let requestID, let reason):
            logger.info("Short data send failed", metadata: ["sds.request": "\(requestID)", "sds.reason": "\(reason)"])
        case .fault(let reason): logger.info("TETRA terminal fault", metadata: ["device.error": "\(reason)"])
        case .recovered: logger.info("TETRA terminal recovered")
        case .malformed(let input):
            logBadInput(counters, metadata: ["pei.input": "\(input)"])
        case .rejected(let line):
            logBadInput(counters, metadata: ["pei.line": "\(line.line.prefix(128))", "pei.reason": "\(line.reason.rawValue): \(line.detail)",
                                             "pei.hex": "\(line.hex)"])
        }
        snapshot.withLock { state in
            switch event {
            case .squelchOpened(let instance, let talker, let emergency):
                state.squelch = PEISquelch(callInstance: instance, talker: talker, emergency: emergency)
            case .squelchClosed, .fault:
                state.squelch = nil
            default:
                break
            }
        }
        continuation.yield(event)
    }

    /// Bad input at info for the 1st, 2nd, 4th, 8th, … occurrence (so a terminal spewing noise
    /// cannot flood the journal), at debug otherwise; the count is in ``counters``.
    private func logBadInput(_ counters: PEICounters, metadata: Logger.Metadata) {
        var metadata = metadata
        let count = counters.badInput
        metadata["pei.bad_input_count"] = "\(count)"
        if count > 0, count & (count - 1) == 0 {
            logger.info("Bad input from the TETRA terminal skipped", metadata: metadata)
        } else {
            logger.debug("Bad input from the TETRA terminal skipped", metadata: metadata)
        }
    }
}

/// A transmission being received on the channel.
public struct PEISquelch: Sendable, Hashable {
    public var callInstance: Int
    /// The transmitting unit, from the `+CTXG` transmitting party identity.
    public var talker: TETRAIdentity?
    /// The transmission is on an emergency call.
    public var emergency: Bool
}
