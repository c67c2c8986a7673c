import Foundation
import Logging
import Synchronization

/// A GSM modem line for SMS: runs ``GSMModemStateMachine`` against a serial device on a thread
/// of its own and hands its events to the telephony layer.
///
/// ```swift
/// let modem = GSMModem(path: "/dev/ttyUSB2", configuration: .init(lineID: "sms-1"), logger: logger)
/// group.addTask { await modem.run() }                 // until cancelled
/// for await event in modem.events {
///     switch event {
///     case .received(let sms):                         // store the part (key: sms.identity)…
///         modem.committed(index: sms.index)            // …and only then let it be deleted
///     case .undecodable(let index, let hex, _):        // store it raw, then
///         modem.committed(index: index)
///     …
///     }
/// }
/// ```
///
/// `run()` opens the device and reopens it every `reopenDelay` while it is missing or after it
/// vanished (one `fault`, then `recovered` and `ready` once it works again). Blocking reads and
/// writes happen on the dedicated thread `parley-gsm-<line>`; the calls below only queue a
/// request, which the thread picks up within 50 ms. Call `run()` once; `events` finishes when it
/// returns.
public final class GSMModem: Sendable {
    enum Request: Sendable {
        case committed(Int)
        case commitFailed(Int)
        case send(to: String, text: String, requestID: Int)
    }

    struct Inbox: Sendable {
        var requests: [Request] = []
        var stopped = false
    }

    public let path: String
    public let configuration: GSMModemConfiguration
    /// Everything the modem reports, in order; unbounded, so nothing is dropped.
    public let events: AsyncStream<GSMModemEvent>
    let continuation: AsyncStream<GSMModemEvent>.Continuation
    let logger: Logger
    let inbox = Mutex(Inbox())

    /// Does not open the device yet; ``run()`` does.
    public init(path: String, configuration: GSMModemConfiguration, logger: Logger) {
        var logger = logger
        logger[metadataKey: "line.id"] = "\(configuration.lineID)"
        logger[metadataKey: "device.path"] = "\(path)"
        self.path = path
        self.configuration = configuration
        self.logger = logger
        (events, continuation) = AsyncStream.makeStream(of: GSMModemEvent.self, bufferingPolicy: .unbounded)
    }

    deinit { continuation.finish() }

    /// The store has the message (or raw PDU) delivered at `index`: delete it from the SIM.
    public func committed(index: Int) { submit(.committed(index)) }

    /// The store could not take the message at `index`: keep it and deliver it again later.
    public func commitFailed(index: Int) { submit(.commitFailed(index)) }

    /// Sends `text` to `recipient` (`+447700900123` or national digits); the outcome comes as
    /// `sent` or `sendFailed` with `requestID`.
    public func send(to recipient: String, text: String, requestID: Int) {
        submit(.send(to: recipient, text: text, requestID: requestID))
    }

    /// Drives the modem until the task is cancelled; the device is closed when it returns.
    public func run() async {
        logger.info("GSM modem line starting")
        await runOnDedicatedThread(named: "parley-gsm-\(configuration.lineID)") { [self] in
            var session = GSMModemSession(modem: self)
            session.run()
        } onCancel: { [self] in
            inbox.withLock { $0.stopped = true }
        }
        continuation.finish()
        logger.info("GSM modem line stopped")
    }

    private func submit(_ request: Request) {
        inbox.withLock { $0.requests.append(request) }
    }

    /// Logs `event` (at info or below: the telephony layer decides what is an error) and hands it on.
    func publish(_ event: GSMModemEvent) {
        switch event {
        case .ready:
            logger.info("GSM modem ready")
        case .received(let sms):
            logger.debug("SMS read", metadata: ["sms.index": "\(sms.index)", "sms.identity": "\(sms.identity)"])
        case .undecodable(let index, let hex, let reason):
            logger.info("SMS PDU undecodable; handing it over raw",
                        metadata: ["sms.index": "\(index)", "sms.pdu": "\(hex.truncated())", "sms.reason": "\(reason)"])
        case .sent(let reference, let parts, let requestID):
            logger.debug("SMS sent", metadata: ["sms.request": "\(requestID)", "sms.parts": "\(parts)", "sms.reference": "\(reference)"])
        case .sendFailed(let requestID, let reason):
            logger.info("SMS send failed", metadata: ["sms.request": "\(requestID)", "sms.reason": "\(reason)"])
        case .fault(let reason):
            logger.info("GSM modem fault", metadata: ["device.error": "\(reason)"])
        case .recovered:
            logger.info("GSM modem recovered")
        case .unexpected(let line):
            logger.debug("Unexpected modem line skipped", metadata: ["modem.line": "\(line.truncated(to: 128))"])
        case .malformed(let input):
            logger.debug("Malformed modem input skipped", metadata: ["modem.input": "\(input)"])
        }
        continuation.yield(event)
    }
}
