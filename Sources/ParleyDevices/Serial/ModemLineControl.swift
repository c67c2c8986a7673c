#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import SystemPackage

/// RS-232 modem-control and modem-status lines, as the kernel's `TIOCM_*` bits.
public struct ModemLines: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Outputs.
    public static let dtr = ModemLines(rawValue: TIOCM_DTR)
    public static let rts = ModemLines(rawValue: TIOCM_RTS)
    /// Inputs.
    public static let cts = ModemLines(rawValue: TIOCM_CTS)
    public static let dsr = ModemLines(rawValue: TIOCM_DSR)
    public static let dcd = ModemLines(rawValue: TIOCM_CAR)
    public static let ri = ModemLines(rawValue: TIOCM_RNG)

    public var description: String {
        let names: [(ModemLines, String)] = [(.dtr, "DTR"), (.rts, "RTS"), (.cts, "CTS"), (.dsr, "DSR"), (.dcd, "DCD"), (.ri, "RI")]
        let set = names.filter { contains($0.0) }.map(\.1)
        return set.isEmpty ? "none" : set.joined(separator: "|")
    }
}

/// Setting and reading a serial port's modem lines. ``SerialPort`` does it with
/// `TIOCMBIS`/`TIOCMBIC`/`TIOCMGET`; ``InMemoryModemLines`` stands in for it in tests (ptys
/// refuse those ioctls).
public protocol ModemLineControl: Sendable {
    /// Asserts the given output lines (`TIOCMBIS`); others are unchanged.
    func setLines(_ lines: ModemLines) throws(Errno)
    /// De-asserts the given output lines (`TIOCMBIC`); others are unchanged.
    func clearLines(_ lines: ModemLines) throws(Errno)
    /// All lines' current state (`TIOCMGET`).
    func lineStatus() throws(Errno) -> ModemLines
    /// The device path, for messages.
    var path: String { get }
}

/// A test double for ``ModemLineControl``: output lines in memory, inputs set by the test,
/// every operation recorded, and failures injectable.
public final class InMemoryModemLines: ModemLineControl {
    public enum Operation: Sendable, Hashable {
        case set(ModemLines)
        case clear(ModemLines)
        case status
    }

    private struct State {
        /// A freshly opened tty has DTR and RTS asserted (Linux raises both on open).
        var lines: ModemLines = [.dtr, .rts]
        var operations: [Operation] = []
        var failure: Errno?
    }

    private let state = Mutex(State())
    public let path: String

    public init(path: String = "/dev/null-modem", initial: ModemLines = [.dtr, .rts]) {
        self.path = path
        state.withLock { $0.lines = initial }
    }

    /// Current lines (outputs as driven, inputs as set by ``setInputs(_:)``).
    public var lines: ModemLines { state.withLock { $0.lines } }

    /// Every operation so far, in order.
    public var operations: [Operation] { state.withLock { $0.operations } }

    /// Replaces the input lines (CTS, DSR, DCD, RI) with `inputs`.
    public func setInputs(_ inputs: ModemLines) {
        let inputMask: ModemLines = [.cts, .dsr, .dcd, .ri]
        state.withLock { $0.lines = $0.lines.subtracting(inputMask).union(inputs.intersection(inputMask)) }
    }

    /// Makes every later operation fail with `errno` (nil: succeed again).
    public func failOperations(with errno: Errno?) {
        state.withLock { $0.failure = errno }
    }

    public func setLines(_ lines: ModemLines) throws(Errno) {
        try state.withLock { (state) throws(Errno) in
            state.operations.append(.set(lines))
            if let failure = state.failure { throw failure }
            state.lines.formUnion(lines)
        }
    }

    public func clearLines(_ lines: ModemLines) throws(Errno) {
        try state.withLock { (state) throws(Errno) in
            state.operations.append(.clear(lines))
            if let failure = state.failure { throw failure }
            state.lines.subtract(lines)
        }
    }

    public func lineStatus() throws(Errno) -> ModemLines {
        try state.withLock { (state) throws(Errno) -> ModemLines in
            state.operations.append(.status)
            if let failure = state.failure { throw failure }
            return state.lines
        }
    }
}
