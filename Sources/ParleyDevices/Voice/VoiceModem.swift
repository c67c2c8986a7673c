import Foundation
import Logging
import Synchronization

/// An analogue telephone line on an AT voice modem (ITU-T V.253): runs
/// ``VoiceModemStateMachine`` against a serial device on a thread of its own and hands its
/// events and the caller's audio to the telephony layer.
///
/// ```swift
/// let line = VoiceModem(path: "/dev/ttyACM0", configuration: .init(lineID: "999-1", countryCode: "B4"),
///                       logger: logger)
/// group.addTask { await line.run() }              // until cancelled
/// group.addTask { for await samples in line.audio { recorder.append(samples) } }
/// for await event in line.events {
///     switch event {
///     case .ringing(let count, let callerID): …   // queue the call
///     case .dtmf(let digit): …
///     case .farEndHungUp, .hungUp: …
///     …
///     }
/// }
/// line.answer()
/// ```
///
/// `run()` opens the device and reopens it every `reopenDelay` while it is missing or after it
/// vanished — one `fault` per outage, `recovered` once the modem answers again. Reads, writes
/// and the paced sending of transmit audio happen on the dedicated thread
/// `parley-voice-<line>`, never on the cooperative pool; the request methods only queue and
/// wake it. When `run()` ends (its task cancelled) the line is hung up and the device closed.
/// Call `run()` once; both streams finish when it returns.
public final class VoiceModem: Sendable {
    enum Request: Sendable {
        case answer
        case hangUp
        case transfer(String)
        case transmit([Int16])
    }

    struct Inbox: Sendable {
        var requests: [Request] = []
        var stopped = false
    }

    public let path: String
    public let configuration: VoiceModemConfiguration
    /// Everything the line reports, in order; unbounded, so nothing is dropped.
    public let events: AsyncStream<VoiceModemEvent>
    /// The caller's audio while a call is connected: 16-bit samples at
    /// `configuration.voiceFormat.sampleRate`, in order. Keeps the newest 512 chunks when the
    /// consumer falls behind.
    public let audio: AsyncStream<[Int16]>
    let eventContinuation: AsyncStream<VoiceModemEvent>.Continuation
    let audioContinuation: AsyncStream<[Int16]>.Continuation
    let logger: Logger
    let inbox = Mutex(Inbox())
    let wakeup: VoiceModemWakeup
    private let started = Atomic<Bool>(false)
    private let malformed = Atomic<Int>(0)

    /// Does not open the device yet; ``run()`` does.
    public init(path: String, configuration: VoiceModemConfiguration, logger: Logger) {
        var logger = logger
        logger[metadataKey: "line.id"] = "\(configuration.lineID)"
        logger[metadataKey: "device.path"] = "\(path)"
        self.path = path
        self.configuration = configuration
        self.logger = logger
        self.wakeup = VoiceModemWakeup()
        (events, eventContinuation) = AsyncStream.makeStream(of: VoiceModemEvent.self, bufferingPolicy: .unbounded)
        (audio, audioContinuation) = AsyncStream.makeStream(of: [Int16].self, bufferingPolicy: .bufferingNewest(512))
    }

    deinit {
        eventContinuation.finish()
        audioContinuation.finish()
    }

    /// Answers the ringing call (ignored, and logged, if none is ringing).
    public func answer() { submit(.answer) }

    /// Ends the call; `hungUp` follows once the line is on hook. (A call that is only ringing
    /// cannot be refused: this is ignored, and logged, until it is answered.)
    public func hangUp() { submit(.hangUp) }

    /// Passes the call on by hook flash and dialling `number`; `transferred` (then `hungUp`) or
    /// `transferFailed` follows.
    public func transfer(to number: String) { submit(.transfer(number)) }

    /// Queues audio (16-bit samples at the configured rate) to play to the caller and returns;
    /// `transmitFinished` follows once it has played. Dropped (and logged) with no call up.
    public func transmit(_ samples: [Int16]) { submit(.transmit(samples)) }

    /// How many unreadable lines and shielded codes the modem has sent since `run()` began.
    public var malformedCount: Int { malformed.load(ordering: .relaxed) }

    /// Drives the line until the task is cancelled; hangs up and closes the device on the way out.
    public func run() async {
        guard !started.exchange(true, ordering: .relaxed) else {
            logger.info("Voice modem run() called twice; the second call returns at once")
            return
        }
        do {
            try configuration.validate()
        } catch {
            logger.info("Voice modem configuration refused", metadata: ["device.error": "\(error)"])
            eventContinuation.yield(.fault(error.description))
            finishStreams()
            return
        }
        logger.info("Voice modem line starting")
        await runOnDedicatedThread(named: "parley-voice-\(configuration.lineID)") { [self] in
            var session = VoiceModemSession(modem: self)
            session.run()
        } onCancel: { [self] in
            inbox.withLock { $0.stopped = true }
            wakeup.signal()
        }
        finishStreams()
        logger.info("Voice modem line stopped")
    }

    private func finishStreams() {
        eventContinuation.finish()
        audioContinuation.finish()
    }

    private func submit(_ request: Request) {
        inbox.withLock { $0.requests.append(request) }
        wakeup.signal()
    }

    func setMalformedCount(_ count: Int) { malformed.store(count, ordering: .relaxed) }

    /// Logs `event` (at info or below: the telephony layer decides what is an error) and hands it on.
    func publish(_ event: VoiceModemEvent) {
        switch event {
        case .ready: logger.info("Voice modem ready")
        case .ringing(let count, _): logger.info("Voice line ringing", metadata: ["call.rings": "\(count)"])
        case .callerID(let callerID):
            logger.info("Caller ID received", metadata: ["call.cli": "\(callerID.displayNumber)"])
        case .abandoned: logger.info("Caller abandoned before answer")
        case .answered: logger.info("Call answered")
        case .dtmf(let digit): logger.debug("DTMF digit received", metadata: ["call.dtmf": "\(digit)"])
        case .tone(let tone): logger.debug("Line tone detected", metadata: ["call.tone": "\(tone)"])
        case .farEndHungUp(let reason): logger.info("Far end hung up", metadata: ["call.reason": "\(reason)"])
        case .hungUp: logger.info("Line on hook")
        case .transferred(let number): logger.info("Call transferred", metadata: ["call.transfer_to": "\(number)"])
        case .transferFailed(let number, let reason):
            logger.info("Call transfer failed", metadata: ["call.transfer_to": "\(number)", "call.reason": "\(reason)"])
        case .transmitFinished: logger.debug("Transmit finished")
        case .fault(let reason): logger.info("Voice modem fault", metadata: ["device.error": "\(reason)"])
        case .recovered: logger.info("Voice modem recovered")
        case .malformed(let input): logger.debug("Malformed modem input skipped", metadata: ["modem.input": "\(input)"])
        }
        eventContinuation.yield(event)
    }

    func log(_ notice: VoiceModemNotice) {
        switch notice {
        case .unexpectedLine(let line, let phase):
            logger.debug("Unexpected modem line skipped",
                         metadata: ["modem.line": "\(line.prefix(128))", "line.phase": "\(phase)"])
        case .requestIgnored(let request, let phase):
            logger.info("Voice line request ignored", metadata: ["line.request": "\(request)", "line.phase": "\(phase)"])
        case .transmitDropped(let samples):
            logger.info("Transmit audio dropped: no call up", metadata: ["audio.samples": "\(samples)"])
        case .commandRefused(let command, let response):
            logger.info("Voice modem refused a command", metadata: ["modem.command": "\(command)", "modem.line": "\(response)"])
        case .callerIDUnreadable(let line):
            logger.info("Unreadable caller-ID line skipped", metadata: ["modem.line": "\(line.prefix(128))"])
        }
    }
}

/// A pipe that wakes the line's thread out of `poll` when a request is queued or the run is
/// cancelled.
final class VoiceModemWakeup: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    init() {
        var fds: [Int32] = [-1, -1]
        if pipe(&fds) == 0 {
            for fd in fds {
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            }
        }
        readEnd = fds[0]
        writeEnd = fds[1]
    }

    deinit {
        if readEnd >= 0 { close(readEnd) }
        if writeEnd >= 0 { close(writeEnd) }
    }

    /// Makes the read end readable (a full pipe is already readable, so EAGAIN is fine).
    func signal() {
        guard writeEnd >= 0 else { return }
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    /// Empties the pipe.
    func drain() {
        guard readEnd >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 64)
        while buffer.withUnsafeMutableBytes({ read(readEnd, $0.baseAddress, $0.count) }) > 0 {}
    }
}
