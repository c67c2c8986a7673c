/// A fuzzing entry point for the voice modem driver: arbitrary bytes must never trap or stall
/// it, whatever it is doing when they arrive.
public enum VoiceModemFuzz {
    /// Feeds `bytes` to ``ATResponseParser``, to ``VoiceModemShieldingDecoder`` and to a
    /// ``VoiceModemStateMachine`` brought first into the phase the first byte names — whole,
    /// split at every CR, and interleaved with the telephony layer's requests and the passing
    /// of time. (One phase per input, chosen by the input, keeps each execution short: the
    /// fuzzer reaches every phase by mutating that byte.)
    public static func fuzzOne(_ bytes: [UInt8]) {
        var parser = ATResponseParser(maxLineBytes: 64)
        _ = parser.feed(bytes)
        _ = parser.finish()

        var decoder = VoiceModemShieldingDecoder()
        var rest = bytes[...]
        while !rest.isEmpty {
            let (_, remainder) = decoder.decode(rest)
            rest = remainder
        }
        _ = VoiceModemShielding.encode(bytes)
        for encoding in VoiceModemVoiceFormat.Encoding.allCases {
            let format = VoiceModemVoiceFormat(encoding: encoding)
            _ = format.encode(format.decode(bytes))
        }
        for line in bytes.split(separator: 0x0D) {
            if let line = VoiceModemCallerIDLine(String(decoding: line, as: UTF8.self)) {
                var collector = VoiceModemCallerIDCollector()
                collector.add(line)
            }
        }

        if let first = bytes.first {
            let script = Script.allCases[Int(first) % Script.allCases.count]
            var machine = script.machine()
            machine.feed(bytes)
            machine.tick(seconds: 1)
            // Requests chosen by the input, so the fuzzer can explore their orderings.
            for (index, byte) in bytes.prefix(16).enumerated() {
                switch byte % 6 {
                case 0: _ = machine.machine.answer(at: machine.later(0.1))
                case 1: _ = machine.machine.hangUp(at: machine.later(0.1))
                case 2: _ = machine.machine.transfer(to: index % 2 == 0 ? "2001" : "\u{0D}ATZ", at: machine.later(0.1))
                case 3: _ = machine.machine.transmit([Int16(byte) << 8, 0, -1], at: machine.later(0.1))
                case 4: machine.tick(seconds: Double(byte % 40))
                default: machine.feed(Array(bytes.suffix(from: index)))
                }
            }
            for piece in bytes.split(separator: 0x0D, omittingEmptySubsequences: false) {
                machine.feed(Array(piece) + [0x0D])
            }
            machine.tick(seconds: 3600)
            _ = machine.machine.deviceFailed("fuzz", at: machine.later(1))
            _ = machine.machine.deviceOpened(at: machine.later(1))
            machine.feed(bytes)
        }
    }

    /// How many phases the first byte chooses from (its value modulo this).
    public static var phaseCount: Int { Script.allCases.count }

    /// A machine on a made-up timeline.
    struct Driven {
        var machine: VoiceModemStateMachine<FuzzInstant>
        var clock = FuzzInstant(seconds: 0)

        mutating func later(_ seconds: Double) -> FuzzInstant {
            clock = FuzzInstant(seconds: clock.seconds + seconds)
            return clock
        }

        mutating func feed(_ bytes: [UInt8]) { _ = machine.received(bytes, at: later(0.01)) }
        mutating func feed(_ text: String) { feed(Array(text.utf8)) }
        mutating func tick(seconds: Double) { _ = machine.tick(at: later(seconds)) }
    }

    /// How to bring a fresh machine into each phase.
    enum Script: CaseIterable {
        case offline, initialising, idle, ringing, answering, connected, transmitting, hangingUp, transferring,
            resetting

        func machine() -> Driven {
            let configuration = VoiceModemConfiguration(lineID: "fuzz", countryCode: "B4")
            var driven = Driven(machine: VoiceModemStateMachine(configuration: configuration))
            if self == .offline { return driven }
            _ = driven.machine.deviceOpened(at: driven.later(0))
            if self == .initialising { return driven }
            for _ in configuration.initialisation { driven.feed("\r\nOK\r\n") }
            if self == .idle { return driven }
            if self == .resetting {
                driven.tick(seconds: 31)
                driven.tick(seconds: 6)
                return driven
            }
            driven.feed("\r\nRING\r\n\r\nNMBR = P\r\n")
            if self == .ringing { return driven }
            _ = driven.machine.answer(at: driven.later(0.1))
            if self == .answering { return driven }
            driven.feed("\r\nVCON\r\n")
            driven.feed("\r\nCONNECT\r\n\u{80}\u{81}")
            switch self {
            case .transmitting: _ = driven.machine.transmit([1, 2, 3], at: driven.later(0.1))
            case .hangingUp: _ = driven.machine.hangUp(at: driven.later(0.1))
            case .transferring: _ = driven.machine.transfer(to: "2001", at: driven.later(0.1))
            default: break
            }
            return driven
        }
    }

    /// Seconds on a made-up timeline.
    struct FuzzInstant: InstantProtocol {
        var seconds: Double
        func advanced(by duration: Duration) -> FuzzInstant {
            let (whole, attoseconds) = duration.components
            return FuzzInstant(seconds: seconds + Double(whole) + Double(attoseconds) * 1e-18)
        }
        func duration(to other: FuzzInstant) -> Duration { .seconds(other.seconds - seconds) }
        static func < (lhs: FuzzInstant, rhs: FuzzInstant) -> Bool { lhs.seconds < rhs.seconds }
    }
}
