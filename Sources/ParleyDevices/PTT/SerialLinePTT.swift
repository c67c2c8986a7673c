import Logging
import SystemPackage

/// One serial output line used for PTT.
public struct SerialPTTLine: Sendable, Hashable, CustomStringConvertible {
    public enum Line: String, Sendable, Hashable, CaseIterable {
        case rts, dtr

        var modemLine: ModemLines { self == .rts ? .rts : .dtr }
    }

    public var line: Line
    /// Inverted: the line is *de-asserted* to key. Beware: closing the port (and so a crash)
    /// drops the line, which keys an inverted PTT — only `--release-ptt` can help there.
    public var inverted: Bool

    public init(_ line: Line, inverted: Bool = false) {
        self.line = line
        self.inverted = inverted
    }

    public var description: String { (inverted ? "!" : "") + line.rawValue }
}

/// PTT on RTS and/or DTR of a serial port, each optionally inverted.
///
/// Unkeys as soon as it is created (Linux raises DTR and RTS on open), on ``unkey()``,
/// ``close()`` and deinit; if the process dies without any of those, closing the tty drops
/// both lines (`HUPCL`, see ``SerialPort``).
public actor SerialLinePTT: PTTDriver {
    public nonisolated let type = PTTType.serial
    public nonisolated let lines: [SerialPTTLine]
    private let control: any ModemLineControl
    private let ownedPort: SerialPort?
    private let executor: DeviceThreadExecutor
    private let logger: Logger
    private var isClosed = false

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Opens `path` and drives `lines` on it; the driver owns (and closes) the port.
    public static func open(path: String, lines: [SerialPTTLine], logger: Logger) throws(DeviceError) -> SerialLinePTT {
        let port: SerialPort
        do {
            port = try SerialPort.open(path: path)
        } catch {
            throw .openFailed(path: path, errno: error)
        }
        return try SerialLinePTT(control: port, lines: lines, ownedPort: port, logger: logger)
    }

    /// Drives `lines` through `control` (a shared ``SerialPort`` whose other lines carry COR, or
    /// a test double); the caller keeps ownership of the port.
    public init(control: any ModemLineControl, lines: [SerialPTTLine], logger: Logger) throws(DeviceError) {
        try self.init(control: control, lines: lines, ownedPort: nil, logger: logger)
    }

    private init(control: any ModemLineControl, lines: [SerialPTTLine], ownedPort: SerialPort?, logger: Logger) throws(DeviceError) {
        guard !lines.isEmpty else {
            throw .invalidConfiguration(key: "ptt.lines", "no PTT line given — use rts, dtr or both (prefix ! to invert)")
        }
        guard Set(lines.map(\.line)).count == lines.count else {
            throw .invalidConfiguration(key: "ptt.lines", "\(lines) names a line twice — list rts and dtr at most once each")
        }
        var logger = logger
        logger[metadataKey: "ptt.type"] = "serial"
        logger[metadataKey: "ptt.device"] = "\(control.path)"
        self.control = control
        self.lines = lines
        self.ownedPort = ownedPort
        self.logger = logger
        self.executor = DeviceThreadExecutor(name: "parley-ptt-serial")
        do {
            try Self.drive(keyed: false, lines: lines, control: control)
        } catch {
            executor.shutdown()
            ownedPort?.close()
            throw .ioFailed(error.operation, path: control.path, errno: error.errno)
        }
    }

    deinit {
        if !isClosed {
            try? Self.drive(keyed: false, lines: lines, control: control)
            ownedPort?.close()
        }
        executor.shutdown()
    }

    public func key() throws(DeviceError) {
        try set(keyed: true)
        logger.debug("PTT keyed")
    }

    public func unkey() throws(DeviceError) {
        try set(keyed: false)
        logger.debug("PTT unkeyed")
    }

    public func releaseAll() throws(DeviceError) {
        try set(keyed: false)
    }

    public func close() {
        guard !isClosed else { return }
        do {
            try Self.drive(keyed: false, lines: lines, control: control)
        } catch {
            logger.info("PTT release on close failed; closing the port drops the lines", metadata: ["error": "\(error.errno)"])
        }
        isClosed = true
        ownedPort?.close()
    }

    private func set(keyed: Bool) throws(DeviceError) {
        guard !isClosed else { throw .closed(path: control.path) }
        do {
            try Self.drive(keyed: keyed, lines: lines, control: control)
        } catch {
            throw .ioFailed(error.operation, path: control.path, errno: error.errno)
        }
    }

    struct LineFailure: Error {
        var operation: String
        var errno: Errno
    }

    /// Asserts or clears each line so that the PTT reads `keyed`; one ioctl per direction.
    static func drive(keyed: Bool, lines: [SerialPTTLine], control: any ModemLineControl) throws(LineFailure) {
        var raise: ModemLines = []
        var lower: ModemLines = []
        for line in lines {
            if keyed != line.inverted { raise.insert(line.line.modemLine) } else { lower.insert(line.line.modemLine) }
        }
        do {
            if !raise.isEmpty { try control.setLines(raise) }
        } catch {
            throw LineFailure(operation: "TIOCMBIS", errno: error)
        }
        do {
            if !lower.isEmpty { try control.clearLines(lower) }
        } catch {
            throw LineFailure(operation: "TIOCMBIC", errno: error)
        }
    }
}
