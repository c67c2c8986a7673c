import ParleyCore

/// Why a telephony command could not run. A failed handoff is a result (`"outcome":"failed"`),
/// not an error: the handoff row exists.
///
/// The message goes to the dispatcher as is: say what was wrong and what to do
/// (`call 12 is already answered by anna — parleyctl calls shows who has which call`).
public struct TelephonyControlError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No such call, line or incident.
        case notFound
        /// The call's state does not allow it (already answered by someone else, ended, not
        /// held, no text medium, incident closed…).
        case rejected
        /// The line the call is on is down: the device cannot answer, dial or send.
        case lineDown
        /// The store could not be read or written.
        case storeUnavailable
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// The protocol error for this failure. A down line is `rejected`: the request was valid
    /// but cannot be carried out now (the message names the line).
    public var controlError: ControlError {
        switch kind {
        case .notFound: ControlError(code: .notFound, message: message)
        case .rejected, .lineDown: ControlError(code: .rejected, message: message)
        case .storeUnavailable: ControlError(code: .storeUnavailable, message: message)
        }
    }
}
