import SystemPackage

/// Carrier-operated relay (COR/COS) on a serial modem-status line.
///
/// Reads CTS, DSR or DCD through ``ModemLineControl`` (`TIOCMGET`) and applies the invert
/// option, giving the level the squelch state machine takes as a raw sample. Polling is the
/// channel's job (every 5–10 ms on its device thread); the port may be the same
/// ``SerialPort`` that carries the PTT on RTS/DTR.
public struct SerialCOR: Sendable {
    public enum Line: String, Sendable, Hashable, CaseIterable {
        case cts, dsr, dcd

        var modemLine: ModemLines {
            switch self {
            case .cts: .cts
            case .dsr: .dsr
            case .dcd: .dcd
            }
        }
    }

    public let line: Line
    /// Inverted: the line *de-asserted* means carrier present.
    public let inverted: Bool
    private let control: any ModemLineControl

    public init(control: any ModemLineControl, line: Line, inverted: Bool = false) {
        self.control = control
        self.line = line
        self.inverted = inverted
    }

    /// The activity level `status` shows on `line`, after inversion.
    public static func isActive(status: ModemLines, line: Line, inverted: Bool) -> Bool {
        status.contains(line.modemLine) != inverted
    }

    /// Reads the line now: true while the receiver reports a carrier.
    public func isActive() throws(DeviceError) -> Bool {
        do {
            return Self.isActive(status: try control.lineStatus(), line: line, inverted: inverted)
        } catch {
            throw .ioFailed("TIOCMGET", path: control.path, errno: error)
        }
    }
}
