/// How the control socket is served. Build it from the `control:` section of the configuration.
public struct ControlServerSettings: Sendable, Hashable {
    /// Absolute path of the Unix socket (at most 107 bytes), e.g. `/run/parley/control.sock`.
    public var socketPath: String
    /// Permission bits of the socket file. Connecting needs write permission, so `0o660`
    /// admits the daemon's user and group; roles are still decided per peer by uid/gid.
    public var socketMode: UInt32
    /// A request line longer than this many bytes is refused with `line_too_long`.
    public var maxLineBytes: Int
    /// A connection that sends nothing and runs nothing for this long is closed. A running
    /// `tail` never counts as idle.
    public var idleTimeout: Duration
    /// Reported by `hello` and `status`.
    public var daemonVersion: String
    /// Requests that may wait behind a running one on a connection before reading pauses.
    public var maxQueuedRequests: Int
    /// Connections beyond this many are refused with `too_many_connections`.
    public var maxConnections: Int
    /// Events read from the store per page by `tail`.
    public var tailPageSize: Int

    public init(
        socketPath: String,
        socketMode: UInt32 = 0o660,
        maxLineBytes: Int = 65536,
        idleTimeout: Duration = .seconds(300),
        daemonVersion: String,
        maxQueuedRequests: Int = 16,
        maxConnections: Int = 64,
        tailPageSize: Int = 500
    ) {
        self.socketPath = socketPath
        self.socketMode = socketMode
        self.maxLineBytes = maxLineBytes
        self.idleTimeout = idleTimeout
        self.daemonVersion = daemonVersion
        self.maxQueuedRequests = maxQueuedRequests
        self.maxConnections = maxConnections
        self.tailPageSize = tailPageSize
    }
}
