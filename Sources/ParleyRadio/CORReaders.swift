import ParleyConfig
import ParleyDevices
import Synchronization
import SystemPackage

/// A COR squelch source read by polling (``ChannelService`` calls ``read()`` every tick).
protocol COReader: Sendable {
    /// The id the squelch knows this source by (`serial:/dev/ttyUSB0:dcd`).
    var sourceID: String { get }
    /// The current level after inversion, or nil when nothing new is known. Opens the device
    /// on first use and after ``close()``; throws when it cannot be opened or read.
    func read() throws -> Bool?
    func close()
}

/// COR on a serial modem status line (CTS, DSR or DCD).
final class SerialCORReader: COReader {
    let port: String
    let line: SerialCOR.Line
    let inverted: Bool
    private let open = Mutex<SerialPort?>(nil)

    init(port: String, line: ParleyConfiguration.StatusLine, inverted: Bool) {
        self.port = port
        self.line = switch line {
        case .cts: .cts
        case .dsr: .dsr
        case .dcd: .dcd
        }
        self.inverted = inverted
    }

    var sourceID: String { "serial:\(port):\(line.rawValue)" }

    func read() throws -> Bool? {
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

    func close() {
        open.withLock { device in
            device?.close()
            device = nil
        }
    }
}

/// COR on a CM108/CM119 HID input bit (reports read from hidraw).
final class CM108CORReader: COReader {
    let hidraw: String
    let bit: Int
    let inverted: Bool
    private let open = Mutex<CM108COR?>(nil)

    init(hidraw: String, bit: Int, inverted: Bool) {
        self.hidraw = hidraw
        self.bit = bit
        self.inverted = inverted
    }

    var sourceID: String { "cm108:\(hidraw):\(bit)" }

    func read() throws -> Bool? {
        try open.withLock { device in
            if device == nil {
                device = try CM108COR(path: hidraw, bit: try CM108InputBit(bit), inverted: inverted)
            }
            return try device!.readAvailable()
        }
    }

    func close() {
        open.withLock { device in
            device?.close()
            device = nil
        }
    }
}
