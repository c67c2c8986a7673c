import Foundation
import ParleyCore
import ParleyDevices
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Serial COR")
struct SerialCORTests {
    @Test(arguments: SerialCOR.Line.allCases)
    func readsTheChosenLineWithOptionalInvert(line: SerialCOR.Line) throws {
        let lineBit: ModemLines = [SerialCOR.Line.cts: .cts, .dsr: .dsr, .dcd: .dcd][line]!
        let modem = InMemoryModemLines(initial: [.dtr, .rts])
        let plain = SerialCOR(control: modem, line: line)
        let inverted = SerialCOR(control: modem, line: line, inverted: true)
        #expect(try !plain.isActive() && inverted.isActive())
        modem.setInputs(lineBit)
        #expect(try plain.isActive() && !inverted.isActive())
        modem.setInputs(ModemLines([.cts, .dsr, .dcd]).subtracting(lineBit))
        #expect(try !plain.isActive(), "other input lines must not count")
    }

    @Test func aFailingReadBecomesADeviceError() {
        let modem = InMemoryModemLines()
        modem.failOperations(with: .ioError)
        let error = #expect(throws: DeviceError.self) { try SerialCOR(control: modem, line: .dcd).isActive() }
        #expect(error?.description.contains("TIOCMGET") == true)
    }

    @Test func feedsTheSquelchStateMachine() throws {
        let modem = InMemoryModemLines()
        let cor = SerialCOR(control: modem, line: .cts)
        var squelch = SquelchStateMachine<ContinuousClock.Instant>(
            configuration: SquelchConfiguration(debounce: .milliseconds(20), hangTime: .milliseconds(100)))
        let start = ContinuousClock.now
        var actions: [SquelchStateMachine<ContinuousClock.Instant>.Action] = []
        // Poll every 10 ms of test time: carrier from 50 ms to 300 ms.
        for step in 0...50 {
            let now = start.advanced(by: .milliseconds(step * 10))
            modem.setInputs((5..<30).contains(step) ? .cts : [])
            actions += squelch.sample("cor", active: try cor.isActive(), at: now)
        }
        #expect(actions == [
            .opened(at: start.advanced(by: .milliseconds(50))),
            .closed(at: start.advanced(by: .milliseconds(400)), duration: .milliseconds(350)),
        ])
    }
}

@Suite("CM108 COR")
struct CM108CORTests {
    @Test func decodesTheChosenBitOfByteZero() throws {
        #expect(CM108COR.isActive(report: [0x02, 0, 0, 0], bit: .volumeDown, inverted: false) == true)
        #expect(CM108COR.isActive(report: [0x01, 0, 0, 0], bit: .volumeDown, inverted: false) == false)
        #expect(CM108COR.isActive(report: [0x01, 0xFF, 0xFF, 0xFF], bit: .volumeUp, inverted: false) == true)
        #expect(CM108COR.isActive(report: [0x00, 0, 0, 0], bit: .volumeUp, inverted: true) == true)
        #expect(CM108COR.isActive(report: [0x80], bit: try CM108InputBit(7), inverted: false) == true)
        #expect(CM108COR.isActive(report: [UInt8](), bit: .volumeUp, inverted: false) == nil)
        #expect(CM108InputBit.volumeDown.description == "VOL_DN" && CM108InputBit.recordMute.bit == 3)
    }

    @Test(arguments: [-1, 8])
    func aBitOutOfRangeIsAConfigurationError(bit: Int) {
        let error = #expect(throws: DeviceError.self) { try CM108InputBit(bit) }
        #expect(error?.configurationKey == "squelch.bit")
    }

    @Test func readsReportsFromTheDeviceNode() throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let fifo = directory.file("hidraw-in")
        #expect(mkfifo(fifo, 0o600) == 0)
        let cor = try CM108COR(path: fifo, bit: .volumeDown)
        defer { cor.close() }
        let writer = open(fifo, O_WRONLY | O_CLOEXEC)
        #expect(writer >= 0)
        defer { _ = Glibc.close(writer) }
        func send(_ bytes: [UInt8]) { _ = bytes.withUnsafeBytes { write(writer, $0.baseAddress, $0.count) } }

        #expect(try cor.waitForReport(timeout: .milliseconds(20)) == nil)
        send([0x02, 0, 0, 0])
        #expect(try cor.waitForReport(timeout: .seconds(2)) == true)
        send([0x00, 0, 0, 0])
        #expect(try cor.waitForReport(timeout: .seconds(2)) == false)
        // Two reports in one read (a byte stream): the last one is the level.
        send([0x02, 0, 0, 0, 0x00, 0, 0, 0, 0x02, 0, 0, 0])
        #expect(try cor.waitForReport(timeout: .seconds(2)) == true)
        #expect(try cor.readAvailable() == nil)
        cor.close()
        #expect(throws: DeviceError.self) { try cor.readAvailable() }
    }

    @Test func aMissingDeviceSaysWhatToCheck() {
        let error = #expect(throws: DeviceError.self) { try CM108COR(path: "/dev/hidraw-none") }
        #expect(error?.errno == .noSuchFileOrDirectory)
    }
}
