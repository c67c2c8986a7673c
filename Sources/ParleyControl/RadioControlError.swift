import ParleyCore

/// Why a radio command could not run (a refusal of the floor is a result, not an error).
public struct RadioControlError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// No such channel or transmission.
        case notFound
        /// The request cannot be carried out as asked (no playback device, file exists…).
        case rejected
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

    /// The protocol error for this failure.
    public var controlError: ControlError {
        switch kind {
        case .notFound: ControlError(code: .notFound, message: message)
        case .rejected: ControlError(code: .rejected, message: message)
        case .storeUnavailable: ControlError(code: .storeUnavailable, message: message)
        }
    }
}
