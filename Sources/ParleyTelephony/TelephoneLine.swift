import ParleyCore

/// What the switchboard asks of a line's device driver: the voice-modem and GSM line services
/// implement it, and tests use a stand-in.
public protocol TelephoneLine: Sendable {
    /// Takes the ringing call off hook. Returns when the modem confirmed it.
    func answer() async throws(LineError)
    /// Ends the call on the line (on hook). Never fails: a line that cannot be reached is
    /// reset by its driver, which ends the call anyway.
    func hangUp() async
    /// Hook flash and dial `number`. `blind` goes on hook once the number is dialled; otherwise
    /// the dispatcher stays on the call until they hang up. Returns when dialling finished.
    func transfer(to number: String, blind: Bool) async throws(LineError)
    /// Sends `text` to the caller on the call's medium (TTY tones, V.21 tones or SMS to
    /// `recipient`); returns what went out, as it is to be stored.
    func sendText(_ text: String, medium: TextMedium, recipient: String?) async throws(LineError) -> SentText
}

/// A message as a line sent it.
public struct SentText: Sendable, Hashable {
    public var medium: TextMedium
    /// Codes or PDUs as hex, like received text.
    public var raw: String
    /// The text actually sent (characters the medium cannot carry are left out).
    public var text: String
    public init(medium: TextMedium, raw: String, text: String) {
        self.medium = medium
        self.raw = raw
        self.text = text
    }
}

/// Why a line could not do what was asked.
public struct LineError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The device is down (unplugged, not answering, being reset).
        case down
        /// The device refused the request (`ERROR`, `+CMS ERROR`, no carrier …).
        case refused
        /// The request does not apply to this line (e.g. TTY text on an SMS line).
        case unsupported
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}

/// What the switchboard knows about a configured line.
public struct LineInfo: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable {
        case voice, gsm, soundcard
    }

    public var id: String
    public var name: String
    public var service: LineService
    public var priority: Priority
    public var kind: Kind

    public init(id: String, name: String, service: LineService, priority: Priority, kind: Kind) {
        self.id = id
        self.name = name
        self.service = service
        self.priority = priority
        self.kind = kind
    }
}

/// A line's device state, as `parleyctl lines` shows it.
public enum LineState: Sendable, Hashable {
    case starting
    case up
    case down(reason: String)

    public var name: String {
        switch self {
        case .starting: "starting"
        case .up: "up"
        case .down: "down"
        }
    }

    public var reason: String? {
        if case .down(let reason) = self { return reason }
        return nil
    }
}
