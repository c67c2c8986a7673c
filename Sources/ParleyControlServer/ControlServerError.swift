/// Why the control server could not start or serve. Every description says what to do.
public struct ControlServerError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Code: Sendable, Equatable {
        case socketInUse(path: String)
        case notASocket(path: String)
        case pathTooLong(path: String)
        case cannotPrepare(path: String, reason: String)
        case bindFailed(path: String, reason: String)
        case peerCredentialsUnavailable(String)
        case stopped(String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// Another process accepts connections on the socket path.
    static func socketInUse(_ path: String) -> ControlServerError { ControlServerError(.socketInUse(path: path)) }
    /// Something other than a socket sits at the socket path.
    static func notASocket(_ path: String) -> ControlServerError { ControlServerError(.notASocket(path: path)) }
    static func pathTooLong(_ path: String) -> ControlServerError { ControlServerError(.pathTooLong(path: path)) }
    static func cannotPrepare(_ path: String, _ reason: String) -> ControlServerError {
        ControlServerError(.cannotPrepare(path: path, reason: reason))
    }
    static func bindFailed(_ path: String, _ reason: String) -> ControlServerError {
        ControlServerError(.bindFailed(path: path, reason: reason))
    }
    static func peerCredentialsUnavailable(_ reason: String) -> ControlServerError {
        ControlServerError(.peerCredentialsUnavailable(reason))
    }

    /// `run()` ended before the socket was listening.
    static func stopped(_ reason: String) -> ControlServerError { ControlServerError(.stopped(reason)) }

    public var description: String {
        switch code {
        case .socketInUse(let path):
            "control socket \(path) is in use by another process — is parleyd already running? "
                + "Stop it, or set control.socket to another path"
        case .notASocket(let path):
            "\(path) exists and is not a socket; parleyd will not remove it — delete it or set control.socket "
                + "to another path"
        case .pathTooLong(let path):
            "control socket path \(path) is longer than 107 bytes — choose a shorter control.socket"
        case .cannotPrepare(let path, let reason):
            "cannot prepare control socket \(path): \(reason) — check that its directory exists and is writable "
                + "by parleyd (RuntimeDirectory=parley in the unit)"
        case .bindFailed(let path, let reason):
            "cannot listen on control socket \(path): \(reason) — check the directory's permissions and free space"
        case .peerCredentialsUnavailable(let reason):
            "cannot read the peer's credentials (SO_PEERCRED): \(reason) — the control socket must be a Unix socket"
        case .stopped(let reason):
            "the control server stopped before it was listening (\(reason)) — see the errors logged before this"
        }
    }
}
