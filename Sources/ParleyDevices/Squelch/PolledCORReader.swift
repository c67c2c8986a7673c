import Synchronization
import SystemPackage

/// A COR-style input read by polling: a channel's squelch source (the channel service calls
/// ``read()`` every tick), or a sound-card telephone line's ring detector.
public protocol COReader: Sendable {
    /// The id the squelch knows this source by (`serial:/dev/ttyUSB0:dcd`).
    var sourceID: String { get }
    /// The current level after inversion, or nil when nothing new is known. Opens the device
    /// on first use and after ``close()``; throws when it cannot be opened or read.
    func read() throws -> Bool?
    func close()
}

/// COR on a serial modem status line (CTS, DSR or DCD).
public final class SerialCORReader: COReader {
    public let port: String
    public let line: SerialCOR.Line
    public let inverted: Bool
    private let open = Mutex<SerialPort?>(nil)

    public init(port: String, line: SerialCOR.Line, inverted: Bool) {
        self.port = port
        self.line = line
        self.inverted = inverted
    }

    public var sourceID: String { "serial:\(port):\(line.rawValue)" }

    public func read() throws -> Bool? {
        try open.withLock { device in
            if device == nil {
                do throws(Errno) {
                    device = try SerialPort.open(path: port)
                } catch {
                    throw DeviceError.openFailed(path: port, errno: error)
                }
            }
            return try SerialCOR(control: device!, line: line, inverted: inverted).isActive()
        }
    }

    public func close() {
        open.withLock { device in
            device?.close()
            device = nil
        }
    }
}

/// COR on a CM108/CM119 HID input bit (reports read from hidraw).
public final class CM108CORReader: COReader {
    public let hidraw: String
    public let bit: Int
    public let inverted: Bool
    private let open = Mutex<CM108COR?>(nil)

    public init(hidraw: String, bit: Int, inverted: Bool) {
        self.hidraw = hidraw
        self.bit = bit
        self.inverted = inverted
    }

    public var sourceID: String { "cm108:\(hidraw):\(bit)" }

    public func read() throws -> Bool? {
        try open.withLock { device in
            if device == nil {
                device = try CM108COR(path: hidraw, bit: try CM108InputBit(bit), inverted: inverted)
            }
            return try device!.readAvailable()
        }
    }

    public func close() {
        open.withLock { device in
            device?.close()
            device = nil
        }
    }
}
