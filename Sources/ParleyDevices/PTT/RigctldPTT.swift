import Logging
import Synchronization

/// PTT through hamlib's `rigctld` over TCP: `T 1` keys, `T 0` unkeys, each answered `RPRT 0`.
///
/// One persistent connection, opened on first use and reopened after any failure; a command
/// that fails on a connection that had gone stale (rigctld restarted) is retried once on a
/// fresh one — safe, since `T` is idempotent. A command not answered within `timeout`
/// (connect included) throws, and the connection is dropped so a late answer cannot be taken
/// for the next one. `RPRT -n` throws with hamlib's meaning of n.
///
/// rigctld holds the rig's PTT state itself: if parleyd dies while keyed the rig stays keyed
/// until `parleyd --release-ptt` (`ExecStopPost=`) sends `T 0`.
public actor RigctldPTT: PTTDriver {
    public nonisolated let type = PTTType.rigctld
    public nonisolated let host: String
    public nonisolated let port: Int
    public nonisolated let timeout: Duration
    /// The connection, if open. Only the device thread touches it, and deinit (which then has
    /// the only reference); the mutex is what lets a nonisolated deinit reach it.
    private let connection = Mutex<RigctldSocket?>(nil)
    private var isClosed = false
    private let executor: DeviceThreadExecutor
    private let logger: Logger

    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }

    /// Does not connect yet; the first command does.
    /// - Parameters:
    ///   - host: default `127.0.0.1`.
    ///   - port: default 4532 (rigctld's).
    ///   - timeout: per command, connect included; default 1 s.
    public init(host: String = "127.0.0.1", port: Int = 4532, timeout: Duration = .seconds(1), logger: Logger) throws(DeviceError) {
        guard (1...65535).contains(port) else {
            throw .invalidConfiguration(key: "ptt.port", "port \(port) is out of range — rigctld listens on 4532 unless started with -t PORT")
        }
        var logger = logger
        logger[metadataKey: "ptt.type"] = "rigctld"
        logger[metadataKey: "ptt.device"] = "\(host):\(port)"
        self.host = host
        self.port = port
        self.timeout = timeout
        self.logger = logger
        self.executor = DeviceThreadExecutor(name: "parley-ptt-rigctld")
    }

    /// Best effort: sends `T 0` on the open connection (blocking up to `timeout` on whichever
    /// thread drops the last reference). Call ``close()`` instead where possible.
    deinit {
        if !isClosed {
            let deadline = ContinuousClock.now.advanced(by: timeout)
            connection.withLock { socket in
                guard let socket else { return }
                try? socket.send("T 0\n", until: deadline)
                _ = try? socket.readLine(until: deadline)
            }
        }
        executor.shutdown()
    }

    private var endpoint: String { "\(host):\(port)" }

    public func key() throws(DeviceError) {
        try set("T 1")
        logger.debug("PTT keyed")
    }

    public func unkey() throws(DeviceError) {
        try set("T 0")
        logger.debug("PTT unkeyed")
    }

    public func releaseAll() throws(DeviceError) {
        try set("T 0")
    }

    /// Asks rigctld for the rig's PTT state (`t`).
    public func isKeyed() throws(DeviceError) -> Bool {
        switch try exchange("t") {
        case .value("0"): return false
        case .value("1"), .value("2"), .value("3"): return true  // RIG_PTT_ON, _ON_MIC, _ON_DATA
        case .status(let code) where code < 0: throw .rigctldRefused(command: "t", endpoint: endpoint, code: -code)
        case .status(let code): throw .rigctldUnexpectedReply(command: "t", endpoint: endpoint, reply: "RPRT \(code)")
        case .value(let other): throw .rigctldUnexpectedReply(command: "t", endpoint: endpoint, reply: other)
        }
    }

    public func close() {
        guard !isClosed else { return }
        if connection.withLock({ $0 != nil }) {
            do {
                try set("T 0")
            } catch {
                logger.info("PTT release on close failed", metadata: ["error": "\(error)"])
            }
        }
        isClosed = true
        connection.withLock { $0 = nil }
    }

    private func set(_ command: String) throws(DeviceError) {
        switch try exchange(command) {
        case .status(0): return
        case .status(let code) where code < 0: throw .rigctldRefused(command: command, endpoint: endpoint, code: -code)
        case .status(let code): throw .rigctldUnexpectedReply(command: command, endpoint: endpoint, reply: "RPRT \(code)")
        case .value(let other): throw .rigctldUnexpectedReply(command: command, endpoint: endpoint, reply: other)
        }
    }

    /// Sends one command and reads its one-line answer, (re)connecting as needed.
    private func exchange(_ command: String) throws(DeviceError) -> RigctldReply {
        guard !isClosed else { throw .closed(path: endpoint) }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        return try connection.withLock { (socket) throws(DeviceError) -> RigctldReply in
            try exchange(command, on: &socket, until: deadline)
        }
    }

    private nonisolated func exchange(_ command: String, on socket: inout RigctldSocket?, until deadline: ContinuousClock.Instant) throws(DeviceError) -> RigctldReply {
        let endpoint = "\(host):\(port)"
        var retried = false
        while true {
            let reused = socket != nil
            let connection: RigctldSocket
            if let socket {
                connection = socket
            } else {
                do {
                    connection = try RigctldSocket.connect(host: host, port: port, deadline: deadline)
                } catch {
                    switch error {
                    case .timedOut: throw .rigctldTimedOut(command: command, endpoint: endpoint, timeout: timeout)
                    case .closed: throw .rigctldDisconnected(endpoint: endpoint)
                    case .system(let errno): throw .rigctldConnectFailed(endpoint: endpoint, errno: errno)
                    }
                }
                socket = connection
                logger.info("connected to rigctld")
            }
            do {
                try connection.send(command + "\n", until: deadline)
                return RigctldReply(line: try connection.readLine(until: deadline))
            } catch {
                socket = nil
                switch error {
                case .timedOut:
                    throw .rigctldTimedOut(command: command, endpoint: endpoint, timeout: timeout)
                case .closed where reused && !retried, .system where reused && !retried:
                    retried = true
                    logger.info("rigctld connection lost; reconnecting")
                case .closed:
                    throw .rigctldDisconnected(endpoint: endpoint)
                case .system(let errno):
                    throw .ioFailed("rigctld \(command)", path: endpoint, errno: errno)
                }
            }
        }
    }
}
