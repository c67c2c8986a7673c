#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import SystemPackage

/// A bit of the CM108/CM119 HID input report used as COR.
///
/// Byte 0 of the report carries the sound card's button inputs, which radio interfaces wire
/// to the receiver's COR: bit 0 VOL_UP, bit 1 VOL_DN (the usual choice), bit 2 PLAY_MUTE,
/// bit 3 REC_MUTE.
public struct CM108InputBit: Sendable, Hashable, CustomStringConvertible {
    public let bit: Int

    /// Throws a configuration error naming `squelch.bit` when `bit` is outside 0…7.
    public init(_ bit: Int) throws(DeviceError) {
        guard (0...7).contains(bit) else {
            throw .invalidConfiguration(
                key: "squelch.bit", "bit \(bit) is out of range — use 0…7 of report byte 0 (0 VOL_UP, 1 VOL_DN, 2 PLAY_MUTE, 3 REC_MUTE)")
        }
        self.bit = bit
    }

    private init(unchecked bit: Int) { self.bit = bit }

    public static let volumeUp = CM108InputBit(unchecked: 0)
    public static let volumeDown = CM108InputBit(unchecked: 1)
    public static let playMute = CM108InputBit(unchecked: 2)
    public static let recordMute = CM108InputBit(unchecked: 3)

    public var mask: UInt8 { UInt8(1) << UInt8(bit) }

    public var description: String {
        switch bit {
        case 0: "VOL_UP"
        case 1: "VOL_DN"
        case 2: "PLAY_MUTE"
        case 3: "REC_MUTE"
        default: "bit \(bit)"
        }
    }
}

/// COR from a CM108/CM119 USB sound card's HID input reports (hidraw).
///
/// The card sends an input report whenever its inputs change; the last one read is the
/// current level. A hidraw `read` returns exactly one report; from a byte stream stand-in (a
/// pipe in tests) what one read returns is split into `reportSize`-byte reports.
public final class CM108COR: Sendable {
    public let path: String
    public let bit: CM108InputBit
    public let inverted: Bool
    public let reportSize: Int
    private let descriptor: Mutex<FileDescriptor?>

    /// Opens the hidraw node (or a stand-in) for reading, non-blocking.
    public init(path: String, bit: CM108InputBit = .volumeDown, inverted: Bool = false, reportSize: Int = 4) throws(DeviceError) {
        let fd: Int32
        do {
            fd = try retryingInterrupts { Glibc.open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC) }
        } catch {
            throw .openFailed(path: path, errno: error)
        }
        self.path = path
        self.bit = bit
        self.inverted = inverted
        self.reportSize = max(reportSize, 1)
        self.descriptor = Mutex(FileDescriptor(rawValue: fd))
    }

    deinit { close() }

    public func close() {
        let fd = descriptor.withLock { fd -> FileDescriptor? in
            defer { fd = nil }
            return fd
        }
        try? fd?.close()
    }

    /// The level one report shows, after inversion; nil for an empty report.
    public static func isActive(report: some Collection<UInt8>, bit: CM108InputBit, inverted: Bool) -> Bool? {
        guard let first = report.first else { return nil }
        return (first & bit.mask != 0) != inverted
    }

    /// Waits up to `timeout` for input reports; returns the level of the last one read, or nil
    /// when none came.
    public func waitForReport(timeout: Duration) throws(DeviceError) -> Bool? {
        guard let fd = descriptor.withLock({ $0?.rawValue }) else { throw .closed(path: path) }
        do {
            guard try pollReadable(fd, timeout: timeout) else { return nil }
        } catch {
            throw .ioFailed("poll", path: path, errno: error)
        }
        return try readAvailable()
    }

    /// Reads every report waiting now; returns the level of the last, or nil when none was.
    public func readAvailable() throws(DeviceError) -> Bool? {
        guard let fd = descriptor.withLock({ $0?.rawValue }) else { throw .closed(path: path) }
        var level: Bool?
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count: Int
            do {
                count = try retryingInterrupts { buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) } }
            } catch {
                if error == .resourceTemporarilyUnavailable { return level }
                throw .ioFailed("read", path: path, errno: error)
            }
            if count == 0 { return level }  // a stand-in file at its end
            var start = 0
            while start < count {
                let end = min(start + reportSize, count)
                level = Self.isActive(report: buffer[start..<end], bit: bit, inverted: inverted) ?? level
                start = end
            }
        }
    }
}
