import SystemPackage

/// Why a device adapter failed or refused its configuration. Every description says what was
/// wrong and what to do.
public struct DeviceError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case openFailed(path: String, Errno)
        case ioFailed(operation: String, path: String, Errno)
        case shortWrite(path: String, written: Int, expected: Int)
        case closed(path: String)
        case invalidConfiguration(key: String, problem: String)
        case invalidState(path: String, problem: String)
        case rigctldConnectFailed(endpoint: String, Errno)
        case rigctldTimedOut(command: String, endpoint: String, timeout: Duration)
        case rigctldRefused(command: String, endpoint: String, code: Int)
        case rigctldUnexpectedReply(command: String, endpoint: String, reply: String)
        case rigctldDisconnected(endpoint: String)
    }

    private let code: Code
    private init(_ code: Code) { self.code = code }

    /// The device node could not be opened.
    public static func openFailed(path: String, errno: Errno) -> DeviceError { DeviceError(.openFailed(path: path, errno)) }
    /// A system call on an open device failed (`operation`: `TIOCMBIS`, `write`, `tcsetattr`, …).
    public static func ioFailed(_ operation: String, path: String, errno: Errno) -> DeviceError {
        DeviceError(.ioFailed(operation: operation, path: path, errno))
    }
    /// A write that must be atomic (a HID report) was cut short.
    public static func shortWrite(path: String, written: Int, expected: Int) -> DeviceError {
        DeviceError(.shortWrite(path: path, written: written, expected: expected))
    }
    /// The adapter was closed and cannot be used.
    public static func closed(path: String) -> DeviceError { DeviceError(.closed(path: path)) }
    /// A configuration value is out of range; `key` names it as in the config file (`ptt.gpio`).
    public static func invalidConfiguration(key: String, _ problem: String) -> DeviceError {
        DeviceError(.invalidConfiguration(key: key, problem: problem))
    }
    /// The device cannot do this now (a TETRA terminal not yet initialised or not answering);
    /// `problem` says why and what happens next.
    public static func invalidState(path: String, _ problem: String) -> DeviceError {
        DeviceError(.invalidState(path: path, problem: problem))
    }
    static func rigctldConnectFailed(endpoint: String, errno: Errno) -> DeviceError {
        DeviceError(.rigctldConnectFailed(endpoint: endpoint, errno))
    }
    static func rigctldTimedOut(command: String, endpoint: String, timeout: Duration) -> DeviceError {
        DeviceError(.rigctldTimedOut(command: command, endpoint: endpoint, timeout: timeout))
    }
    static func rigctldRefused(command: String, endpoint: String, code: Int) -> DeviceError {
        DeviceError(.rigctldRefused(command: command, endpoint: endpoint, code: code))
    }
    static func rigctldUnexpectedReply(command: String, endpoint: String, reply: String) -> DeviceError {
        DeviceError(.rigctldUnexpectedReply(command: command, endpoint: endpoint, reply: reply))
    }
    static func rigctldDisconnected(endpoint: String) -> DeviceError { DeviceError(.rigctldDisconnected(endpoint: endpoint)) }

    /// True for configuration problems: fix the config file; retrying cannot help.
    public var isConfigurationError: Bool {
        if case .invalidConfiguration = code { return true }
        return false
    }

    /// The configuration key at fault, for the config loader to report with file and line.
    public var configurationKey: String? {
        if case .invalidConfiguration(let key, _) = code { return key }
        return nil
    }

    /// The system error behind this one, if any.
    public var errno: Errno? {
        switch code {
        case .openFailed(_, let errno), .ioFailed(_, _, let errno), .rigctldConnectFailed(_, let errno): errno
        default: nil
        }
    }

    /// Hamlib's error number when rigctld answered `RPRT -n` (n, positive).
    public var hamlibError: Int? {
        if case .rigctldRefused(_, _, let code) = code { return code }
        return nil
    }

    public var description: String {
        switch code {
        case .openFailed(let path, let errno):
            return "cannot open \(path): \(errno) — check the device exists (unplugged? wrong name in the config?) "
                + "and that parleyd's user may open it (groups dialout / plugdev, udev rules)"
        case .ioFailed(let operation, let path, let errno):
            return "\(operation) on \(path) failed: \(errno) — the device may have been unplugged or is not the "
                + "kind the config says; parleyd will reopen it"
        case .shortWrite(let path, let written, let expected):
            return "wrote \(written) of \(expected) bytes to \(path) — the HID device refused the report; check it "
                + "is a CM108/CM119 hidraw node"
        case .closed(let path):
            return "\(path) is closed — this is a bug in the caller; the channel must reopen the device"
        case .invalidConfiguration(let key, let problem):
            return "\(key): \(problem)"
        case .invalidState(let path, let problem):
            return "\(path): \(problem)"
        case .rigctldConnectFailed(let endpoint, let errno):
            return "cannot connect to rigctld at \(endpoint): \(errno) — check rigctld is running "
                + "(`rigctld -m MODEL -r DEVICE -t PORT`) and the host/port in the config"
        case .rigctldTimedOut(let command, let endpoint, let timeout):
            return "rigctld at \(endpoint) did not answer `\(command)` within \(timeout) — it may be wedged or the "
                + "rig not responding; parleyd reconnects on the next command"
        case .rigctldRefused(let command, let endpoint, let code):
            return "rigctld at \(endpoint) refused `\(command)`: RPRT -\(code) (\(Hamlib.meaning(code))) — check the "
                + "rig is powered and its PTT type (rigctld -P) suits it"
        case .rigctldUnexpectedReply(let command, let endpoint, let reply):
            return "rigctld at \(endpoint) answered `\(command)` with \(reply.debugDescription) — is that port "
                + "really rigctld (not rotctld or another service)?"
        case .rigctldDisconnected(let endpoint):
            return "rigctld at \(endpoint) closed the connection — parleyd reconnects on the next command"
        }
    }
}

/// Hamlib's error numbers (`enum rig_errcode_e`, hamlib/rig.h), as rigctld reports them in
/// `RPRT -n`.
enum Hamlib {
    static func meaning(_ code: Int) -> String {
        switch code {
        case 1: "invalid parameter"
        case 2: "invalid configuration"
        case 3: "memory shortage"
        case 4: "function not implemented"
        case 5: "communication timed out"
        case 6: "I/O error"
        case 7: "internal Hamlib error"
        case 8: "protocol error"
        case 9: "command rejected by the rig"
        case 10: "command performed, but argument truncated"
        case 11: "function not available"
        case 12: "VFO not targetable"
        case 13: "communication bus error"
        case 14: "communication bus collision"
        case 15: "NULL rig handle or invalid pointer"
        case 16: "invalid VFO"
        case 17: "argument out of domain"
        case 18: "function deprecated"
        case 19: "security error"
        case 20: "rig is not powered on"
        case 21: "limit exceeded"
        case 22: "access denied"
        default: "unknown Hamlib error"
        }
    }
}
