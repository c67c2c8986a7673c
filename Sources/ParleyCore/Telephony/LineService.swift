/// What a telephone line is for, set per line in configuration. It decides a new call's
/// default priority and the contact channel its incident records.
public enum LineService: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// 999 (and 112) emergency calls, including 18000 text relay calls, which reach police as
    /// ordinary 999 calls with a Text Relay Assistant conferenced in.
    case emergency999 = "999"
    /// 101 non-emergency calls.
    case nonEmergency101 = "101"
    /// Relay UK calls (18001/18002): a Text Relay Assistant speaks what the deaf caller types.
    case textRelay = "text-relay"
    /// A force textphone number: Baudot TTY or V.21 tones straight from the caller's textphone.
    case directTextphone = "direct-textphone"
    /// A force SMS number on a GSM modem.
    case sms
    /// Administrative lines.
    case admin

    public var description: String { rawValue }

    /// The priority a call on this line gets unless the line's configuration says otherwise.
    public var defaultPriority: Priority {
        switch self {
        case .emergency999: .emergency
        case .textRelay: .priority
        case .nonEmergency101, .directTextphone, .sms: .routine
        case .admin: .admin
        }
    }

    /// How the contact reached us, as the incident records it.
    public var contactChannel: ContactChannel {
        switch self {
        case .emergency999: .emergency999
        case .nonEmergency101: .nonEmergency101
        case .textRelay: .textRelay
        case .directTextphone: .directTextphone
        case .sms: .sms
        case .admin: .other
        }
    }
}

/// How a deaf-text message travelled.
public enum TextMedium: String, Sendable, Hashable, Codable, CaseIterable, CustomStringConvertible {
    /// Baudot TTY at 45.45 bit/s.
    case tty45
    /// Baudot TTY at 50 bit/s (European textphones).
    case tty50
    /// V.21 textphone (300 bit/s, 7E1).
    case v21
    case sms
    /// Typed by a relay assistant (text-relay calls).
    case relay

    public var description: String { rawValue }
}
