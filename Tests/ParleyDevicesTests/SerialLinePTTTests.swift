import ParleyDevices
import SystemPackage
import Testing

@Suite("Serial line PTT (test double)")
struct SerialLinePTTTests {
    @Test func unkeysAsSoonAsItIsCreated() throws {
        let lines = InMemoryModemLines()  // a fresh tty: DTR and RTS raised
        _ = try SerialLinePTT(control: lines, lines: [SerialPTTLine(.rts)], logger: quietLogger)
        #expect(lines.operations.first == .clear(.rts))
        #expect(lines.lines == [.dtr])
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var lines: [SerialPTTLine]
        var keyed: ModemLines
        var unkeyed: ModemLines
        var testDescription: String { lines.map(\.description).joined(separator: ",") }
    }

    static let cases: [Case] = [
        Case(lines: [SerialPTTLine(.rts)], keyed: [.rts], unkeyed: []),
        Case(lines: [SerialPTTLine(.dtr)], keyed: [.dtr], unkeyed: []),
        Case(lines: [SerialPTTLine(.rts), SerialPTTLine(.dtr)], keyed: [.rts, .dtr], unkeyed: []),
        Case(lines: [SerialPTTLine(.rts, inverted: true)], keyed: [], unkeyed: [.rts]),
        Case(lines: [SerialPTTLine(.rts), SerialPTTLine(.dtr, inverted: true)], keyed: [.rts], unkeyed: [.dtr]),
    ]

    @Test(arguments: cases)
    func drivesEachLineWithItsPolarity(_ scenario: Case) async throws {
        let modem = InMemoryModemLines(initial: [])
        let ptt = try SerialLinePTT(control: modem, lines: scenario.lines, logger: quietLogger)
        #expect(modem.lines == scenario.unkeyed)
        try await ptt.key()
        #expect(modem.lines == scenario.keyed)
        try await ptt.unkey()
        #expect(modem.lines == scenario.unkeyed)
        try await ptt.key()
        try await ptt.releaseAll()
        #expect(modem.lines == scenario.unkeyed)
    }

    @Test func usesOneIoctlPerDirection() async throws {
        let modem = InMemoryModemLines(initial: [])
        let ptt = try SerialLinePTT(control: modem, lines: [SerialPTTLine(.rts), SerialPTTLine(.dtr, inverted: true)], logger: quietLogger)
        try await ptt.key()
        #expect(modem.operations == [.set(.dtr), .clear(.rts), .set(.rts), .clear(.dtr)])
    }

    @Test func closeReleasesAndLaterUseThrows() async throws {
        let modem = InMemoryModemLines(initial: [])
        let ptt = try SerialLinePTT(control: modem, lines: [SerialPTTLine(.rts)], logger: quietLogger)
        try await ptt.key()
        await ptt.close()
        #expect(modem.lines == [])
        await #expect(throws: DeviceError.closed(path: modem.path)) { try await ptt.key() }
    }

    @Test func deinitReleases() async throws {
        let modem = InMemoryModemLines(initial: [])
        var ptt: SerialLinePTT? = try SerialLinePTT(control: modem, lines: [SerialPTTLine(.dtr)], logger: quietLogger)
        try await ptt?.key()
        #expect(modem.lines == [.dtr])
        ptt = nil
        #expect(modem.lines == [])
        #expect(modem.operations.last == .clear(.dtr))
    }

    @Test func aFailingIoctlBecomesADeviceErrorNamingIt() async throws {
        let modem = InMemoryModemLines(initial: [])
        let ptt = try SerialLinePTT(control: modem, lines: [SerialPTTLine(.rts)], logger: quietLogger)
        modem.failOperations(with: .ioError)
        let error = await #expect(throws: DeviceError.self) { try await ptt.key() }
        #expect(error?.errno == .ioError)
        #expect(error?.description.contains("TIOCMBIS on /dev/null-modem failed") == true)
        modem.failOperations(with: nil)
        try await ptt.key()
        #expect(modem.lines == [.rts])
    }

    @Test(arguments: [[SerialPTTLine](), [SerialPTTLine(.rts), SerialPTTLine(.rts, inverted: true)]])
    func rejectsNoLinesOrALineTwice(lines: [SerialPTTLine]) {
        let error = #expect(throws: DeviceError.self) { try SerialLinePTT(control: InMemoryModemLines(), lines: lines, logger: quietLogger) }
        #expect(error?.isConfigurationError == true && error?.configurationKey == "ptt.lines")
    }

    @Test func openingAMissingPortSaysWhatToCheck() {
        let error = #expect(throws: DeviceError.self) {
            try SerialLinePTT.open(path: "/dev/ttyNOPE9", lines: [SerialPTTLine(.rts)], logger: quietLogger)
        }
        #expect(error?.errno == .noSuchFileOrDirectory)
        #expect(error?.description.contains("/dev/ttyNOPE9") == true && error?.description.contains("unplugged") == true)
    }

    @Test func aPtyRefusesTheModemIoctlsSoTheRealPathNeedsTheShim() throws {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let error = #expect(throws: DeviceError.self) {
            try SerialLinePTT.open(path: pty.slavePath, lines: [SerialPTTLine(.rts)], logger: quietLogger)
        }
        #expect(error?.errno == .inappropriateIOCTLForDevice)
    }
}
