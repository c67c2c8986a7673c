import ParleyDevices
import Testing

/// Plays the terminal's side of a transcript against the PEI state machine and records what
/// the driver wrote (as text; Ctrl-Z as `^Z`) and reported.
struct PEIHarness {
    static let initialisation = ["ATZ", "ATE0", "AT+CTSP=1,3,130", "AT+CTGS=1,1001"]

    var machine: PEIStateMachine<SMSTestInstant>
    let feeding: Feeding
    var now = SMSTestInstant.seconds(0)
    private var writes: [String] = []
    private var events: [PEIEvent] = []

    init(_ feeding: Feeding, configuration: PEIConfiguration = PEIConfiguration(
        channelID: "test", gssi: 1001, initialisation: PEIHarness.initialisation)) {
        self.feeding = feeding
        machine = PEIStateMachine(configuration: configuration, firstReference: 7)
    }

    mutating func apply(_ actions: [PEIAction]) {
        for action in actions {
            switch action {
            case .write(let bytes): writes.append(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\u{1A}", with: "^Z"))
            case .emit(let event): events.append(event)
            }
        }
    }

    /// The terminal sends `text`.
    mutating func terminal(_ text: String) { terminal(bytes: Array(text.utf8)) }

    mutating func terminal(bytes: [UInt8]) {
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
    mutating func key(_ priority: PEITransmitPriority = .high) { apply(machine.key(priority: priority, at: now)) }
    mutating func unkey(force: Bool = false) { apply(machine.unkey(force: force, at: now)) }
    mutating func sendText(_ text: String, to ssi: UInt32, requestID: Int) {
        apply(machine.sendText(text, to: ssi, requestID: requestID, at: now))
    }
    mutating func sendStatus(_ value: UInt16, to ssi: UInt32, requestID: Int) {
        apply(machine.sendStatus(value, to: ssi, requestID: requestID, at: now))
    }

    mutating func takeWrites() -> [String] {
        defer { writes = [] }
        return writes
    }

    mutating func takeEvents() -> [PEIEvent] {
        defer { events = [] }
        return events
    }

    /// Opens the port and answers each initialisation command with OK.
    mutating func setUp(sourceLocation: SourceLocation = #_sourceLocation) {
        open()
        for command in Self.initialisation {
            #expect(takeWrites() == [command + "\r"], sourceLocation: sourceLocation)
            terminal("\r\nOK\r\n")
        }
        #expect(takeEvents() == [.ready], sourceLocation: sourceLocation)
    }

    /// Keys up on a fresh call: CTSDC, ATD, +CTCC naming call instance `cc`, granted.
    mutating func keyOnNewCall(cc: Int = 3, sourceLocation: SourceLocation = #_sourceLocation) {
        key()
        #expect(takeWrites() == ["AT+CTSDC=0,0,0,1,1,0,1,1,1,0\r"], sourceLocation: sourceLocation)
        terminal("\r\nOK\r\n")
        #expect(takeWrites() == ["ATD1001\r"], sourceLocation: sourceLocation)
        terminal("\r\nOK\r\n\r\n+CTOCP: \(cc),0,0\r\n\r\n+CTCC: \(cc),1,1,0,0,1,1\r\n\r\n+CTXG: \(cc),0,0,0\r\n")
        #expect(takeEvents() == [.transmitGranted(callInstance: cc)], sourceLocation: sourceLocation)
    }
}

@Suite("TETRA PEI state machine: initialisation and PTT")
struct PEIPTTTests {
    @Test(arguments: Feeding.allCases)
    func initialisationSendsTheConfiguredCommandsInOrderThenReady(feeding: Feeding) {
        var pei = PEIHarness(feeding)
        pei.open()
        #expect(pei.takeWrites() == ["ATZ\r"])
        pei.terminal("ATZ\r\r\nOK\r\n")  // the echo, before ATE0 took effect
        #expect(pei.takeWrites() == ["ATE0\r"])
        pei.terminal("ATE0\r\r\nOK\r\n")
        #expect(pei.takeWrites() == ["AT+CTSP=1,3,130\r"])
        pei.terminal("\r\n+CME ERROR: 34\r\n")
        #expect(pei.takeEvents() == [.commandRefused(command: "AT+CTSP=1,3,130", response: "+CME ERROR: 34 (parameter out of range)")])
        #expect(pei.takeWrites() == ["AT+CTGS=1,1001\r"])
        pei.terminal("\r\nOK\r\n")
        #expect(pei.takeEvents() == [.ready])
        #expect(pei.machine.isReady)
        #expect(pei.machine.counters.refusedCommands == 1)
    }

    @Test func theDefaultInitialisationSelectsTheTalkgroupAndRoutesShortDataToThePEI() {
        let commands = PEIConfiguration(channelID: "t", gssi: 2002).initialisation
        #expect(commands.first == "ATZ")
        #expect(commands.contains("AT+CTSP=1,2,20"))
        #expect(commands.contains("AT+CTSP=1,3,130"))
        #expect(commands.last == "AT+CTGS=1,2002")
    }

    @Test(arguments: Feeding.allCases)
    func firstKeyUpSetsUpTheGroupCallLaterOnesDemandTransmissionOnIt(feeding: Feeding) {
        var pei = PEIHarness(feeding)
        pei.setUp()
        pei.keyOnNewCall(cc: 3)
        #expect(pei.machine.isKeyed)
        pei.unkey()
        #expect(pei.takeWrites() == ["AT+CUTXC=3\r"])
        #expect(pei.takeEvents().isEmpty, "unkeyed only once the terminal confirmed")
        pei.terminal("\r\nOK\r\n")
        #expect(pei.takeEvents() == [.unkeyed(reason: nil)])
        // Within the call's hang time: key on the same call.
        pei.key(.emergency)
        #expect(pei.takeWrites() == ["AT+CTXD=3,3\r"])
        pei.terminal("\r\nOK\r\n\r\n+CTXG: 3,0,0,0\r\n")
        #expect(pei.takeEvents() == [.transmitGranted(callInstance: 3)])
        pei.unkey()
        pei.terminal("\r\nOK\r\n")
        #expect(pei.takeWrites() == ["AT+CUTXC=3\r"])
        #expect(pei.takeEvents() == [.unkeyed(reason: nil)])
        // The network releases the call after its hang time: the next key-up dials again.
        pei.terminal("\r\n+CTCR: 3,13\r\n")
        #expect(pei.takeEvents() == [.callReleased(callInstance: 3, cause: 13, reason: "expiry of timer")])
        pei.key(.low)
        #expect(pei.takeWrites() == ["AT+CTSDC=0,0,0,1,1,0,1,1,1,0\r"])
    }

    @Test func transmitDemandPriorityFollowsTheKeyingPriority() {
        #expect(PEITransmitPriority(.automation) == .low)
        #expect(PEITransmitPriority(.dispatcher) == .high)
        #expect(PEITransmitPriority(.emergency) == .emergency)
        var pei = PEIHarness(.allAtOnce)
        pei.setUp()
        pei.key(.emergency)
        #expect(pei.takeWrites() == ["AT+CTSDC=0,0,0,1,1,0,1,1,1,15\r"], "an emergency key-up sets up an emergency-priority call")
    }

    @Test(arguments: Feeding.allCases)
    func unkeyWhileDiallingCeasesOnceTheCallConnects(feeding: Feeding) {
        var pei = PEIHarness(feeding)
        pei.setUp()
        pei.key()
        pei.terminal("\r\nOK\r\n")
        #expect(pei.takeWrites() == ["AT+CTSDC=0,0,0,1,1,0,1,1,1,0\r", "ATD1001\r"])
        pei.unkey()
        #expect(pei.takeEvents().isEmpty)
        pei.terminal("\r\nOK\r\n\r\n+CTCC: 5,1,1,0,0,1,1\r\n")
        #expect(pei.takeWrites() == ["AT+CUTXC=5\r"])
        pei.terminal("\r\nOK\r\n")
        #expect(pei.takeEvents() == [.unkeyed(reason: nil)])
    }

    @Test func unkeyBeforeTheDialWasSentReportsUnkeyedAtOnce() {
        var pei = PEIHarness(.allAtOnce)
        pei.setUp()
        pei.key()
        pei.unkey()
        #expect(pei.takeEvents() == [.unkeyed(reason: nil)])
        pei.terminal("\r\nOK\r\n")  // the CTSDC's answer
        #expect(pei.takeWrites() == ["AT+CTSDC=0,0,0,1,1,0,1,1,1,0\r"], "no ATD after the unkey")
    }

    @Test func keyingBeforeTheTerminalIsReadyIsReportedUnkeyed() {
        var pei = PEIHarness(.allAtOnce)
        pei.key()
        let events = pei.takeEvents()
        #expect(events.count == 1)
        guard case .unkeyed(let reason?) = events.first else {
            Issue.record("expected unkeyed with a reason, got \(events)")
            return
        }
        #expect(reason.contains("not initialised"))
        #expect(pei.takeWrites().isEmpty)
    }

    @Test(arguments: Feeding.allCases)
    func aRefusedKeyUpIsReportedUnkeyedWithTheNamedError(feeding: Feeding) {
        var pei = PEIHarness(feeding)
        pei.setUp()
        pei.key()
        pei.terminal("\r\nOK\r\n")
        _ = pei.takeWrites()
        pei.terminal("\r\n+CME ERROR: 30\r\n")
        #expect(pei.takeEvents() == [
            .commandRefused(command: "ATD1001", response: "+CME ERROR: 30 (out of service)"),
            .unkeyed(reason: "the terminal refused ATD1001: +CME ERROR: 30 (out of service)"),
        ])
        #expect(!pei.machine.isKeyed)
    }

    @Test func aCallThatNeverConnectsFailsTheKeyUp() {
        var pei = PEIHarness(.allAtOnce)
        pei.setUp()
        pei.key()
        pei.terminal("\r\nOK\r\n")  // CTSDC and ATD accepted, but no +CTCC
        pei.terminal("\r\nOK\r\n")
        pei.advance(seconds: 6)
        let events = pei.takeEvents()
        guard case .unkeyed(let reason?) = events.first, events.count == 1 else {
            Issue.record("expected one unkeyed, got \(events)")
            return
        }
        #expect(reason.contains("not connected"))
    }

    @Test(arguments: Feeding.allCases)
    func losingTheFloorOrTheCallReportsUnkeyed(feeding: Feeding) {
        var pei = PEIHarness(feeding)
        pei.setUp()
        pei.keyOnNewCall(cc: 2)
        pei.terminal("\r\n+CTXG: 2,3,0,0,0,2005\r\n")  // pre-empted by unit 2005
        #expect(pei.takeEvents() == [
            .unkeyed(reason: "the floor was granted to unit 2005"),
            .squelchOpened(callInstance: 2, talker: TETRAIdentity(ssi: 2005), emergency: false),
        ])
        pei.terminal("\r\n+CDTXC: 2,0\r\n")
        pei.key()
        #expect(pei.takeWrites() == ["AT+CTXD=2,1\r"])
        pei.terminal("\r\nOK\r\n\r\n+CTXG: 2,0,0,0\r\n\r\n+CTCR: 2,9\r\n")
        #expect(pei.takeEvents() == [
            .squelchClosed(callInstance: 2),
            .transmitGranted(callInstance: 2),
            .unkeyed(reason: "call 2 was released: pre-emptive use of resource"),
            .callReleased(callInstance: 2, cause: 9, reason: "pre-emptive use of resource"),
        ])
    }

    @Test func aGrantBeforeTheCallIsReportedConnectedNamesTheCall() {
        var pei = PEIHarness(.allAtOnce)
        pei.setUp()
        pei.key()
        pei.terminal("\r\nOK\r\n")
        pei.terminal("\r\nOK\r\n\r\n+CTXG: 8,0,0,0\r\n")
        #expect(pei.takeEvents() == [.transmitGranted(callInstance: 8)])
        pei.advance(seconds: 10)
        #expect(pei.takeEvents().isEmpty, "no call set-up timeout once the call is granted")
        pei.terminal("\r\n+CTCC: 8,1,1,0,0,1,1\r\n")
        pei.unkey()
        #expect(pei.takeWrites().last == "AT+CUTXC=8\r")
    }

    @Test func configurationMistakesNameTheirKey() {
        #expect(throws: Never.self) { try PEIConfiguration(channelID: "t", gssi: 1001).validate() }
        let mistakes: [(PEIConfiguration, String)] = [
            (PEIConfiguration(channelID: "t", gssi: 16_777_216), "gssi"),
            (PEIConfiguration(channelID: "t", gssi: 1, initialisation: ["ATZ", "CTSP=1"]), "init"),
            (PEIConfiguration(channelID: "t", gssi: 1, initialisation: ["ATZ\rATD1"]), "init"),
            (PEIConfiguration(channelID: "t", gssi: 1, responseTimeout: .zero), "response-timeout"),
            (PEIConfiguration(channelID: "t", gssi: 1, maxLineBytes: 10), "max-line-bytes"),
        ]
        for (configuration, key) in mistakes {
            do {
                try configuration.validate()
                Issue.record("\(key) accepted")
            } catch {
                #expect(error.configurationKey == key)
            }
        }
    }

    @Test func aLateGrantWithNobodyHoldingPTTIsStoppedAtOnce() {
        var pei = PEIHarness(.allAtOnce)
        pei.setUp()
        pei.terminal("\r\n+CTCC: 4,1,1,0,0,1,1\r\n+CTXG: 4,0,0,0\r\n")
        #expect(pei.takeWrites() == ["AT+CUTXC=4\r"])
        #expect(pei.takeEvents().isEmpty)
    }
}

@Suite("TETRA PEI state machine: squelch, calls and short data")
struct PEIUnsolicitedTests {
    @Test(arguments: Feeding.allCases)
    func anIncomingGroupTransmissionOpensTheSquelchWithTheTalkersIdentity(feeding: Feeding) {
        var pei = PEIHarness(feeding)
        pei.setUp()
        pei.terminal("\r\n+CTICN: 1,0,0,0,2001,1,1,0,1,1,0,1001,0\r\n\r\n+CTXG: 1,3,0,0,1,23426000002001\r\n")
        pei.terminal("\r\n+CDTXC: 1,0\r\n")
        #expect(pei.takeEvents() == [
            .incomingCall(PEIIncomingCall(callInstance: 1, calling: TETRAIdentity(ssi: 2001), called: TETRAIdentity(ssi: 1001),
                                          priority: 0, isGroupCall: true)),
            .squelchOpened(callInstance: 1, talker: TETRAIdentity(ssi: 2001, tsi: "23426000002001"), emergency: false),
            .squelchClosed(callInstance: 1),
        ])
        // The call is up: keying now demands transmission on it instead of dialling.
        pei.key()
        #expect(pei.takeWrites() == ["AT+CTXD=1,1\r"])
    }

    @Test(arguments: Feeding.allCases)
    func anEmergencyCallIsFlaggedAndItsTransmissionsToo(feeding: Feeding) {
        var pei = PEIHarness(feeding)
        pei.setUp()
        pei.terminal("\r\n+CTICN: 6,0,0,0,2002,1,1,0,1,1,0,1001,15\r\n\r\n+CTXG: 6,3,0,0,0,2002\r\n")
        let events = pei.takeEvents()
        #expect(events.count == 2)
        #expect(events.allSatisfy { $0.isEmergency })
    }

    @Test(arguments: Feeding.allCases)
    func statusesAreDecodedAndEmergencyStatusesFlagged(feeding: Feeding) {
        var pei = PEIHarness(feeding)
        pei.setUp()
        pei.terminal("\r\n+CTSDSR: 13,2003,0,1001,1,16\r\n8002\r\n\r\n+CTSDSR: 13,2004,0,1001,1,16\r\n0000\r\n")
        #expect(pei.takeEvents() == [
            .shortData(PEIShortData(from: TETRAIdentity(ssi: 2003), to: TETRAIdentity(ssi: 1001), message: .status(0x8002), isEmergency: false)),
            .shortData(PEIShortData(from: TETRAIdentity(ssi: 2004), to: TETRAIdentity(ssi: 1001), message: .status(0), isEmergency: true)),
        ])
    }

    @Test(arguments: Feeding.allCases)
    func aTextMessageIsDecodedAndItsReceiptReportedWhenAskedFor(feeding: Feeding) {
        var pei = PEIHarness(feeding)
        pei.setUp()
        // SDS-TL, received report requested, reference 0x2A, Latin 1, "Hi".
        pei.terminal("\r\n+CTSDSR: 12,2005,0,1001,0,48\r\n82042A014869\r\n")
        #expect(pei.takeEvents() == [.shortData(PEIShortData(
            from: TETRAIdentity(ssi: 2005), to: TETRAIdentity(ssi: 1001),
            message: .text(SDSText(text: "Hi", coding: .latin1, transport: .transportLayer(reference: 0x2A, reportRequest: .received))),
            isEmergency: false))])
        #expect(pei.takeWrites() == ["AT+CTSDS=12,0,0,0,0\r"])
        pei.terminal("\r\nOK\r\n")
        #expect(pei.takeWrites() == ["AT+CMGS=2005,32\r8210002A^Z"])
        pei.terminal("\r\n+CMGS: 0\r\n\r\nOK\r\n")
        #expect(pei.takeEvents().isEmpty)
    }

    @Test(arguments: Feeding.allCases)
    func sendingStatusAndTextUsesCTSDSThenCMGS(feeding: Feeding) {
        var pei = PEIHarness(feeding)
        pei.setUp()
        pei.sendStatus(0x8005, to: 2006, requestID: 1)
        pei.sendText("On way", to: 2006, requestID: 2)
        #expect(pei.takeWrites() == ["AT+CTSDS=13,0,0,0,0\r"])
        pei.terminal("\r\nOK\r\n")
        #expect(pei.takeWrites() == ["AT+CMGS=2006,16\r8005^Z"])
        pei.terminal("\r\n+CMGS: 1,0\r\n\r\nOK\r\n")
        #expect(pei.takeEvents() == [.shortDataSent(requestID: 1)])
        #expect(pei.takeWrites() == ["AT+CTSDS=12,0,0,0,0\r"])
        pei.terminal("\r\nOK\r\n")
        #expect(pei.takeWrites() == ["AT+CMGS=2006,80\r82000701" + "4F6E20776179" + "^Z"])
        pei.terminal("\r\n+CME ERROR: 31\r\n")
        #expect(pei.takeEvents() == [.shortDataFailed(
            requestID: 2, reason: "the terminal refused it: +CME ERROR: 31 (no layer 2 acknowledgement from the SwMI)")])
    }

    @Test func pttGoesBeforeQueuedShortData() {
        var pei = PEIHarness(.allAtOnce)
        pei.setUp()
        pei.sendStatus(1, to: 2006, requestID: 1)
        pei.key()
        #expect(pei.takeWrites() == ["AT+CTSDS=13,0,0,0,0\r"])
        pei.terminal("\r\nOK\r\n")
        #expect(pei.takeWrites() == ["AT+CTSDC=0,0,0,1,1,0,1,1,1,0\r"])
    }

    @Test func releaseCausesAreNamed() {
        #expect(PEIDisconnectCause.meaning(1) == "user requested disconnect")
        #expect(PEIDisconnectCause.meaning(14) == "SwMI requested disconnection")
        #expect(PEIDisconnectCause.meaning(200) == "reserved cause 200")
    }
}

@Suite("TETRA PEI state machine: bad input and a silent terminal")
struct PEIBadInputTests {
    @Test(arguments: Feeding.allCases)
    func partialLinesWaitForTheirEnd(feeding: Feeding) {
        var pei = PEIHarness(feeding)
        pei.setUp()
        pei.terminal("\r\n+CTXG: 1,3,0,0,0,20")
        #expect(pei.takeEvents().isEmpty)
        pei.terminal("07\r\n")
        #expect(pei.takeEvents() == [.squelchOpened(callInstance: 1, talker: TETRAIdentity(ssi: 2007), emergency: false)])
    }

    @Test(arguments: Feeding.allCases)
    func garbageUnknownResultsAndOutOfRangeFieldsAreReportedCountedAndSurvived(feeding: Feeding) {
        var pei = PEIHarness(feeding)
        pei.setUp()
        pei.terminal(bytes: [0x0D, 0x0A, 0xFF, 0x41, 0x00, 0x0D, 0x0A])
        pei.terminal("\r\n+CREG: 1,1\r\n")
        pei.terminal("\r\n+CTXG: 70000,3,0,0\r\n+CTXG: 1,9,0,0\r\n+CTICN: 1,0,0,0,123456789012345678,1\r\n")
        pei.terminal("\r\n+CTSDSR: 13,2003,0,1001,0,16\r\nZZ\r\n")
        pei.terminal("\r\n+CTSDSR: 12,2003,0,1001,0,16\r\n8Z\r\n")
        pei.terminal("\r\n+CTSDSR: 13,2003,0,1001,0,24\r\n800201\r\n")
        pei.terminal("\r\nOK\r\n")
        pei.terminal("\r\n" + String(repeating: "A", count: 2000) + "\r\n")
        let events = pei.takeEvents()
        guard case .malformed(let garbage) = events.first else {
            Issue.record("expected the garbage first, got \(events)")
            return
        }
        #expect(garbage.hex == "ff 41 00")
        let rejected = events.compactMap { event -> PEIRejectedLine? in
            if case .rejected(let line) = event { return line }
            return nil
        }
        #expect(rejected.map(\.reason) == [
            .unknownResult, .invalidField, .invalidField, .invalidField,
            .invalidField, .unexpected,  // the header without data, then its line
            .invalidField, .unexpected,
            .undecodableData, .unexpected,
        ])
        #expect(rejected.first?.hex.hasPrefix("2b 43 52 45 47") == true)
        let counters = pei.machine.counters
        #expect(counters.malformedLines == 2)
        #expect(counters.unknownResults == 1)
        #expect(counters.badInput == 12)
        // Still working.
        pei.terminal("\r\n+CTXG: 1,3,0,0,0,2007\r\n")
        #expect(pei.takeEvents() == [.squelchOpened(callInstance: 1, talker: TETRAIdentity(ssi: 2007), emergency: false)])
    }

    @Test(arguments: Feeding.allCases)
    func aSilentTerminalDropsPTTAndSquelchAndIsReinitialisedWithOneFaultAndOneRecovery(feeding: Feeding) {
        var pei = PEIHarness(feeding)
        pei.setUp()
        pei.keyOnNewCall(cc: 3)
        pei.unkey()
        pei.sendStatus(5, to: 2001, requestID: 11)
        #expect(pei.takeWrites() == ["AT+CUTXC=3\r"])
        pei.advance(seconds: 4)
        #expect(pei.takeEvents().isEmpty)
        pei.advance(seconds: 1)  // 5 s: no answer to AT+CUTXC
        let events = pei.takeEvents()
        #expect(events.count == 3)
        guard events.count == 3, case .shortDataFailed(11, _) = events[0], case .unkeyed(let reason?) = events[1],
              case .fault = events[2] else {
            Issue.record("expected the send failed, PTT unkeyed with a reason and one fault, got \(events)")
            return
        }
        #expect(reason.contains("did not answer AT+CUTXC=3"))
        #expect(pei.takeWrites() == ["ATZ\r"])
        // Still silent: retried, but no second fault.
        for _ in 0..<3 {
            pei.advance(seconds: 5)
            #expect(pei.takeWrites() == ["ATZ\r"])
        }
        #expect(pei.takeEvents().isEmpty)
        #expect(pei.machine.counters.timeouts == 4)
        pei.key()
        guard case .unkeyed? = pei.takeEvents().first else {
            Issue.record("keying a faulted terminal must report unkeyed")
            return
        }
        // It answers again.
        for command in PEIHarness.initialisation.dropFirst() {
            pei.terminal("\r\nOK\r\n")
            #expect(pei.takeWrites() == [command + "\r"])
        }
        pei.terminal("\r\nOK\r\n")
        #expect(pei.takeEvents() == [.recovered, .ready])
        pei.key()
        #expect(pei.takeWrites() == ["AT+CTSDC=0,0,0,1,1,0,1,1,1,0\r"], "the old call is forgotten")
    }

    @Test func anIdleTerminalIsCheckedWithAT() {
        var pei = PEIHarness(.allAtOnce)
        pei.setUp()
        pei.advance(seconds: 30)
        #expect(pei.takeWrites() == ["AT\r"])
        pei.terminal("\r\nOK\r\n")
        pei.advance(seconds: 29)
        #expect(pei.takeWrites().isEmpty)
        pei.advance(seconds: 1)
        #expect(pei.takeWrites() == ["AT\r"])
        pei.advance(seconds: 5)
        guard case .fault? = pei.takeEvents().first else {
            Issue.record("an unanswered keep-alive is a fault")
            return
        }
    }

    @Test func aLostPortReportsPTTDownAndTheSquelchClosed() {
        var pei = PEIHarness(.allAtOnce)
        pei.setUp()
        pei.terminal("\r\n+CTXG: 1,3,0,0,0,2007\r\n")
        _ = pei.takeEvents()
        pei.key()
        pei.apply(pei.machine.portLost("gone", at: pei.now))
        #expect(pei.takeEvents() == [.squelchClosed(callInstance: 1), .unkeyed(reason: "gone"), .fault("gone")])
        #expect(!pei.machine.isKeyed)
    }

    @Test func aLongTranscriptGivesTheSameWritesAndEventsWholeAndOneByteAtATime() {
        func play(_ feeding: Feeding) -> (writes: [String], events: [PEIEvent]) {
            var pei = PEIHarness(feeding)
            pei.setUp()
            var writes: [String] = []
            var events: [PEIEvent] = []
            func take() {
                writes += pei.takeWrites()
                events += pei.takeEvents()
            }
            pei.terminal("\r\n+CTICN: 1,0,0,0,2001,1,1,0,1,1,0,1001,15\r\n\r\n+CTXG: 1,3,0,0,0,2001\r\n\u{FF}\r\n+CDTXC: 1,0\r\n")
            pei.key(.emergency)
            take()
            pei.terminal("\r\nOK\r\n\r\n+CTXG: 1,0,0,0\r\n\r\n+CREG: 5\r\n")
            pei.unkey()
            take()
            pei.terminal("\r\nOK\r\n\r\n+CTSDSR: 13,2004,0,1001,0,16\r\n0000\r\n\r\n+CTSDSR: 12,2005,0,1001,0,48\r\n82042A014869\r\n")
            take()
            pei.terminal("\r\nOK\r\n")
            take()
            pei.terminal("\r\n+CMGS: 1\r\n\r\nOK\r\n\r\n+CTCR: 1,1\r\n" + String(repeating: "9", count: 1500) + "\r\n")
            pei.advance(seconds: 40)
            take()
            return (writes, events)
        }
        let whole = play(.allAtOnce)
        let dripped = play(.oneByteAtATime)
        #expect(whole.writes == dripped.writes)
        #expect(whole.events == dripped.events)
        #expect(whole.events.count >= 10)
        #expect(whole.writes.contains("AT+CMGS=2005,32\r8210002A^Z"))
    }

    @Test func theFuzzEntryPointSurvivesItsSeeds() {
        for seed in ["", "\r\n+CTXG: 1,3,0,0,0,2001\r\n", "+CTSDSR: 12,1,0,2,0,2047\r\n82", "\u{FF}\u{00}OK\r"] {
            PEIFuzz.fuzzOne(Array(seed.utf8))
        }
    }
}
