/// A fuzzing entry point for the TETRA PEI driver: arbitrary bytes from a terminal must never
/// trap or stall it, whatever it is doing when they arrive.
public enum PEIFuzz {
    /// The first byte chooses the phase the ``PEIStateMachine`` is brought into (cold,
    /// initialising, idle, keyed on a connected call, receiving a transmission, mid-send) and
    /// where the rest is split in two; the rest goes to the SDS decoders (as hex and as octets),
    /// the identity parser and the machine — in two pieces, with key, unkey and send requests
    /// chosen by the input and time passing across every timeout. One phase per input keeps an
    /// execution light (thousands a second); the fuzzer reaches every phase through the first
    /// byte.
    public static func fuzzOne(_ bytes: [UInt8]) {
        guard let selector = bytes.first else { return }
        let body = Array(bytes.dropFirst())
        let text = String(decoding: body, as: UTF8.self)
        for service in [SDSPDU.statusService, SDSPDU.sdsType4Service] {
            _ = try? SDSPDU.decode(aiService: service, bits: body.count * 4, hex: text)
        }
        _ = try? SDSPDU.decodeType4(body)
        _ = TETRAIdentity(field: text)

        var driven = prototypes[Int(selector) % prototypes.count]
        let split = body.count * Int(selector >> 4) / 16
        driven.feed(Array(body[..<split]))
        driven.feed(Array(body[split...]))
        for byte in body.prefix(6) {
            switch byte % 5 {
            case 0: driven.apply { $0.key(priority: PEITransmitPriority(rawValue: Int(byte) % 4) ?? .low, at: $1) }
            case 1: driven.apply { $0.unkey(force: byte & 0x80 != 0, at: $1) }
            case 2: driven.apply { $0.sendText(String(text.prefix(300)), to: UInt32(byte) * 1000, requestID: 1, at: $1) }
            case 3: driven.apply { $0.sendStatus(UInt16(byte) << 8, to: 1234, requestID: 2, at: $1) }
            default: driven.tick(seconds: Int(byte % 40))
            }
            driven.feed(Array("\r\nOK\r\n".utf8))
        }
        driven.tick(seconds: 3600)
        driven.feed(body)
        driven.apply { $0.portLost("fuzz", at: $1) }
        driven.feed(body)
    }

    /// A machine in each phase, built once (the machine is a value: each input gets a copy).
    static let prototypes: [Driven] = Phase.allCases.map { $0.machine() }

    /// A machine on a made-up timeline; checks the machine's promise that PTT is never left
    /// keyed without being reported, by looking at its state after every step.
    struct Driven: Sendable {
        var machine: PEIStateMachine<FuzzInstant>
        var clock = FuzzInstant(seconds: 0)

        mutating func apply(_ step: (inout PEIStateMachine<FuzzInstant>, FuzzInstant) -> [PEIAction]) {
            clock = FuzzInstant(offset: clock.offset + .milliseconds(10))
            _ = step(&machine, clock)
            check()
        }

        mutating func feed(_ bytes: [UInt8]) { apply { $0.receive(bytes, at: $1) } }
        mutating func feed(_ text: String) { feed(Array(text.utf8)) }
        mutating func tick(seconds: Int) {
            clock = FuzzInstant(offset: clock.offset + .seconds(seconds))
            _ = machine.tick(at: clock)
            check()
        }

        /// PTT is held only on a working terminal: every way out of "ready" reports it unkeyed.
        func check() {
            precondition(!machine.isKeyed || machine.isReady, "PTT held on a terminal that is not ready")
        }
    }

    enum Phase: CaseIterable, Sendable {
        case offline, initialising, idle, keyed, receiving, sending

        func machine() -> Driven {
            let configuration = PEIConfiguration(channelID: "fuzz", gssi: 1001, initialisation: ["ATZ", "ATE0"])
            var driven = Driven(machine: PEIStateMachine(configuration: configuration))
            if self == .offline { return driven }
            driven.apply { $0.portOpened(at: $1) }
            if self == .initialising { return driven }
            driven.feed("\r\nOK\r\n")
            driven.feed("\r\nOK\r\n")
            switch self {
            case .keyed:
                driven.apply { $0.key(priority: .high, at: $1) }
                driven.feed("\r\nOK\r\n")
                driven.feed("\r\nOK\r\n\r\n+CTCC: 3,1,1,0,0,1,1\r\n\r\n+CTXG: 3,0,0,0\r\n")
            case .receiving:
                driven.feed("\r\n+CTICN: 4,0,0,0,2001,1,1,0,1,1,0,1001,15\r\n\r\n+CTXG: 4,3,0,0,0,2001\r\n")
            case .sending:
                driven.apply { $0.sendText("fuzz", to: 2001, requestID: 9, at: $1) }
            default:
                break
            }
            return driven
        }
    }

    /// A made-up timeline: the fuzzer never reads a clock.
    struct FuzzInstant: InstantProtocol {
        var offset: Duration
        init(seconds: Int) { offset = .seconds(seconds) }
        init(offset: Duration) { self.offset = offset }
        func advanced(by duration: Duration) -> FuzzInstant { FuzzInstant(offset: offset + duration) }
        func duration(to other: FuzzInstant) -> Duration { other.offset - offset }
        static func < (lhs: FuzzInstant, rhs: FuzzInstant) -> Bool { lhs.offset < rhs.offset }
    }
}
