import ParleyCore
import ParleyDevices
import Testing

/// How a transcript reaches the state machine: each chunk whole, or one byte per call.
enum Feeding: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case allAtOnce, oneByteAtATime
    var testDescription: String { rawValue }
}

/// PDUs used by the transcripts: the classic 7-bit example and the two parts of a concatenated
/// message from the SMS PDU tests; the TPDU lengths and SHA-256 identities were computed with
/// Python (`len(pdu) - 1 - pdu[0]`, `hashlib.sha256(pdu)`).
enum ModemPDU {
    static let classic = "07911326040000F0040B911346610089F60000208062917314080CC8329BFD065DDF72363904"
    static let classicIdentity = "92f506dcb8bfa416f1e31b0848958427bca52ff2498a3b5cf148d1719e2feb11"
    static let partOne = "0791447758100650440C9144770009103200006211322254034011050003420201A061391DF476975920"
    static let partOneIdentity = "33e949a7554689432f74c194d3d82ea32efa94ea2f16d0157cd9745b771165f6"
    static let partTwo = "0791447758100650440C9144770009103200006211322254034010050003420202E061391D44BFBF5D"
    /// The classic PDU with TP-UDL one septet too long: the user data "needs" 12 octets, 11 remain.
    static let lyingLength = "07911326040000F0040B911346610089F60000208062917314080DC8329BFD065DDF72363904"
    /// An MMS notification: WAP push to port 2948, 8-bit data.
    static let wapPush = "0791447758100650440C91447700091032000462113222540340350605040B8423F001062461"
        + "70706C69636174696F6E2F766E642E7761702E6D6D732D6D65737361676500AF848C8298543132333400"
    /// "hellohello" to +46708251358 (the classic SMS-SUBMIT example, TP-VP A7 = 24 h): 23 octets.
    static let hellohelloSubmit = "0011000B916407281553F80000A70AE8329BFD4697D9EC37"
}

/// Plays the modem's side of a transcript against the state machine and records what the driver
/// wrote (as text: `AT+CMGR=3\r`, a PDU followed by `^Z`, `<ESC>`) and reported.
struct ModemHarness {
    var machine: GSMModemStateMachine<SMSTestInstant>
    let feeding: Feeding
    var now = SMSTestInstant.seconds(0)
    private var writes: [String] = []
    private var events: [GSMModemEvent] = []

    init(_ feeding: Feeding, configuration: GSMModemConfiguration = GSMModemConfiguration(lineID: "test", pollInterval: nil),
         firstReference: UInt8 = 0) {
        self.feeding = feeding
        machine = GSMModemStateMachine(configuration: configuration, firstReference: firstReference)
    }

    mutating func apply(_ actions: [GSMModemAction]) {
        for action in actions {
            switch action {
            case .write(let bytes):
                writes.append(bytes.map { $0 == 0x1A ? "^Z" : $0 == 0x1B ? "<ESC>" : String(UnicodeScalar($0)) }.joined())
            case .emit(let event):
                events.append(event)
            }
        }
    }

    /// The modem sends `text`.
    mutating func modem(_ text: String) { modem(bytes: Array(text.utf8)) }

    mutating func modem(bytes: [UInt8]) {
        switch feeding {
        case .allAtOnce: apply(machine.receive(bytes, at: now))
        case .oneByteAtATime: for byte in bytes { apply(machine.receive([byte], at: now)) }
        }
    }

    mutating func advance(seconds: Int) {
        now = now.advanced(by: .seconds(seconds))
        apply(machine.tick(at: now))
    }

    mutating func open() { apply(machine.portOpened(at: now)) }
    mutating func committed(_ index: Int) { apply(machine.committed(index: index, at: now)) }
    mutating func commitFailed(_ index: Int) { apply(machine.commitFailed(index: index, at: now)) }
    mutating func send(_ text: String, to recipient: String = "+46708251358", requestID: Int) {
        apply(machine.send(to: recipient, text: text, requestID: requestID, at: now))
    }

    /// What was written since the last call.
    mutating func takeWrites() -> [String] {
        defer { writes = [] }
        return writes
    }

    /// What was reported since the last call.
    mutating func takeEvents() -> [GSMModemEvent] {
        defer { events = [] }
        return events
    }

    /// Answers the set-up with OK (ATZ first when `afterReset`), and `AT+CMGL=4` with `listing`.
    mutating func setUp(listing: String = "", afterReset: Bool = false, cnmi: String = "2,1,0,1,0",
                        sourceLocation: SourceLocation = #_sourceLocation) {
        if !afterReset { open() }
        for command in (afterReset ? ["ATZ"] : []) + ["ATE0", "AT+CMEE=1", "AT+CMGF=0", "AT+CNMI=\(cnmi)"] {
            #expect(takeWrites() == [command + "\r"], sourceLocation: sourceLocation)
            modem("\r\nOK\r\n")
        }
        #expect(takeWrites() == ["AT+CMGL=4\r"], sourceLocation: sourceLocation)
        modem(listing + "\r\nOK\r\n")
    }

    /// `AT+CMGR=<index>` answered with `pdu` (status 0: unread).
    static func readReply(_ pdu: String, status: Int = 0) -> String {
        "\r\n+CMGR: \(status),,\(pdu.count / 2 - 8)\r\n\(pdu)\r\n\r\nOK\r\n"
    }
}

func received(_ index: Int, _ pdu: String) throws -> GSMModemEvent {
    .received(ReceivedSMS(index: index, pduHex: pdu, deliver: try SMSDeliver(hex: pdu), identity: SMSMessageIdentity.of(pduHex: pdu)))
}

@Suite("GSM modem state machine: set-up and receiving")
struct GSMModemReceivingTests {
    @Test(arguments: Feeding.allCases)
    func setUpRunsInOrderThenDeliversWhatIsAlreadyStored(feeding: Feeding) throws {
        var modem = ModemHarness(feeding)
        modem.open()
        #expect(modem.takeWrites() == ["ATE0\r"])
        modem.modem("ATE0\r\r\nOK\r\n")  // the echo, before ATE0 took effect
        for command in ["AT+CMEE=1", "AT+CMGF=0", "AT+CNMI=2,1,0,1,0", "AT+CMGL=4"] {
            #expect(modem.takeWrites() == [command + "\r"])
            if command != "AT+CMGL=4" { modem.modem("\r\nOK\r\n") }
        }
        // One read before a crash (status 1), one that arrived while parleyd was down.
        modem.modem("\r\n+CMGL: 1,1,,30\r\n\(ModemPDU.classic)\r\n+CMGL: 2,0,,34\r\n\(ModemPDU.partOne)\r\n\r\nOK\r\n")
        let events = modem.takeEvents()
        #expect(events == [try received(1, ModemPDU.classic), try received(2, ModemPDU.partOne), .ready])
        if case .received(let sms) = events.first {
            #expect(sms.identity == ModemPDU.classicIdentity)
            #expect(sms.deliver.text == "Hello World!")
        }
        if case .received(let sms) = events.dropFirst().first { #expect(sms.identity == ModemPDU.partOneIdentity) }
        #expect(modem.takeWrites().isEmpty, "nothing is deleted before the host commits")
    }

    @Test func theConfiguredIndicationsAreSent() {
        var modem = ModemHarness(.allAtOnce, configuration: GSMModemConfiguration(lineID: "t", cnmi: "1,1,0,0,0", pollInterval: nil))
        modem.setUp(cnmi: "1,1,0,0,0")
        #expect(modem.takeEvents() == [.ready])
    }

    @Test(arguments: Feeding.allCases)
    func aNewMessageIsReadAndDeletedOnlyAfterTheHostCommits(feeding: Feeding) throws {
        var modem = ModemHarness(feeding)
        modem.setUp()
        #expect(modem.takeEvents() == [.ready])
        modem.modem("\r\n+CMTI: \"SM\",3\r\n")
        #expect(modem.takeWrites() == ["AT+CMGR=3\r"])
        modem.modem(ModemHarness.readReply(ModemPDU.classic))
        #expect(modem.takeEvents() == [try received(3, ModemPDU.classic)])
        modem.advance(seconds: 600)
        #expect(modem.takeWrites().isEmpty, "still no delete without a commit")
        modem.committed(3)
        #expect(modem.takeWrites() == ["AT+CMGD=3\r"])
        modem.modem("\r\nOK\r\n")
        modem.committed(3)  // a repeated commit deletes nothing more
        #expect(modem.takeWrites().isEmpty && modem.takeEvents().isEmpty)
    }

    @Test(arguments: Feeding.allCases)
    func aCrashBetweenReadAndDeleteDeliversTheSameIdentityAgain(feeding: Feeding) throws {
        var before = ModemHarness(feeding)
        before.setUp()
        before.modem("\r\n+CMTI: \"SM\",3\r\n")
        #expect(before.takeWrites() == ["AT+CMGR=3\r"])
        before.modem(ModemHarness.readReply(ModemPDU.classic))
        let first = before.takeEvents().last
        // The host "crashes" before committing: a new driver, the message still stored (now read).
        var after = ModemHarness(feeding)
        after.setUp(listing: "\r\n+CMGL: 3,1,,30\r\n\(ModemPDU.classic)\r\n")
        let again = after.takeEvents()
        #expect(again == [try received(3, ModemPDU.classic), .ready])
        guard case .received(let old) = first, case .received(let new) = again.first else {
            Issue.record("both drivers must deliver the message")
            return
        }
        #expect(old.identity == new.identity && new.identity == ModemPDU.classicIdentity)
        #expect(after.takeWrites().isEmpty)
        after.committed(3)
        #expect(after.takeWrites() == ["AT+CMGD=3\r"])
    }

    @Test(arguments: Feeding.allCases)
    func aFailedCommitKeepsTheMessageAndDeliversItAgainLater(feeding: Feeding) throws {
        var modem = ModemHarness(feeding, configuration: GSMModemConfiguration(lineID: "t", redeliveryDelay: .seconds(30), pollInterval: nil))
        modem.setUp()
        _ = modem.takeEvents()
        modem.modem("\r\n+CMTI: \"SM\",3\r\n")
        _ = modem.takeWrites()
        modem.modem(ModemHarness.readReply(ModemPDU.classic))
        #expect(modem.takeEvents() == [try received(3, ModemPDU.classic)])
        modem.commitFailed(3)
        modem.advance(seconds: 29)
        #expect(modem.takeWrites().isEmpty, "no delete, and no re-read before the delay")
        modem.advance(seconds: 1)
        #expect(modem.takeWrites() == ["AT+CMGR=3\r"])
        modem.modem(ModemHarness.readReply(ModemPDU.classic, status: 1))
        #expect(modem.takeEvents() == [try received(3, ModemPDU.classic)])
        modem.committed(3)
        #expect(modem.takeWrites() == ["AT+CMGD=3\r"])
    }

    @Test(arguments: Feeding.allCases)
    func partsArrivingOutOfOrderAreDeliveredOneByOneForTheHostToJoin(feeding: Feeding) throws {
        var modem = ModemHarness(feeding)
        modem.setUp()
        _ = modem.takeEvents()
        modem.modem("\r\n+CMTI: \"SM\",5\r\n\r\n+CMTI: \"SM\",4\r\n")
        #expect(modem.takeWrites() == ["AT+CMGR=5\r"])
        modem.modem(ModemHarness.readReply(ModemPDU.partTwo))
        #expect(modem.takeWrites() == ["AT+CMGR=4\r"])
        modem.modem(ModemHarness.readReply(ModemPDU.partOne))
        let events = modem.takeEvents()
        #expect(events == [try received(5, ModemPDU.partTwo), try received(4, ModemPDU.partOne)])
        var reassembler = SMSReassembler<SMSTestInstant>(timeout: .seconds(60))
        var texts: [String] = []
        for case .received(let sms) in events {
            if case .deliver(let message) = reassembler.receive(sms.deliver, at: modem.now) { texts.append(message.text) }
        }
        #expect(texts == ["Part one, part two."])
        modem.committed(5)
        modem.committed(4)
        #expect(modem.takeWrites() == ["AT+CMGD=5\r"])
        modem.modem("\r\nOK\r\n")
        #expect(modem.takeWrites() == ["AT+CMGD=4\r"])
    }

    @Test(arguments: Feeding.allCases)
    func anUndecodablePDUIsReportedWithItsHexAndDeletedOnlyAfterCommit(feeding: Feeding) {
        var modem = ModemHarness(feeding)
        modem.setUp()
        _ = modem.takeEvents()
        modem.modem("\r\n+CMTI: \"SM\",6\r\n")
        _ = modem.takeWrites()
        modem.modem(ModemHarness.readReply(ModemPDU.lyingLength))
        let reason = SMSPDUError.truncated("user data", needed: 12, available: 11).description
        #expect(modem.takeEvents() == [.undecodable(index: 6, pduHex: ModemPDU.lyingLength, reason: reason)])
        #expect(modem.takeWrites().isEmpty)
        modem.committed(6)
        #expect(modem.takeWrites() == ["AT+CMGD=6\r"])
    }

    @Test(arguments: Feeding.allCases)
    func anMMSNotificationIsDeliveredAsBinaryDataAndTheDriverCarriesOn(feeding: Feeding) throws {
        var modem = ModemHarness(feeding)
        modem.setUp()
        _ = modem.takeEvents()
        modem.modem("\r\n+CMTI: \"SM\",1\r\n")
        _ = modem.takeWrites()
        modem.modem(ModemHarness.readReply(ModemPDU.wapPush) + "\r\n+CMTI: \"SM\",2\r\n")
        let events = modem.takeEvents()
        #expect(events == [try received(1, ModemPDU.wapPush)])
        if case .received(let sms) = events.first { #expect(sms.deliver.dataCoding.alphabet == .eightBit && sms.deliver.text == nil) }
        #expect(modem.takeWrites() == ["AT+CMGR=2\r"])
    }

    @Test(arguments: Feeding.allCases)
    func unsolicitedLinesInterleavedMidResponseAreReportedAndSkipped(feeding: Feeding) throws {
        var modem = ModemHarness(feeding)
        modem.setUp()
        _ = modem.takeEvents()
        modem.modem("\r\n+CMTI: \"SM\",3\r\n")
        _ = modem.takeWrites()
        // A status report (with its own PDU line) before the header; signal, registration, a
        // stored-report indication and a new message between the header and the PDU.
        modem.modem("\r\n+CDS: 25\r\n\(ModemPDU.partTwo)\r\n\r\n+CMGR: 0,,30\r\n\r\n^RSSI: 14\r\n\r\n+CREG: 1\r\n"
            + "\r\n+CDSI: \"SM\",7\r\n\r\n+CMTI: \"SM\",4\r\n\(ModemPDU.classic)\r\n\r\n+CBM: 88\r\n\r\nRING\r\n\r\nOK\r\n")
        #expect(modem.takeEvents() == [
            .unexpected("+CDS: 25 " + String(ModemPDU.partTwo.prefix(64)) + "…"), .unexpected("^RSSI: 14"),
            .unexpected("+CREG: 1"), .unexpected("+CDSI: \"SM\",7"), .unexpected("+CBM: 88"), .unexpected("RING"),
            try received(3, ModemPDU.classic),
        ])
        #expect(modem.takeWrites() == ["AT+CMGR=4\r"])
        modem.modem("\r\nOK\r\n")  // slot 4 turned out empty
        #expect(modem.takeEvents().isEmpty)
    }

    @Test(arguments: Feeding.allCases)
    func lineNoiseIsReportedAsMalformedAndSkipped(feeding: Feeding) {
        var modem = ModemHarness(feeding)
        modem.setUp()
        _ = modem.takeEvents()
        modem.modem(bytes: [0x4F, 0xFF, 0x00, 0x4B, 0x0D, 0x0A] + Array("\r\n+CMTI: \"SM\",9\r\n".utf8))
        #expect(modem.takeEvents() == [.malformed(ATMalformedInput(reason: .garbage, bytes: [0x4F, 0xFF, 0x00, 0x4B], length: 4))])
        #expect(modem.takeWrites() == ["AT+CMGR=9\r"])
    }

    @Test func storedOutgoingMessagesAreLeftAlone() {
        var modem = ModemHarness(.allAtOnce)
        modem.setUp(listing: "\r\n+CMGL: 2,2,,23\r\n\(ModemPDU.hellohelloSubmit)\r\n")
        #expect(modem.takeEvents() == [.unexpected("stored message 2 is an outgoing one (status 2); left on the SIM"), .ready])
        #expect(modem.takeWrites().isEmpty)
    }

    @Test func theListingFindsAMessageWhoseIndicationWasLostWithoutRepeatingOnesTheHostHas() throws {
        var modem = ModemHarness(.allAtOnce, configuration: GSMModemConfiguration(lineID: "t", pollInterval: .seconds(60)))
        modem.setUp()
        _ = modem.takeEvents()
        modem.advance(seconds: 59)
        #expect(modem.takeWrites().isEmpty)
        modem.advance(seconds: 1)
        #expect(modem.takeWrites() == ["AT+CMGL=4\r"])
        let listing = "\r\n+CMGL: 3,0,,30\r\n\(ModemPDU.classic)\r\n\r\nOK\r\n"
        modem.modem(listing)
        #expect(modem.takeEvents() == [try received(3, ModemPDU.classic)])
        modem.advance(seconds: 60)
        #expect(modem.takeWrites() == ["AT+CMGL=4\r"])
        modem.modem(listing)
        #expect(modem.takeEvents().isEmpty, "the host has it already; it is waiting for the commit")
    }
}

@Suite("GSM modem state machine: sending")
struct GSMModemSendingTests {
    @Test(arguments: Feeding.allCases)
    func aReplyGoesOutAfterThePromptAndReportsItsMessageReference(feeding: Feeding) {
        var modem = ModemHarness(feeding)
        modem.setUp()
        _ = modem.takeEvents()
        modem.send("hellohello", requestID: 7)
        #expect(modem.takeWrites() == ["AT+CMGS=23\r"])
        modem.modem("\r\n> ")
        #expect(modem.takeWrites() == [ModemPDU.hellohelloSubmit + "^Z"])
        modem.modem("\r\n+CMGS: 42\r\n\r\nOK\r\n")
        #expect(modem.takeEvents() == [.sent(reference: 42, parts: 1, requestID: 7)])
    }

    @Test(arguments: Feeding.allCases)
    func aLongReplyGoesOutInConcatenatedParts(feeding: Feeding) {
        var modem = ModemHarness(feeding, firstReference: 0x2A)
        modem.setUp()
        _ = modem.takeEvents()
        modem.send(String(repeating: "a", count: 200), requestID: 8)
        // Part 1: 14 octets before the user data, then 140 (header + 153 septets); part 2: 7
        // header septets + 47 = 54 septets, 48 octets.
        #expect(modem.takeWrites() == ["AT+CMGS=154\r"])
        modem.modem("\r\n> ")
        let first = modem.takeWrites().first ?? ""
        #expect(first.hasPrefix("0051000B916407281553F80000A7A0" + "0500032A0201") && first.hasSuffix("^Z"))
        modem.modem("\r\n+CMGS: 10\r\n\r\nOK\r\n")
        #expect(modem.takeWrites() == ["AT+CMGS=62\r"])
        modem.modem("\r\n> ")
        let second = modem.takeWrites().first ?? ""
        #expect(second.hasPrefix("0051000B916407281553F80000A736" + "0500032A0202"))
        modem.modem("\r\n+CMGS: 11\r\n\r\nOK\r\n")
        #expect(modem.takeEvents() == [.sent(reference: 10, parts: 2, requestID: 8)])
    }

    @Test(arguments: Feeding.allCases)
    func aCMSErrorFailsTheSendByItsStandardNameAndTheDriverCarriesOn(feeding: Feeding) {
        var modem = ModemHarness(feeding)
        modem.setUp()
        _ = modem.takeEvents()
        modem.send("hellohello", requestID: 9)
        _ = modem.takeWrites()
        modem.modem("\r\n> ")
        _ = modem.takeWrites()
        modem.modem("\r\n+CMS ERROR: 330\r\n")
        let events = modem.takeEvents()
        #expect(events.count == 1)
        guard case .sendFailed(9, let reason) = events.first else {
            Issue.record("expected sendFailed for request 9, got \(events)")
            return
        }
        #expect(reason.contains("+CMS ERROR: 330 (SMSC address unknown)"))
        modem.modem("\r\n+CMTI: \"SM\",1\r\n")
        #expect(modem.takeWrites() == ["AT+CMGR=1\r"])
    }

    @Test func aCMSErrorInsteadOfThePromptFailsTheSend() {
        var modem = ModemHarness(.allAtOnce)
        modem.setUp()
        _ = modem.takeEvents()
        modem.send("hellohello", requestID: 3)
        modem.modem("\r\n+CMS ERROR: 331\r\n")
        guard case .sendFailed(3, let reason) = modem.takeEvents().first else {
            Issue.record("expected sendFailed for request 3")
            return
        }
        #expect(reason.contains("331 (no network service)") && reason.contains("not sent"))
    }

    @Test(arguments: Feeding.allCases)
    func aPromptThatNeverComesIsCancelledWithEscapeAndTheDriverCarriesOn(feeding: Feeding) {
        var modem = ModemHarness(feeding, configuration: GSMModemConfiguration(lineID: "t", promptTimeout: .seconds(5), pollInterval: nil))
        modem.setUp()
        _ = modem.takeEvents()
        modem.send("hellohello", requestID: 4)
        #expect(modem.takeWrites() == ["AT+CMGS=23\r"])
        modem.modem("\r\n+CMTI: \"SM\",2\r\n")
        modem.advance(seconds: 4)
        #expect(modem.takeWrites().isEmpty)
        modem.advance(seconds: 1)
        #expect(modem.takeWrites() == ["<ESC>"])
        let events = modem.takeEvents()
        guard events.count == 1, case .sendFailed(4, let reason) = events[0] else {
            Issue.record("expected only sendFailed for request 4, got \(events)")
            return
        }
        #expect(reason.contains("no > prompt"))
        modem.modem("\r\n> ")  // the prompt turns up after all: cancel that too
        #expect(modem.takeWrites() == ["<ESC>"])
        modem.modem("\r\nOK\r\n")
        #expect(modem.takeWrites() == ["AT+CMGR=2\r"], "the queued read goes out")
        #expect(!modem.machine.isFaulted)
    }

    @Test func aReplyThatCannotBeEncodedFailsAtOnce() {
        var modem = ModemHarness(.allAtOnce)
        modem.setUp()
        _ = modem.takeEvents()
        modem.send("hi", to: "not a number", requestID: 12)
        #expect(modem.takeEvents() == [.sendFailed(requestID: 12, reason: SMSPDUError.invalidRecipient("not a number").description)])
        #expect(modem.takeWrites().isEmpty)
    }
}

@Suite("GSM modem state machine: faults")
struct GSMModemFaultTests {
    @Test(arguments: Feeding.allCases)
    func aModemThatStopsAnsweringIsResetWithOneFaultAndOneRecovery(feeding: Feeding) throws {
        var modem = ModemHarness(feeding)
        modem.setUp()
        _ = modem.takeEvents()
        modem.modem("\r\n+CMTI: \"SM\",3\r\n")
        #expect(modem.takeWrites() == ["AT+CMGR=3\r"])
        modem.modem("\r\n+CMGR: 0,,30\r\n")  // then silence
        modem.advance(seconds: 9)
        #expect(modem.takeWrites().isEmpty && modem.takeEvents().isEmpty)
        modem.advance(seconds: 1)
        #expect(modem.takeWrites() == ["ATZ\r"])
        let fault = modem.takeEvents()
        #expect(fault.count == 1)
        if case .fault(let reason)? = fault.first { #expect(reason.contains("AT+CMGR=3") && reason.contains("ATZ")) }
        modem.send("hellohello", requestID: 5)
        guard case .sendFailed(5, _)? = modem.takeEvents().first else {
            Issue.record("a send while faulted fails at once")
            return
        }
        modem.advance(seconds: 10)
        #expect(modem.takeEvents().isEmpty, "ATZ again, but no second fault")
        modem.setUp(afterReset: true)
        #expect(modem.takeEvents() == [.recovered, .ready])
        #expect(modem.takeWrites() == ["AT+CMGR=3\r"], "the interrupted read is retried")
        modem.modem(ModemHarness.readReply(ModemPDU.classic))
        #expect(modem.takeEvents() == [try received(3, ModemPDU.classic)])
    }

    @Test(arguments: Feeding.allCases)
    func thePortVanishingIsOneFaultFailsPendingSendsAndTheSetUpRunsAgain(feeding: Feeding) {
        var modem = ModemHarness(feeding)
        modem.setUp()
        _ = modem.takeEvents()
        modem.modem("\r\n+CMTI: \"SM\",3\r\n")
        modem.send("hellohello", requestID: 1)
        #expect(modem.takeWrites() == ["AT+CMGR=3\r"])
        modem.apply(modem.machine.portLost("gone", at: modem.now))
        let events = modem.takeEvents()
        #expect(events.first == .fault("gone") && events.count == 2)
        if case .sendFailed(1, let reason)? = events.last { #expect(reason.contains("not sent")) }
        for _ in 0..<5 { modem.apply(modem.machine.portLost("still gone", at: modem.now)) }
        #expect(modem.takeEvents().isEmpty, "one fault, not one per retry")
        modem.modem("\r\n+CMTI: \"SM\",4\r\n")  // nothing is read from a closed port
        modem.setUp()
        #expect(modem.takeEvents() == [.recovered, .ready])
        #expect(modem.takeWrites() == ["AT+CMGR=3\r"])
    }

    @Test func aRefusedPDUModeIsAFaultRetriedAfterAReset() {
        var modem = ModemHarness(.allAtOnce)
        modem.open()
        #expect(modem.takeWrites() == ["ATE0\r"])
        modem.modem("\r\nOK\r\n")
        #expect(modem.takeWrites() == ["AT+CMEE=1\r"])
        modem.modem("\r\nERROR\r\n")
        #expect(modem.takeEvents() == [.unexpected("the modem refused AT+CMEE=1 (ERROR); carrying on")])
        #expect(modem.takeWrites() == ["AT+CMGF=0\r"])
        modem.modem("\r\n+CMS ERROR: 310\r\n")
        let events = modem.takeEvents()
        guard events.count == 1, case .fault(let reason) = events[0] else {
            Issue.record("expected one fault, got \(events)")
            return
        }
        #expect(reason.contains("310 (SIM not inserted)"))
        modem.advance(seconds: 9)
        #expect(modem.takeWrites().isEmpty)
        modem.advance(seconds: 1)
        modem.setUp(afterReset: true)
        #expect(modem.takeEvents() == [.recovered, .ready])
    }

    @Test func theFuzzEntryNeverTraps() throws {
        var random = SplitMix64(seed: 0xF022)
        let words = ["\r\n", "OK", "ERROR", "> ", "+CMTI: \"SM\",", "+CMGR: 0,,", "+CMGL: ", "+CMS ERROR: ", "+CMGS: ",
                     "+CDS: ", ",", "\u{1A}", "\u{1B}", "-1", "99999999999999999999", ModemPDU.classic, ModemPDU.lyingLength]
        var inputs: [[UInt8]] = [[], Array(ModemPDU.classic.utf8), try hexBytes(ModemPDU.wapPush)]
        for _ in 0..<150 {
            var bytes: [UInt8] = []
            for _ in 0..<Int.random(in: 1...12, using: &random) {
                if Bool.random(using: &random) {
                    bytes += Array(words.randomElement(using: &random)!.utf8)
                } else {
                    bytes += (0..<Int.random(in: 1...8, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
                }
            }
            inputs.append(bytes)
        }
        // The first byte of a fuzz input chooses the state-machine variant: every input in each.
        for input in inputs {
            for variant in 0..<SMSPDUFuzz.variantCount { SMSPDUFuzz.fuzzOne([UInt8(variant)] + input) }
        }
    }
}

private func hexBytes(_ hex: String) throws -> [UInt8] {
    try stride(from: 0, to: hex.count, by: 2).map { offset in
        let start = hex.index(hex.startIndex, offsetBy: offset)
        return try #require(UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16))
    }
}

@Suite("GSM modem configuration")
struct GSMModemConfigurationTests {
    @Test func theDefaultsAreValidAndDocumented() throws {
        let configuration = GSMModemConfiguration(lineID: "sms-1")
        try configuration.validate()
        #expect(configuration.cnmi == "2,1,0,1,0" && configuration.baudRate == .b115200)
        #expect(configuration.responseTimeout == .seconds(10) && configuration.serviceCentre == nil)
    }

    @Test(arguments: [
        (GSMModemConfiguration(lineID: "a", cnmi: "2,2,0,1,0"), "cnmi"),
        (GSMModemConfiguration(lineID: "b", cnmi: "2;1"), "cnmi"),
        (GSMModemConfiguration(lineID: "c", cnmi: ""), "cnmi"),
        (GSMModemConfiguration(lineID: "d", responseTimeout: .zero), "response-timeout"),
        (GSMModemConfiguration(lineID: "e", pollInterval: .seconds(-1)), "poll-interval"),
        (GSMModemConfiguration(lineID: "f", serviceCentre: "SMSC"), "service-centre"),
    ])
    func invalidValuesNameTheirKey(configuration: GSMModemConfiguration, key: String) {
        #expect(throws: DeviceError.self) { try configuration.validate() }
        do {
            try configuration.validate()
        } catch {
            #expect(error.configurationKey == key)
        }
    }
}
