import ParleyCore
import ParleyDevices
import Testing

/// Instants for the voice modem state machine: milliseconds on a made-up timeline.
struct VoiceTestInstant: InstantProtocol, CustomStringConvertible {
    var offset: Duration
    func advanced(by duration: Duration) -> VoiceTestInstant { VoiceTestInstant(offset: offset + duration) }
    func duration(to other: VoiceTestInstant) -> Duration { other.offset - offset }
    static func < (lhs: VoiceTestInstant, rhs: VoiceTestInstant) -> Bool { lhs.offset < rhs.offset }
    static func at(_ seconds: Double) -> VoiceTestInstant { VoiceTestInstant(offset: .milliseconds(Int((seconds * 1000).rounded()))) }
    var description: String { "\(offset)" }
}

/// What the test does to the machine.
enum VoiceInput: Sendable {
    case opened
    case failed(String)
    case modem([UInt8])
    case answer
    case hangUp
    case transfer(String)
    case transmit([Int16])
    case tick
}

/// What the machine should do, in the words of the transcript.
enum VoiceOutput: Sendable, Hashable, CustomStringConvertible {
    /// An AT command line (the CR is implied).
    case sends(String)
    /// Raw bytes (shielded codes).
    case sendsBytes([UInt8])
    case sendAudio([UInt8])
    case discard
    case phase(VoiceModemPhase)
    case event(VoiceModemEvent)
    /// A fault event whose text contains this.
    case fault(containing: String)
    case audio([Int16])
    case notice(VoiceModemNotice)
    /// Marks where the transcript's `n`th input happened, so that each action is checked to
    /// come from the right input (a tick too early or too late fails).
    case input(Int)

    init(_ action: VoiceModemStateMachine<VoiceTestInstant>.Action) {
        switch action {
        case .write(let bytes):
            if bytes.last == 0x0D, bytes.dropLast().allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) {
                self = .sends(String(decoding: bytes.dropLast(), as: UTF8.self))
            } else {
                self = .sendsBytes(bytes)
            }
        case .sendAudio(let bytes, _): self = .sendAudio(bytes)
        case .discardOutput: self = .discard
        case .event(.fault(let text)): self = .fault(containing: text)
        case .event(let event): self = .event(event)
        case .audio(let samples): self = .audio(samples)
        case .phaseChanged(_, let to): self = .phase(to)
        case .notice(let notice): self = .notice(notice)
        }
    }

    /// `self` is what was expected, `actual` what came: equal, or a fault containing the text.
    func matches(_ actual: VoiceOutput) -> Bool {
        if case .fault(let expected) = self, case .fault(let text) = actual { return text.contains(expected) }
        return self == actual
    }

    var description: String {
        switch self {
        case .sends(let command): "sends \(command)"
        case .sendsBytes(let bytes): "sends bytes \(ATMalformedInput.hex(bytes, total: bytes.count))"
        case .sendAudio(let bytes): "sends audio \(ATMalformedInput.hex(bytes, total: bytes.count))"
        case .discard: "discards output"
        case .phase(let phase): "phase \(phase)"
        case .event(let event): "event \(event)"
        case .fault(let text): "fault \(text.debugDescription)"
        case .audio(let samples): "audio \(samples)"
        case .notice(let notice): "notice \(notice)"
        case .input(let index): "— input #\(index)"
        }
    }
}

/// One line of a transcript: something done at a time, or something expected.
enum VoiceStep: Sendable {
    case input(VoiceInput, at: Double)
    case expect(VoiceOutput)

    static func opened(at time: Double) -> VoiceStep { .input(.opened, at: time) }
    static func failed(_ reason: String, at time: Double) -> VoiceStep { .input(.failed(reason), at: time) }
    static func modem(_ text: String, at time: Double) -> VoiceStep { .input(.modem(Array(text.utf8)), at: time) }
    static func modem(_ bytes: [UInt8], at time: Double) -> VoiceStep { .input(.modem(bytes), at: time) }
    static func answer(at time: Double) -> VoiceStep { .input(.answer, at: time) }
    static func hangUp(at time: Double) -> VoiceStep { .input(.hangUp, at: time) }
    static func transfer(_ number: String, at time: Double) -> VoiceStep { .input(.transfer(number), at: time) }
    static func transmit(_ samples: [Int16], at time: Double) -> VoiceStep { .input(.transmit(samples), at: time) }
    static func tick(at time: Double) -> VoiceStep { .input(.tick, at: time) }
    static func sends(_ command: String) -> VoiceStep { .expect(.sends(command)) }
    static func sendsBytes(_ bytes: [UInt8]) -> VoiceStep { .expect(.sendsBytes(bytes)) }
    static func sendAudio(_ bytes: [UInt8]) -> VoiceStep { .expect(.sendAudio(bytes)) }
    static var discard: VoiceStep { .expect(.discard) }
    static func phase(_ phase: VoiceModemPhase) -> VoiceStep { .expect(.phase(phase)) }
    static func event(_ event: VoiceModemEvent) -> VoiceStep { .expect(.event(event)) }
    static func fault(containing text: String) -> VoiceStep { .expect(.fault(containing: text)) }
    static func audio(_ samples: [Int16]) -> VoiceStep { .expect(.audio(samples)) }
    static func notice(_ notice: VoiceModemNotice) -> VoiceStep { .expect(.notice(notice)) }
}

/// A named transcript, with the configuration it runs under.
struct VoiceScenario: Sendable, CustomTestStringConvertible {
    var name: String
    var configuration = VoiceModemConfiguration(lineID: "test", countryCode: "B4")
    var steps: [VoiceStep]
    var testDescription: String { name }

    var expected: [VoiceOutput] {
        var inputs = 0
        return Self.mergingAudio(steps.map { step in
            switch step {
            case .expect(let output):
                return output
            case .input:
                inputs += 1
                return .input(inputs)
            }
        })
    }

    /// Runs the inputs; modem bytes all at once, or one byte at a time.
    func run(dripFeed: Bool) -> (outputs: [VoiceOutput], machine: VoiceModemStateMachine<VoiceTestInstant>) {
        var machine = VoiceModemStateMachine<VoiceTestInstant>(configuration: configuration)
        var outputs: [VoiceOutput] = []
        var inputs = 0
        for step in steps {
            guard case .input(let input, let time) = step else { continue }
            let now = VoiceTestInstant.at(time)
            var actions: [VoiceModemStateMachine<VoiceTestInstant>.Action] = []
            inputs += 1
            outputs.append(.input(inputs))
            switch input {
            case .opened: actions += machine.deviceOpened(at: now)
            case .failed(let reason): actions += machine.deviceFailed(reason, at: now)
            case .modem(let bytes):
                if dripFeed {
                    for byte in bytes { actions += machine.received([byte], at: now) }
                } else {
                    actions += machine.received(bytes, at: now)
                }
            case .answer: actions += machine.answer(at: now)
            case .hangUp: actions += machine.hangUp(at: now)
            case .transfer(let number): actions += machine.transfer(to: number, at: now)
            case .transmit(let samples): actions += machine.transmit(samples, at: now)
            case .tick: actions += machine.tick(at: now)
            }
            outputs += actions.map(VoiceOutput.init)
        }
        return (Self.mergingAudio(outputs), machine)
    }

    /// Joins consecutive audio (how it is chunked depends on how the bytes arrived).
    static func mergingAudio(_ outputs: [VoiceOutput]) -> [VoiceOutput] {
        var merged: [VoiceOutput] = []
        for output in outputs {
            if case .audio(let more) = output, case .audio(let samples)? = merged.last {
                merged[merged.count - 1] = .audio(samples + more)
            } else {
                merged.append(output)
            }
        }
        return merged
    }
}

private let dle: UInt8 = 0x10
private let etx: UInt8 = 0x03
private func utf8(_ text: String) -> [UInt8] { Array(text.utf8) }
private func ascii(_ character: Character) -> UInt8 { character.asciiValue ?? 0 }

/// Transcripts written from ITU-T V.253 (command and result forms, shielded codes) and the
/// formatted caller-ID report; expected samples are hand-computed for 8-bit unsigned linear
/// (sample = (byte − 128) × 256).
enum VoiceTranscripts {
    /// The initialisation exchange; the modem echoes `ATZ` and `ATE0` (echo is on until ATE0).
    static let initialised: [VoiceStep] = [
        .opened(at: 0), .phase(.initialising), .sends("ATZ"),
        .modem("ATZ\r\r\nOK\r\n", at: 0.1), .sends("ATE0"),
        .modem("ATE0\r\r\nOK\r\n", at: 0.2), .sends("AT+FCLASS=8"),
        .modem("\r\nOK\r\n", at: 0.3), .sends("AT+VCID=1"),
        .modem("\r\nOK\r\n", at: 0.4), .sends("AT+GCI=B4"),
        .modem("\r\nOK\r\n", at: 0.5), .sends("AT+VSM=1,8000"),
        .modem("\r\nOK\r\n", at: 0.7), .phase(.idle), .event(.ready),
    ]

    /// After initialisation: one ring, answered (`ATA` → `OK`), receive started.
    static let connected: [VoiceStep] = initialised + [
        .modem("\r\nRING\r\n", at: 1), .phase(.ringing), .event(.ringing(count: 1, callerID: nil)),
        .answer(at: 1.1), .phase(.answering), .sends("ATA"),
        .modem("\r\nOK\r\n", at: 1.2), .event(.answered), .sends("AT+VRX"),
        .modem("\r\nCONNECT\r\n", at: 1.3), .phase(.connected),
    ]

    static let alice = CallerID(
        time: CallerID.NetworkTime(month: 3, day: 21, hour: 14, minute: 5), number: "01632960123", name: "ALICE SMITH")
    static let withheld = CallerID(numberAbsence: .withheld)

    static let all: [VoiceScenario] = [
        VoiceScenario(name: "initialisation exchange", steps: initialised),
        VoiceScenario(name: "two rings with caller ID between, answer, voice with DTMF and DLE DLE, hang up", steps: initialised + [
            .modem("\r\nRING\r\n", at: 1), .phase(.ringing), .event(.ringing(count: 1, callerID: nil)),
            .modem("\r\nDATE = 0321\r\nTIME = 1405\r\nNMBR = 01632960123\r\nNAME = ALICE SMITH\r\n", at: 2),
            .tick(at: 2.4),
            .tick(at: 2.5), .event(.callerID(alice)),
            .modem("\r\nRING\r\n", at: 5), .event(.ringing(count: 2, callerID: alice)),
            .answer(at: 5.5), .phase(.answering), .sends("ATA"),
            .modem("\r\nVCON\r\n", at: 5.6), .event(.answered), .sends("AT+VRX"),
            .modem(utf8("\r\nCONNECT\r\n") + [0x80, 0x90, dle, dle, 0x7F, dle, ascii("5"), 0xFF, dle, 0x1A, dle, ascii("#"), 0x00], at: 5.7),
            .phase(.connected), .audio([0, 4096, -28672, -256]), .event(.dtmf("5")), .audio([32512, -28672, -28672]),
            .event(.dtmf("#")), .audio([-32768]),
            .hangUp(at: 7), .phase(.hangingUp), .sendsBytes([dle, ascii("!")]),
            .modem([0x81, dle, etx] + utf8("\r\nOK\r\n"), at: 7.1), .audio([256]), .sends("ATH"),
            .modem("\r\nOK\r\n", at: 7.2), .phase(.idle), .event(.hungUp),
        ]),
        VoiceScenario(name: "withheld number before the first ring, then the caller abandons", steps: initialised + [
            .modem("\r\nNMBR = P\r\n", at: 1), .phase(.ringing),
            .modem("\r\nRING\r\n", at: 1.2), .event(.callerID(withheld)), .event(.ringing(count: 1, callerID: withheld)),
            .modem("\r\nRING\r\n", at: 4.2), .event(.ringing(count: 2, callerID: withheld)),
            .tick(at: 12.1),
            .tick(at: 12.2), .phase(.idle), .event(.abandoned),
            .answer(at: 13), .notice(.requestIgnored("answer", phase: .idle)),
        ]),
        VoiceScenario(name: "far-end busy tone ends the call once", steps: connected + [
            .modem([0x80, dle, ascii("b"), 0x80, dle, ascii("d")], at: 2),
            .audio([0]), .phase(.hangingUp), .event(.tone(.busy)), .event(.farEndHungUp(reason: "busy tone")),
            .sendsBytes([dle, ascii("!")]), .audio([0]), .event(.tone(.dialTone)),
            .modem([dle, etx] + utf8("\r\nOK\r\n"), at: 2.1), .sends("ATH"),
            .modem("\r\nOK\r\n", at: 2.2), .phase(.idle), .event(.hungUp),
        ]),
        VoiceScenario(name: "transmit while receiving: stop receive, transmit, resume", steps: connected + [
            .transmit([0, 256, -28672, 32767], at: 2), .phase(.transmitting), .sendsBytes([dle, ascii("!")]),
            .modem([0x80, 0x80, dle, etx] + utf8("\r\nOK\r\n"), at: 2.1), .audio([0, 0]), .sends("AT+VTX"),
            .modem("\r\nCONNECT\r\n", at: 2.2), .sendAudio([0x80, 0x81, 0x10, 0xFF]), .sendsBytes([dle, etx]),
            .modem([dle, ascii("1")] + utf8("\r\nOK\r\n"), at: 2.3), .event(.dtmf("1")), .event(.transmitFinished),
            .sends("AT+VRX"),
            .modem(utf8("\r\nCONNECT\r\n") + [0x7F], at: 2.4), .phase(.connected), .audio([-256]),
        ]),
        VoiceScenario(name: "NO CARRIER while transmitting ends the call", steps: connected + [
            .transmit([0, 0], at: 2), .phase(.transmitting), .sendsBytes([dle, ascii("!")]),
            .modem([dle, etx] + utf8("\r\nOK\r\n"), at: 2.1), .sends("AT+VTX"),
            .modem("\r\nCONNECT\r\n", at: 2.2), .sendAudio([0x80, 0x80]), .sendsBytes([dle, etx]),
            .modem("\r\nNO CARRIER\r\n", at: 2.3), .phase(.hangingUp), .discard,
            .event(.farEndHungUp(reason: "NO CARRIER")), .sends("ATH"),
            .modem("\r\nOK\r\n", at: 2.4), .phase(.idle), .event(.hungUp),
        ]),
        VoiceScenario(name: "hang up during a transmission aborts it", steps: connected + [
            .transmit([0, 0], at: 2), .phase(.transmitting), .sendsBytes([dle, ascii("!")]),
            .modem([dle, etx] + utf8("\r\nOK\r\n"), at: 2.1), .sends("AT+VTX"),
            .modem("\r\nCONNECT\r\n", at: 2.2), .sendAudio([0x80, 0x80]), .sendsBytes([dle, etx]),
            .hangUp(at: 2.25), .phase(.hangingUp), .discard, .sendsBytes([dle, 0x18, dle, etx]),
            .modem("\r\nOK\r\n", at: 2.3), .sends("ATH"),
            .modem("\r\nOK\r\n", at: 2.4), .phase(.idle), .event(.hungUp),
        ]),
        VoiceScenario(name: "hook-flash transfer", steps: connected + [
            .transfer("2001", at: 2), .phase(.transferring), .sendsBytes([dle, ascii("!")]),
            .modem([dle, etx] + utf8("\r\nOK\r\n"), at: 2.1), .sends("ATD!2001"),
            .modem("\r\nOK\r\n", at: 4), .sends("ATH"),
            .modem("\r\nOK\r\n", at: 4.1), .phase(.idle), .event(.transferred(to: "2001")), .event(.hungUp),
        ]),
        VoiceScenario(name: "a busy transfer target leaves the caller connected", steps: connected + [
            .transfer("2001", at: 2), .phase(.transferring), .sendsBytes([dle, ascii("!")]),
            .modem([dle, etx] + utf8("\r\nOK\r\n"), at: 2.1), .sends("ATD!2001"),
            .modem("\r\nBUSY\r\n", at: 4), .event(.transferFailed(to: "2001", reason: "BUSY")), .sends("AT+VRX"),
            .modem("\r\nCONNECT\r\n", at: 4.1), .phase(.connected),
        ]),
        VoiceScenario(name: "ERROR and +CME ERROR during initialisation: one fault, retries, recovery", steps: [
            .opened(at: 0), .phase(.initialising), .sends("ATZ"),
            .modem("\r\nOK\r\n", at: 0.1), .sends("ATE0"),
            .modem("\r\nOK\r\n", at: 0.2), .sends("AT+FCLASS=8"),
            .modem("\r\nOK\r\n", at: 0.3), .sends("AT+VCID=1"),
            .modem("\r\nERROR\r\n", at: 0.5), .phase(.resetting), .fault(containing: "AT+VCID=1 with ERROR"),
            .tick(at: 5.4),
            .tick(at: 5.5), .sends("ATZ"),
            .modem("\r\nOK\r\n", at: 5.6), .phase(.initialising), .sends("ATE0"),
            .modem("\r\nOK\r\n", at: 5.7), .sends("AT+FCLASS=8"),
            .modem("\r\nOK\r\n", at: 5.8), .sends("AT+VCID=1"),
            .modem("\r\n+CME ERROR: 4\r\n", at: 6), .phase(.resetting),
            .tick(at: 11), .sends("ATZ"),
            .modem("\r\nOK\r\n", at: 11.1), .phase(.initialising), .sends("ATE0"),
            .modem("\r\nOK\r\n", at: 11.2), .sends("AT+FCLASS=8"),
            .modem("\r\nOK\r\n", at: 11.3), .sends("AT+VCID=1"),
            .modem("\r\nOK\r\n", at: 11.4), .sends("AT+GCI=B4"),
            .modem("\r\nOK\r\n", at: 11.5), .sends("AT+VSM=1,8000"),
            .modem("\r\nOK\r\n", at: 11.6), .phase(.idle), .event(.recovered), .event(.ready),
        ]),
        VoiceScenario(name: "an idle modem that stops answering is reset and recovers", steps: initialised + [
            .tick(at: 30.7), .sends("AT"),
            .tick(at: 35.6),
            .tick(at: 35.7), .phase(.resetting), .fault(containing: "stopped answering"), .sends("ATZ"),
            .tick(at: 40.7), .sends("ATZ"),
            .modem("\r\nOK\r\n", at: 41), .phase(.initialising), .sends("ATE0"),
            .modem("\r\nOK\r\n", at: 41.1), .sends("AT+FCLASS=8"),
            .modem("\r\nOK\r\n", at: 41.2), .sends("AT+VCID=1"),
            .modem("\r\nOK\r\n", at: 41.3), .sends("AT+GCI=B4"),
            .modem("\r\nOK\r\n", at: 41.4), .sends("AT+VSM=1,8000"),
            .modem("\r\nOK\r\n", at: 41.5), .phase(.idle), .event(.recovered),
            .tick(at: 71.5), .sends("AT"),
            .modem("\r\nOK\r\n", at: 71.6),
        ]),
        VoiceScenario(name: "a voice stream that stalls loses the call and resets the modem", steps: connected + [
            .modem([0x80], at: 2), .audio([0]),
            .tick(at: 6.9),
            .tick(at: 7), .phase(.resetting), .fault(containing: "stopped sending voice data"), .event(.hungUp),
            .sendsBytes([dle, ascii("!")]),
            .modem([0x80, 0x80, dle, etx] + utf8("\r\nOK\r\n"), at: 7.1), .sends("ATZ"),
            .modem("\r\nOK\r\n", at: 7.2), .phase(.initialising), .sends("ATE0"),
            .modem("\r\nOK\r\n", at: 7.3), .sends("AT+FCLASS=8"),
            .modem("\r\nOK\r\n", at: 7.4), .sends("AT+VCID=1"),
            .modem("\r\nOK\r\n", at: 7.5), .sends("AT+GCI=B4"),
            .modem("\r\nOK\r\n", at: 7.6), .sends("AT+VSM=1,8000"),
            .modem("\r\nOK\r\n", at: 7.7), .phase(.idle), .event(.recovered),
        ]),
        VoiceScenario(name: "garbage lines and unknown shielded codes are reported and skipped", steps: initialised + [
            .modem("\r\nHELLO WORLD\r\n", at: 1), .notice(.unexpectedLine("HELLO WORLD", phase: .idle)),
            .modem([0xFF, 0xFE, 0x00, 0x0D, 0x0A], at: 1.1),
            .event(.malformed(ATMalformedInput(reason: .garbage, bytes: [0xFF, 0xFE, 0x00], length: 3))),
            .modem("\r\nRING\r\n", at: 2), .phase(.ringing), .event(.ringing(count: 1, callerID: nil)),
            .answer(at: 2.1), .phase(.answering), .sends("ATA"),
            .modem("\r\nVCON\r\n", at: 2.2), .event(.answered), .sends("AT+VRX"),
            .modem("\r\nCONNECT\r\n", at: 2.3), .phase(.connected),
            .modem([dle, 0x01, dle, ascii("T"), 0x80], at: 3),
            .event(.malformed(ATMalformedInput(reason: .garbage, bytes: [dle, 0x01], length: 2))),
            .event(.tone(.other(ascii("T")))), .audio([0]),
        ]),
        VoiceScenario(name: "the modem ends the stream itself and says NO CARRIER", steps: connected + [
            .modem([0x80, dle, etx] + utf8("\r\nNO CARRIER\r\n"), at: 2), .audio([0]),
            .phase(.hangingUp), .event(.farEndHungUp(reason: "NO CARRIER")), .sends("ATH"),
            .modem("\r\nOK\r\n", at: 2.1), .phase(.idle), .event(.hungUp),
        ]),
        VoiceScenario(
            name: "silence does not end the call when so configured; polarity reversal does",
            configuration: VoiceModemConfiguration(lineID: "test", countryCode: "B4", silenceEndsCall: false),
            steps: connected + [
                .modem([dle, ascii("s"), 0x80, dle, ascii("t")], at: 2), .event(.tone(.silence)), .audio([0]),
                .event(.tone(.tdd)),
                .modem([dle, ascii("L")], at: 3), .phase(.hangingUp), .event(.tone(.polarityReversal)),
                .event(.farEndHungUp(reason: "polarity reversal")), .sendsBytes([dle, ascii("!")]),
            ]),
        VoiceScenario(name: "hang up while ATA is outstanding goes on hook after it", steps: initialised + [
            .modem("\r\nRING\r\n", at: 1), .phase(.ringing), .event(.ringing(count: 1, callerID: nil)),
            .answer(at: 1.1), .phase(.answering), .sends("ATA"),
            .hangUp(at: 1.15), .phase(.hangingUp),
            .modem("\r\nVCON\r\n", at: 1.2), .event(.answered), .sends("ATH"),
            .modem("\r\nOK\r\n", at: 1.3), .phase(.idle), .event(.hungUp),
        ]),
        VoiceScenario(name: "the caller goes while ATA is outstanding", steps: initialised + [
            .modem("\r\nRING\r\n", at: 1), .phase(.ringing), .event(.ringing(count: 1, callerID: nil)),
            .answer(at: 1.1), .phase(.answering), .sends("ATA"),
            .modem("\r\nNO CARRIER\r\n", at: 1.2), .phase(.hangingUp), .event(.abandoned), .sends("ATH"),
            .modem("\r\nOK\r\n", at: 1.3), .phase(.idle),
        ]),
        VoiceScenario(name: "requests that do not fit the phase are ignored", steps: initialised + [
            .answer(at: 1), .notice(.requestIgnored("answer", phase: .idle)),
            .hangUp(at: 1), .notice(.requestIgnored("hang up", phase: .idle)),
            .transmit([1, 2, 3], at: 1), .notice(.transmitDropped(samples: 3)),
            .transfer("2001", at: 1), .notice(.requestIgnored("transfer", phase: .idle)),
        ] + [VoiceStep](connected.dropFirst(initialised.count)) + [
            .transfer("\rATZ", at: 2), .notice(.requestIgnored("transfer to \"\\rATZ\" (not a dialable number)", phase: .connected)),
        ]),
        VoiceScenario(name: "the device vanishing mid-call ends the call; reopening recovers", steps: connected + [
            .failed("read on /dev/ttyACM0 failed", at: 2), .phase(.offline), .fault(containing: "ttyACM0"), .event(.hungUp),
            .failed("cannot open /dev/ttyACM0", at: 3),
            .opened(at: 4), .phase(.initialising), .sends("ATZ"),
            .modem("\r\nOK\r\n", at: 4.1), .sends("ATE0"),
            .modem("\r\nOK\r\n", at: 4.2), .sends("AT+FCLASS=8"),
            .modem("\r\nOK\r\n", at: 4.3), .sends("AT+VCID=1"),
            .modem("\r\nOK\r\n", at: 4.4), .sends("AT+GCI=B4"),
            .modem("\r\nOK\r\n", at: 4.5), .sends("AT+VSM=1,8000"),
            .modem("\r\nOK\r\n", at: 4.6), .phase(.idle), .event(.recovered),
        ]),
    ]
}

struct VoiceModemStateMachineTests {
    @Test(arguments: VoiceTranscripts.all)
    func transcriptAllAtOnce(scenario: VoiceScenario) {
        let (outputs, _) = scenario.run(dripFeed: false)
        Self.compare(outputs, scenario.expected)
    }

    @Test(arguments: VoiceTranscripts.all)
    func transcriptOneByteAtATimeGivesTheSameActions(scenario: VoiceScenario) {
        let (dripped, _) = scenario.run(dripFeed: true)
        let (whole, _) = scenario.run(dripFeed: false)
        #expect(dripped == whole)
        Self.compare(dripped, scenario.expected)
    }

    @Test func malformedInputIsCounted() {
        let scenario = VoiceTranscripts.all.first { $0.name.hasPrefix("garbage") }!
        let (_, machine) = scenario.run(dripFeed: true)
        #expect(machine.malformedCount == 2)
        #expect(machine.phase == .connected)
    }

    @Test func customInitialisationReplacesTheList() {
        let configuration = VoiceModemConfiguration(lineID: "x", initCommands: ["AT&F", "AT+FCLASS=8"])
        #expect(configuration.initialisation == ["AT&F", "AT+FCLASS=8"])
        let standard = VoiceModemConfiguration(lineID: "x", voiceFormat: VoiceModemVoiceFormat(encoding: .muLaw))
        #expect(standard.initialisation == ["ATZ", "ATE0", "AT+FCLASS=8", "AT+VCID=1", "AT+VSM=4,8000"])
    }

    @Test(arguments: [
        (VoiceModemConfiguration(lineID: "x", countryCode: "UK"), "country_code"),
        (VoiceModemConfiguration(lineID: "x", baudRate: .b9600), "baud_rate"),
        (VoiceModemConfiguration(lineID: "x", voiceFormat: VoiceModemVoiceFormat(sampleRate: 100)), "voice_format.sample_rate"),
        (VoiceModemConfiguration(lineID: "x", initCommands: ["ATZ", "+VCID=1"]), "init_commands"),
    ] as [(VoiceModemConfiguration, String)])
    func invalidConfigurationNamesItsKey(configuration: VoiceModemConfiguration, key: String) {
        #expect(throws: DeviceError.self) { try configuration.validate() }
        do {
            try configuration.validate()
        } catch {
            #expect(error.configurationKey == key)
        }
    }

    @Test func defaultsAreValid() throws {
        try VoiceModemConfiguration(lineID: "x", countryCode: "B4").validate()
    }

    @Test func fuzzedBytesNeverTrapInAnyPhase() {
        var generator = SplitMix64(seed: 0x5EED)
        var inputs: [[UInt8]] = VoiceTranscripts.all.flatMap { scenario in
            scenario.steps.compactMap { step -> [UInt8]? in
                if case .input(.modem(let bytes), _) = step { return bytes }
                return nil
            }
        }
        for _ in 0..<200 {
            let count = Int(generator.next() % 200)
            // Mostly protocol bytes, so that the fuzz reaches deep states.
            let alphabet: [UInt8] = utf8("ATOKRINGCONNECTVC=P\r\n ") + [dle, etx, 0x1A, 0x18, 0x00, 0xFF, ascii("b"), ascii("5")]
            inputs.append((0..<count).map { _ in
                let pick = generator.next()
                return pick % 4 == 0 ? UInt8(truncatingIfNeeded: pick >> 8) : alphabet[Int(pick >> 8) % alphabet.count]
            })
        }
        // The first byte of a fuzz input chooses the phase: every input in every phase.
        for input in inputs {
            for phase in 0..<VoiceModemFuzz.phaseCount { VoiceModemFuzz.fuzzOne([UInt8(phase)] + input) }
        }
    }

    static func compare(_ actual: [VoiceOutput], _ expected: [VoiceOutput], sourceLocation: SourceLocation = #_sourceLocation) {
        let same = actual.count == expected.count && zip(expected, actual).allSatisfy { $0.matches($1) }
        guard !same else { return }
        let firstDifference = Array(zip(expected, actual)).firstIndex { !$0.matches($1) } ?? min(actual.count, expected.count)
        Issue.record(
            """
            actions differ at \(firstDifference):
            expected: \(expected.dropFirst(firstDifference).prefix(6).map(\.description))
            actual:   \(actual.dropFirst(firstDifference).prefix(6).map(\.description))
            """, sourceLocation: sourceLocation)
    }
}
