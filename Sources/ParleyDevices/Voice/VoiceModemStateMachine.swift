import ParleyCore

/// One analogue line's AT voice modem (ITU-T V.253), without I/O: bytes from the modem,
/// requests from the telephony layer and the passing of time go in; bytes to write, events,
/// received audio and log notes come out.
///
/// The modem talks in two modes. In command mode it sends V.250 lines (`OK`, `RING`,
/// `NMBR = 01632960123`, `VCON`, `CONNECT`), split by ``ATResponseParser``. After `AT+VRX`
/// answers `CONNECT` it streams audio, DLE-shielded (``VoiceModemShieldingDecoder``), until
/// `<DLE><ETX>`; after `AT+VTX` answers `CONNECT` the host sends shielded audio ending with
/// `<DLE><ETX>` and the modem answers `OK`. The line is half duplex: to play audio during a call
/// the driver stops receive (`<DLE>!`), transmits, and resumes receive.
///
/// Every command has a response timeout, and a voice stream that stalls counts as a missing
/// response: the driver then reports a fault (once), resets the modem (`ATZ`) and initialises
/// it again, reporting ``VoiceModemEvent/recovered`` when it answers. Unexpected lines are noted
/// and skipped; unreadable bytes are reported in hex and counted. Nothing the modem sends can
/// stall the driver.
///
/// The adapter feeds ``received(_:at:)`` with every chunk read, calls ``tick(at:)`` at
/// ``nextDeadline``, and performs the actions in order. Instants must not go backwards; an
/// earlier one is treated as the latest seen.
public struct VoiceModemStateMachine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public enum Action: Sendable, Hashable {
        /// Write these bytes to the modem now (after any output still queued).
        case write([UInt8])
        /// Send this audio (modem-format bytes, one per sample, *not* shielded) paced at the
        /// sample rate: the adapter shields each slice with ``VoiceModemShielding/encode(_:)``.
        case sendAudio([UInt8], samples: Int)
        /// Drop any output not yet written (audio being played, and what was queued after it).
        case discardOutput
        /// Tell the telephony layer.
        case event(VoiceModemEvent)
        /// Received voice audio: 16-bit samples at the configured rate, in order.
        case audio([Int16])
        /// The line's phase changed (one log line).
        case phaseChanged(from: VoiceModemPhase, to: VoiceModemPhase)
        /// Something to log that the telephony layer need not hear about.
        case notice(VoiceModemNotice)
    }

    enum StreamMode: Sendable, Hashable {
        /// V.250 lines.
        case command
        /// Shielded audio and codes from the modem, until `<DLE><ETX>`.
        case receive
        /// The host is sending audio; the modem sends shielded codes, then `OK` as a line.
        case transmit
    }

    /// What the telephony layer asked for that waits for the next point where the modem is in
    /// command mode and off hook.
    enum Request: Sendable, Hashable {
        case hangUp
        case transfer(String)
    }

    struct Ringing: Sendable, Hashable {
        var count: Int
        var collector = VoiceModemCallerIDCollector()
        /// The caller ID last reported, so that a repeated block is not reported twice.
        var reported: CallerID?
        /// The last ring (or caller-ID line): ringing that stays away `ringTimeout` after it
        /// means the caller gave up.
        var lastSignal: Instant
        /// Set while caller-ID lines have arrived that are not yet reported.
        var lastCallerIDLine: Instant?
    }

    enum ResetStep: Sendable, Hashable {
        /// Waiting before trying again (after the modem refused an initialisation command).
        case waiting(until: Instant)
        /// Told a modem in voice mode to stop; waiting for its result before `ATZ`.
        case abortingStream
        /// `ATZ` sent.
        case awaitingReset
    }

    enum State: Sendable, Hashable {
        case offline
        /// Waiting for the result of `commands[index]`.
        case initialising(index: Int)
        case idle
        case ringing(Ringing)
        /// `ATA` sent.
        case answering
        /// `AT+VRX` sent; `phase` is what the line is doing meanwhile.
        case startingReceive(phase: VoiceModemPhase)
        /// Receiving the caller's audio.
        case connected
        /// `<DLE>!` sent (or the modem ended the stream); `awaitingResult` once `<DLE><ETX>`
        /// has come and the command-mode result is due.
        case stoppingReceive(awaitingResult: Bool)
        /// `AT+VTX` sent.
        case startingTransmit
        /// Audio and `<DLE><ETX>` handed to the adapter; waiting for `OK`.
        case sending
        /// `<DLE><CAN><DLE><ETX>` sent; waiting for the modem's result before `ATH`.
        case abortingTransmit
        /// `ATH` sent.
        case goingOnHook
        /// `ATD!<number>` sent.
        case dialling(String)
        /// `ATH` sent after a successful hook-flash transfer to the number.
        case transferOnHook(String)
        case resetting(ResetStep)
    }

    public let configuration: VoiceModemConfiguration
    /// The initialisation commands (``VoiceModemConfiguration/initialisation``).
    let commands: [String]
    var state: State = .offline
    var streamMode: StreamMode = .command
    var parser = ATResponseParser()
    var decoder = VoiceModemShieldingDecoder()
    /// A line ended with CR just before the stream switched to voice: drop its LF.
    var skipLineFeed = false
    /// When the current wait times out, and what it waits for (for the fault message).
    var deadline: Instant?
    var awaiting = ""
    /// Idle liveness probe: when the next `AT` is due, and its deadline while outstanding.
    var nextProbe: Instant?
    var probeDeadline: Instant?
    var request: Request?
    var pendingTransmit: [Int16] = []
    /// Between `answered` and `hungUp`.
    var callInProgress = false
    var farEndReported = false
    /// The modem sent `<DLE><ETX>` without being asked.
    var streamEndedByModem = false
    var faultOutstanding = false
    var everReady = false
    var latest: Instant?
    var reportedPhase: VoiceModemPhase = .offline
    var output: [Action] = []

    /// How many unreadable lines and shielded codes the modem has sent.
    public internal(set) var malformedCount = 0

    /// Caller-ID lines are reported as one block once none has followed for this long.
    static var callerIDSettle: Duration { .milliseconds(500) }

    public init(configuration: VoiceModemConfiguration) {
        self.configuration = configuration
        self.commands = configuration.initialisation
    }

    // MARK: Queries

    public var phase: VoiceModemPhase {
        switch state {
        case .offline: return .offline
        case .initialising: return .initialising
        case .idle: return .idle
        case .ringing: return .ringing
        case .answering, .startingReceive, .connected, .stoppingReceive, .startingTransmit, .sending:
            switch request {
            case .hangUp: return .hangingUp
            case .transfer: return .transferring
            case nil: break
            }
            switch state {
            case .answering: return .answering
            case .startingReceive(let phase): return phase
            case .connected: return .connected
            case .stoppingReceive: return pendingTransmit.isEmpty ? .connected : .transmitting
            default: return .transmitting
            }
        case .abortingTransmit, .goingOnHook: return .hangingUp
        case .dialling, .transferOnHook: return .transferring
        case .resetting: return .resetting
        }
    }

    /// True while the line is (or may be) off hook.
    public var isOffHook: Bool {
        switch state {
        case .offline, .initialising, .idle, .ringing, .resetting: false
        default: true
        }
    }

    /// When ``tick(at:)`` must next be called; nil when nothing is pending.
    public var nextDeadline: Instant? {
        switch state {
        case .offline:
            return nil
        case .idle:
            return probeDeadline ?? nextProbe
        case .ringing(let ringing):
            let abandon = ringing.lastSignal.advanced(by: configuration.ringTimeout)
            guard let line = ringing.lastCallerIDLine else { return abandon }
            return min(abandon, line.advanced(by: Self.callerIDSettle))
        case .resetting(.waiting(let until)):
            return until
        default:
            return deadline
        }
    }

    // MARK: Device events

    /// The device was opened: initialise the modem.
    public mutating func deviceOpened(at time: Instant) -> [Action] {
        let now = advanceClock(time)
        runUnit { machine in
            machine.endLostCall()
            machine.clearLink()
            machine.startInitialising(from: 0, at: now)
        }
        return takeOutput()
    }

    /// The device could not be opened, or failed or vanished while open. Reports a fault (once
    /// until recovered) and ends any call; the adapter reopens the device and calls
    /// ``deviceOpened(at:)``.
    public mutating func deviceFailed(_ reason: String, at time: Instant) -> [Action] {
        _ = advanceClock(time)
        runUnit { machine in
            machine.reportFault(reason)
            machine.endLostCall()
            machine.clearLink()
            machine.state = .offline
            machine.deadline = nil
        }
        return takeOutput()
    }

    // MARK: Bytes

    /// Bytes read from the modem.
    public mutating func received(_ bytes: some Sequence<UInt8>, at time: Instant) -> [Action] {
        let now = advanceClock(time)
        let buffer = Array(bytes)
        var rest = buffer[...]
        while !rest.isEmpty {
            switch streamMode {
            case .command:
                let piece = Self.throughLineEnd(rest)
                rest = rest[piece.endIndex...]
                for output in parser.feed(piece) {
                    runUnit { $0.handle(output, at: now) }
                }
                if streamMode == .receive, piece.last == 0x0D { skipLineFeed = true }
            case .receive:
                if skipLineFeed, rest.first == 0x0A { rest = rest.dropFirst() }
                skipLineFeed = false
                let (items, remainder) = decoder.decode(rest)
                rest = remainder
                for item in items {
                    runUnit { $0.handleReceived(item, at: now) }
                }
                if state == .connected { deadline = now.advanced(by: configuration.responseTimeout) }
            case .transmit:
                // Shielded codes, and plain lines (the final `OK`) between them.
                var piece = Self.throughLineEnd(rest)
                rest = rest[piece.endIndex...]
                while !piece.isEmpty {
                    let (items, remainder) = decoder.decode(piece)
                    piece = remainder
                    for item in items {
                        switch item {
                        case .data(let text):
                            for output in parser.feed(text) {
                                runUnit { $0.handle(output, at: now) }
                            }
                        case .code(let code):
                            runUnit { $0.handleCode(code, at: now) }
                        case .endOfStream:
                            break  // Modems do not send it while the host transmits; nothing to end.
                        }
                    }
                }
            }
        }
        return takeOutput()
    }

    /// Time passed; performs whatever fell due up to `time`.
    public mutating func tick(at time: Instant) -> [Action] {
        let now = advanceClock(time)
        // Each expiry moves its deadline on; the bound only guards against a bug looping.
        for _ in 0..<8 {
            guard let due = nextDeadline, due <= now else { break }
            runUnit { $0.expire(at: now) }
        }
        return takeOutput()
    }

    // MARK: Plumbing

    /// Runs one unit of work (a line, a stream item, a request, an expiry) and puts a phase
    /// change it caused before its other actions.
    mutating func runUnit(_ body: (inout Self) -> Void) {
        let mark = output.count
        body(&self)
        let now = phase
        if now != reportedPhase {
            output.insert(.phaseChanged(from: reportedPhase, to: now), at: mark)
            reportedPhase = now
        }
    }

    mutating func takeOutput() -> [Action] {
        defer { output.removeAll(keepingCapacity: true) }
        return output
    }

    mutating func emit(_ action: Action) { output.append(action) }
    mutating func emit(_ event: VoiceModemEvent) { output.append(.event(event)) }

    mutating func advanceClock(_ time: Instant) -> Instant {
        let now = latest.map { max($0, time) } ?? time
        latest = now
        return now
    }

    /// Writes `command` with a CR and waits `timeout` (default: the response timeout) for its result.
    mutating func send(_ command: String, at now: Instant, timeout: Duration? = nil) {
        emit(.write(Array((command + "\r").utf8)))
        expect(command, at: now, timeout: timeout)
    }

    mutating func expect(_ what: String, at now: Instant, timeout: Duration? = nil) {
        awaiting = what
        deadline = now.advanced(by: timeout ?? configuration.responseTimeout)
    }

    mutating func reportMalformed(_ input: ATMalformedInput) {
        malformedCount += 1
        emit(.malformed(input))
    }

    /// Back to command mode with nothing half-read.
    mutating func clearLink() {
        streamMode = .command
        parser.reset()
        decoder.reset()
        skipLineFeed = false
        probeDeadline = nil
        nextProbe = nil
    }

    /// Forgets the call's requests and flags.
    mutating func clearCall() {
        request = nil
        pendingTransmit = []
        callInProgress = false
        farEndReported = false
        streamEndedByModem = false
    }

    /// `bytes` up to and including the first CR or LF (all of it if there is none).
    static func throughLineEnd(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        guard let end = bytes.firstIndex(where: { $0 == 0x0D || $0 == 0x0A }) else { return bytes }
        return bytes[...end]
    }
}
