/// A fuzzing entry point for the SMS code: every path that untrusted bytes (a modem, the network,
/// a sender) reach. It must never trap, whatever the input; a fuzzer (or the randomised tests)
/// calls it with arbitrary bytes.
public enum SMSPDUFuzz {
    /// Feeds `bytes` to: the SMS-DELIVER decoder (as PDU hex text and as raw octets), the
    /// reassembler (with whatever decoded, twice and out of order, then expired), the SMS-SUBMIT
    /// encoder (as reply text), and the modem state machine's response handling — from cold, once
    /// set up, in two chunks, mid-send, with the host committing or failing everything delivered,
    /// and across every timeout.
    public static func fuzzOne(_ bytes: [UInt8]) {
        let text = String(decoding: bytes, as: UTF8.self)
        var parts: [SMSDeliver] = []
        if let sms = try? SMSDeliver(hex: text) { parts.append(sms) }
        if let sms = try? SMSDeliver(pdu: bytes) { parts.append(sms) }
        if bytes.count > 1, let sms = try? SMSDeliver(pdu: Array(bytes.dropFirst())) { parts.append(sms) }
        var reassembler = SMSReassembler<FuzzInstant>(timeout: .seconds(60))
        for (second, part) in (parts + parts.reversed()).enumerated() {
            _ = reassembler.receive(part, at: FuzzInstant(seconds: second))
            _ = part.text
        }
        _ = reassembler.expire(at: FuzzInstant(seconds: 1_000))
        _ = try? SMSSubmit.encode(text, to: "+447700900123", reference: .sixteenBit(0xFFFF))
        _ = try? SMSSubmit.encode("fuzz", to: text, reference: .eightBit(0))
        _ = SMSMessageIdentity.of(pduHex: text)

        // The state machine: from cold or after a clean set-up, whole or in two pieces — which
        // of the four the first byte says (one per execution keeps executions short; the fuzzer
        // reaches all four by mutating that byte).
        let configuration = GSMModemConfiguration(lineID: "fuzz", serviceCentre: "+447785016005")
        let variant = Int(bytes.first ?? 0) % variantCount
        let setUp = variant & 1 == 1
        let split = variant & 2 == 2 ? bytes.count / 2 : bytes.count
        var machine = GSMModemStateMachine<FuzzInstant>(configuration: configuration)
        var clock = 0
        var actions = machine.portOpened(at: FuzzInstant(seconds: clock))
        if setUp {
            for _ in 0..<6 { actions += machine.receive(Array("\r\nOK\r\n".utf8), at: FuzzInstant(seconds: clock)) }
            actions += machine.send(to: "999", text: text, requestID: 1, at: FuzzInstant(seconds: clock))
        }
        actions += machine.receive(bytes[..<split], at: FuzzInstant(seconds: clock))
        actions += machine.receive(bytes[split...], at: FuzzInstant(seconds: clock))
        for round in 0..<4 {
            var indices: [Int] = []
            for case .emit(let event) in actions {
                switch event {
                case .received(let sms): indices.append(sms.index)
                case .undecodable(let index, _, _): indices.append(index)
                default: break
                }
            }
            actions = []
            for index in indices {
                actions += round % 2 == 0
                    ? machine.committed(index: index, at: FuzzInstant(seconds: clock))
                    : machine.commitFailed(index: index, at: FuzzInstant(seconds: clock))
            }
            clock += 61
            actions += machine.tick(at: FuzzInstant(seconds: clock))
            actions += machine.receive(bytes, at: FuzzInstant(seconds: clock))
        }
        _ = machine.portLost("fuzz", at: FuzzInstant(seconds: clock))
        _ = machine.receive(bytes, at: FuzzInstant(seconds: clock))
    }

    /// How many state-machine variants the first byte chooses from (its value modulo this).
    public static let variantCount = 4

    /// Whole seconds on a made-up timeline: the fuzzer never reads a clock.
    private struct FuzzInstant: InstantProtocol {
        var offset: Duration
        init(seconds: Int) { offset = .seconds(seconds) }
        private init(offset: Duration) { self.offset = offset }
        func advanced(by duration: Duration) -> FuzzInstant { FuzzInstant(offset: offset + duration) }
        func duration(to other: FuzzInstant) -> Duration { other.offset - offset }
        static func < (lhs: FuzzInstant, rhs: FuzzInstant) -> Bool { lhs.offset < rhs.offset }
    }
}
