#if canImport(Glibc)
import Glibc
#endif
import Logging
import SystemPackage

/// A CM108/CM119 GPIO pin, 1…8 (the usual PTT pin is 3).
public struct CM108GPIO: Sendable, Hashable, CustomStringConvertible {
    public let number: Int

    /// Throws a configuration error naming `ptt.gpio` when `number` is outside 1…8.
    public init(_ number: Int) throws(DeviceError) {
        guard (1...8).contains(number) else {
            throw .invalidConfiguration(
                key: "ptt.gpio", "GPIO \(number) is out of range — CM108/CM119 GPIOs are numbered 1 to 8 (3 is the usual PTT pin)")
        }
        self.number = number
    }

    private init(unchecked number: Int) { self.number = number }

    /// GPIO 3, the pin most CM108 radio interfaces wire to PTT.
    public static let `default` = CM108GPIO(unchecked: 3)

    /// The pin's bit in the report's data and direction bytes.
    public var mask: UInt8 { UInt8(1) << UInt8(number - 1) }

    public var description: String { "GPIO\(number)" }
}

/// PTT on a CM108/CM119 USB sound-card GPIO, through its hidraw node.
///
/// Each change writes one 5-byte HID output report, `00 00 data mask 00`: report 0, then the
/// GPIO data byte, then the direction byte making the pin an output. Unkeys when created,
/// closed and deinitialised.
///
/// Unlike a serial line, the CM108's GPIO latch keeps its level when the hidraw descriptor
/// closes, so a `kill -9` while keyed leaves it keyed until `parleyd --release-ptt`
/// (`ExecStopPost=`) or the next start resets it.
public actor CM108PTT: PTTDriver {
    public nonisolated let type = PTTType.cm108
    public nonisolated let path: String
    public nonisolated let gpio: CM108GPIO
    public nonisolated let inverted: Bool
    private var descriptor: FileDescriptor?
    private let executor: DeviceThreadExecutor
    private let logger: Logger

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// The report that sets `gpio` to keyed or unkeyed.
    public static func report(gpio: CM108GPIO, keyed: Bool, inverted: Bool = false) -> [UInt8] {
        let high = keyed != inverted
        return [0x00, 0x00, high ? gpio.mask : 0x00, gpio.mask, 0x00]
    }

    /// Opens the hidraw node (or a stand-in file) for writing and unkeys.
    public init(path: String, gpio: CM108GPIO = .default, inverted: Bool = false, logger: Logger) throws(DeviceError) {
        let fd: Int32
        do {
            fd = try retryingInterrupts { Glibc.open(path, O_WRONLY | O_APPEND | O_NOCTTY | O_CLOEXEC) }
        } catch {
            throw .openFailed(path: path, errno: error)
        }
        var logger = logger
        logger[metadataKey: "ptt.type"] = "cm108"
        logger[metadataKey: "ptt.device"] = "\(path)"
        self.path = path
        self.gpio = gpio
        self.inverted = inverted
        self.descriptor = FileDescriptor(rawValue: fd)
        self.logger = logger
        self.executor = DeviceThreadExecutor(name: "parley-ptt-cm108")
        do {
            try Self.write(Self.report(gpio: gpio, keyed: false, inverted: inverted), to: fd, path: path)
        } catch {
            _ = Glibc.close(fd)
            executor.shutdown()
            throw error
        }
    }

    deinit {
        if let descriptor {
            try? Self.write(Self.report(gpio: gpio, keyed: false, inverted: inverted), to: descriptor.rawValue, path: path)
            try? descriptor.close()
        }
        executor.shutdown()
    }

    public func key() throws(DeviceError) {
        try send(keyed: true)
        logger.debug("PTT keyed")
    }

    public func unkey() throws(DeviceError) {
        try send(keyed: false)
        logger.debug("PTT unkeyed")
    }

    public func releaseAll() throws(DeviceError) {
        try send(keyed: false)
    }

    public func close() {
        guard let descriptor else { return }
        do {
            try Self.write(Self.report(gpio: gpio, keyed: false, inverted: inverted), to: descriptor.rawValue, path: path)
        } catch {
            logger.info("PTT release on close failed", metadata: ["error": "\(error)"])
        }
        try? descriptor.close()
        self.descriptor = nil
    }

    private func send(keyed: Bool) throws(DeviceError) {
        guard let descriptor else { throw .closed(path: path) }
        try Self.write(Self.report(gpio: gpio, keyed: keyed, inverted: inverted), to: descriptor.rawValue, path: path)
    }

    /// One `write` per report: hidraw takes a report per call, never a part of one.
    private static func write(_ report: [UInt8], to fd: Int32, path: String) throws(DeviceError) {
        let written: Int
        do {
            written = try retryingInterrupts { report.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } }
        } catch {
            throw .ioFailed("write", path: path, errno: error)
        }
        guard written == report.count else { throw .shortWrite(path: path, written: written, expected: report.count) }
    }
}
