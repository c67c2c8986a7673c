import ParleyCore

/// The machine-readable part of an error response (`"code"`), in snake_case.
///
/// New codes are added as new static members; clients must treat an unknown code like
/// `internal` and show the message.
public struct ControlErrorCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public var description: String { rawValue }

    /// The line is not valid JSON.
    public static let badJSON = ControlErrorCode(rawValue: "bad_json")
    /// The line is JSON but not a request object (`id`, `cmd` or `args` of the wrong type).
    public static let badRequest = ControlErrorCode(rawValue: "bad_request")
    /// `"v"` is missing or not a version this daemon speaks.
    public static let unsupportedVersion = ControlErrorCode(rawValue: "unsupported_version")
    /// `"cmd"` names no command.
    public static let unknownCommand = ControlErrorCode(rawValue: "unknown_command")
    /// An argument is missing, unknown, of the wrong type or out of range.
    public static let badArguments = ControlErrorCode(rawValue: "bad_arguments")
    /// The line is longer than the daemon's limit; the rest of it was discarded.
    public static let lineTooLong = ControlErrorCode(rawValue: "line_too_long")
    /// The peer's uid/gid maps to no role; the connection is closed.
    public static let noRole = ControlErrorCode(rawValue: "no_role")
    /// The peer's role is below the command's minimum role.
    public static let forbidden = ControlErrorCode(rawValue: "forbidden")
    /// The incident (or other record) does not exist.
    public static let notFound = ControlErrorCode(rawValue: "not_found")
    /// The store refused the change for the record's current state (closed incident, empty text).
    public static let rejected = ControlErrorCode(rawValue: "rejected")
    /// The store cannot write (disk full, I/O error); nothing was changed.
    public static let storeUnavailable = ControlErrorCode(rawValue: "store_unavailable")
    /// The change was committed, but syncing it to disk failed: it may not survive a power loss.
    public static let notDurable = ControlErrorCode(rawValue: "not_durable")
    /// Reloading the configuration failed; the old configuration stays in effect.
    public static let reloadFailed = ControlErrorCode(rawValue: "reload_failed")
    /// The daemon is stopping.
    public static let shuttingDown = ControlErrorCode(rawValue: "shutting_down")
    /// The connection sent nothing for the idle timeout and is being closed.
    public static let idleTimeout = ControlErrorCode(rawValue: "idle_timeout")
    /// The daemon has as many control connections as it allows.
    public static let tooManyConnections = ControlErrorCode(rawValue: "too_many_connections")
    /// Anything else; the message says what happened.
    public static let `internal` = ControlErrorCode(rawValue: "internal")
}

/// An error as carried in a response: a code and a message saying what was wrong and what
/// to do. Build one with the static factories so that every message has the same shape.
public struct ControlError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    public let code: ControlErrorCode
    public let message: String

    /// An error exactly as received from the wire (clients), or for a code without a factory.
    public init(code: ControlErrorCode, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    public static func badJSON(_ detail: String) -> ControlError {
        ControlError(
            code: .badJSON,
            message: "the request is not valid JSON (\(detail)) — send one JSON object per line, "
                + "like {\"v\":1,\"id\":1,\"cmd\":\"status\",\"args\":{}}")
    }

    public static func badRequest(_ detail: String) -> ControlError {
        ControlError(
            code: .badRequest,
            message: "\(detail) — a request is {\"v\":1,\"id\":<integer or string>,\"cmd\":\"<command>\",\"args\":{…}}")
    }

    public static func unsupportedVersion(_ found: String?) -> ControlError {
        let what = found.map { "protocol version \($0) is not supported" } ?? "the request has no \"v\""
        return ControlError(
            code: .unsupportedVersion,
            message: "\(what) — this daemon speaks version \(ControlProtocol.version); send \"v\":\(ControlProtocol.version)")
    }

    public static func unknownCommand(_ name: String, known: [String]) -> ControlError {
        ControlError(
            code: .unknownCommand,
            message: "unknown command '\(name.prefix(100))' — known commands: \(known.joined(separator: ", "))")
    }

    /// `field` is the argument's name; `expected` says what would have been accepted.
    public static func badArguments(command: String, field: String, expected: String, found: String? = nil)
        -> ControlError
    {
        var message = "argument '\(field)' of \(command) must be \(expected)"
        if let found { message += " (got \(found.prefix(80)))" }
        return ControlError(code: .badArguments, message: message)
    }

    public static func missingArgument(command: String, field: String, expected: String) -> ControlError {
        ControlError(code: .badArguments, message: "\(command) needs argument '\(field)': \(expected)")
    }

    public static func unknownArgument(command: String, field: String, known: [String]) -> ControlError {
        let list = known.isEmpty ? "it takes no arguments" : "known: \(known.joined(separator: ", "))"
        return ControlError(
            code: .badArguments, message: "\(command) has no argument '\(field.prefix(80))' — \(list)")
    }

    public static func conflictingArguments(command: String, _ detail: String) -> ControlError {
        ControlError(code: .badArguments, message: "\(command): \(detail)")
    }

    public static func lineTooLong(maxBytes: Int) -> ControlError {
        ControlError(
            code: .lineTooLong,
            message: "the request line is longer than \(maxBytes) bytes and was discarded up to its newline — "
                + "send shorter requests (the connection stays open)")
    }

    public static func noRole(uid: UInt32, gid: UInt32) -> ControlError {
        ControlError(
            code: .noRole,
            message: "uid \(uid) / gid \(gid) has no role on this control socket — ask an administrator to map "
                + "the uid or gid (or its user or group) in control.roles, then reload parleyd")
    }

    public static func forbidden(command: String, needs: Role, has: Role) -> ControlError {
        ControlError(
            code: .forbidden,
            message: "\(command) needs the \(needs.rawValue) role; this connection has \(has.rawValue) — ask an "
                + "administrator to map your uid or gid to \(needs.rawValue) in control.roles")
    }

    public static func notFound(_ detail: String) -> ControlError {
        ControlError(code: .notFound, message: detail)
    }

    public static func rejected(_ detail: String) -> ControlError {
        ControlError(code: .rejected, message: detail)
    }

    public static func storeUnavailable(_ detail: String) -> ControlError {
        ControlError(code: .storeUnavailable, message: detail)
    }

    public static func notDurable(_ detail: String) -> ControlError {
        ControlError(code: .notDurable, message: detail)
    }

    public static func reloadFailed(_ detail: String) -> ControlError {
        ControlError(
            code: .reloadFailed, message: "reload failed, the previous configuration stays in effect: \(detail)")
    }

    public static let shuttingDown = ControlError(
        code: .shuttingDown, message: "parleyd is shutting down — reconnect when it is running again")

    public static func idleTimeout(_ timeout: Duration) -> ControlError {
        ControlError(
            code: .idleTimeout,
            message: "no request for \(ControlError.seconds(timeout)); the connection is closed — reconnect to continue")
    }

    public static func tooManyConnections(_ limit: Int) -> ControlError {
        ControlError(
            code: .tooManyConnections,
            message: "parleyd already has \(limit) control connections — close idle clients (tails, consoles) and retry")
    }

    public static func `internal`(_ detail: String) -> ControlError {
        ControlError(code: .internal, message: "\(detail) — see the parleyd journal (journalctl -u parleyd)")
    }

    static func seconds(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if attoseconds == 0 { return "\(seconds) s" }
        return "\((duration.inSeconds * 1000).rounded() / 1000) s"
    }
}
