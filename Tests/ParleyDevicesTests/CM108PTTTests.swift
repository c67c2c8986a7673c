import Foundation
import ParleyDevices
import Testing

@Suite("CM108 PTT")
struct CM108PTTTests {
    @Test(arguments: 1...8)
    func reportsFollowTheFiveByteLayout(pin: Int) throws {
        let gpio = try CM108GPIO(pin)
        let mask = UInt8(1) << UInt8(pin - 1)
        #expect(CM108PTT.report(gpio: gpio, keyed: true) == [0x00, 0x00, mask, mask, 0x00])
        #expect(CM108PTT.report(gpio: gpio, keyed: false) == [0x00, 0x00, 0x00, mask, 0x00])
        #expect(CM108PTT.report(gpio: gpio, keyed: true, inverted: true) == [0x00, 0x00, 0x00, mask, 0x00])
        #expect(CM108PTT.report(gpio: gpio, keyed: false, inverted: true) == [0x00, 0x00, mask, mask, 0x00])
    }

    @Test func theDefaultIsGPIO3() {
        #expect(CM108GPIO.default.number == 3 && CM108GPIO.default.mask == 0x04)
    }

    @Test(arguments: [0, 9, -1, 255])
    func aGPIOOutOfRangeIsAConfigurationError(pin: Int) {
        let error = #expect(throws: DeviceError.self) { try CM108GPIO(pin) }
        #expect(error?.isConfigurationError == true && error?.configurationKey == "ptt.gpio")
        #expect(error?.description.contains("1 to 8") == true)
    }

    @Test func writesExactReportsToTheDevice() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let standIn = directory.file("hidraw0")
        #expect(FileManager.default.createFile(atPath: standIn, contents: nil))
        let ptt = try CM108PTT(path: standIn, gpio: .default, logger: quietLogger)
        try await ptt.key()
        try await ptt.unkey()
        try await ptt.key()
        await ptt.close()
        #expect(try readBytes(standIn) == [
            0, 0, 0x00, 0x04, 0,  // unkey on open
            0, 0, 0x04, 0x04, 0,  // key
            0, 0, 0x00, 0x04, 0,  // unkey
            0, 0, 0x04, 0x04, 0,  // key
            0, 0, 0x00, 0x04, 0,  // release on close
        ])
        await #expect(throws: DeviceError.closed(path: standIn)) { try await ptt.key() }
    }

    @Test func invertedGPIO8AndReleaseOnDeinit() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.cleanup() }
        let standIn = directory.file("hidraw1")
        #expect(FileManager.default.createFile(atPath: standIn, contents: nil))
        var ptt: CM108PTT? = try CM108PTT(path: standIn, gpio: try CM108GPIO(8), inverted: true, logger: quietLogger)
        try await ptt?.key()
        ptt = nil
        #expect(try readBytes(standIn) == [
            0, 0, 0x80, 0x80, 0,  // unkey on open: inverted, so the pin goes high
            0, 0, 0x00, 0x80, 0,  // key
            0, 0, 0x80, 0x80, 0,  // release on deinit
        ])
    }

    @Test func aMissingDeviceSaysWhatToCheck() {
        let error = #expect(throws: DeviceError.self) { try CM108PTT(path: "/dev/hidraw-none", logger: quietLogger) }
        #expect(error?.errno == .noSuchFileOrDirectory && error?.description.contains("plugdev") == true)
    }

    @Test func aWriteFailureIsReported() async throws {
        // /dev/full accepts the open and fails every write with ENOSPC.
        let error = #expect(throws: DeviceError.self) { try CM108PTT(path: "/dev/full", logger: quietLogger) }
        #expect(error?.errno == .noSpace)
    }
}
