import ParleyCore

/// A TETRA subscriber identity as the PEI reports it: a short subscriber identity (ISSI or
/// GSSI, 24 bits) or a full TSI (MCC, MNC and SSI as up to 17 decimal digits), of which the
/// SSI is the last 8 digits.
public struct TETRAIdentity: Sendable, Hashable, CustomStringConvertible {
    public static let maxSSI: UInt32 = 0xFF_FFFF

    /// The short subscriber identity: what a unit is known by on its network.
    public var ssi: UInt32
    /// The full TSI digits when the terminal sent them.
    public var tsi: String?

    public init(ssi: UInt32, tsi: String? = nil) {
        self.ssi = ssi
        self.tsi = tsi
    }

    /// Parses a PEI identity field: 1–8 digits (SSI) or 9–17 (TSI); nil when it is not one.
    public init?(field: String) {
        let digits = field.utf8
        guard (1...17).contains(digits.count), digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        guard let ssi = UInt32(String(field.suffix(8))), ssi <= Self.maxSSI else { return nil }
        self.init(ssi: ssi, tsi: digits.count > 8 ? field : nil)
    }

    public var description: String { String(ssi) }
}

/// The transmit-demand priority of `AT+CTXD` (EN 300 392-5): how hard a key-up claims the
/// talkgroup's floor.
public enum PEITransmitPriority: Int, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case low = 0
    case high = 1
    case preEmptive = 2
    case emergency = 3

    /// Follows the floor control's keying priority: automation low, dispatcher high,
    /// emergency emergency.
    public init(_ priority: KeyPriority) {
        switch priority {
        case .automation: self = .low
        case .dispatcher: self = .high
        case .emergency: self = .emergency
        }
    }

    /// The call priority (0–15) of `AT+CTSDC` for a call set up at this demand: 15 is
    /// emergency pre-emptive, 12 the lowest pre-emptive level.
    var callPriority: Int {
        switch self {
        case .low, .high: 0
        case .preEmptive: 12
        case .emergency: 15
        }
    }

    public var description: String {
        switch self {
        case .low: "low"
        case .high: "high"
        case .preEmptive: "pre-emptive"
        case .emergency: "emergency"
        }
    }
}

/// An incoming call (`+CTICN`).
public struct PEIIncomingCall: Sendable, Hashable {
    /// The call-control instance the terminal uses for it.
    public var callInstance: Int
    public var calling: TETRAIdentity?
    public var called: TETRAIdentity?
    /// Call priority 0–15 (EN 300 392-2): 15 is emergency.
    public var priority: Int
    /// True for a group call (point to multipoint), false for an individual one.
    public var isGroupCall: Bool

    public init(callInstance: Int, calling: TETRAIdentity?, called: TETRAIdentity?, priority: Int, isGroupCall: Bool) {
        self.callInstance = callInstance
        self.calling = calling
        self.called = called
        self.priority = priority
        self.isGroupCall = isGroupCall
    }

    /// The standard's emergency call priority.
    public static let emergencyPriority = 15
    public var isEmergency: Bool { priority == Self.emergencyPriority }
}

/// A short data message received (`+CTSDSR` and its user data).
public struct PEIShortData: Sendable, Hashable {
    public var from: TETRAIdentity?
    public var to: TETRAIdentity?
    public var message: SDSMessage
    /// True for a status value configured (or defined) as an emergency.
    public var isEmergency: Bool

    public init(from: TETRAIdentity?, to: TETRAIdentity?, message: SDSMessage, isEmergency: Bool) {
        self.from = from
        self.to = to
        self.message = message
        self.isEmergency = isEmergency
    }
}

/// A line from the terminal that was read but not acted on, for the log (with its bytes in
/// hex) and the counters.
public struct PEIRejectedLine: Sendable, Hashable, CustomStringConvertible {
    public enum Reason: String, Sendable, Hashable {
        /// An unsolicited result this driver does not know (`+CREG: 1`, `+XYZ`).
        case unknownResult = "unknown result"
        /// A known result with fields missing or out of range (`+CTXG: 99999,7`).
        case invalidField = "invalid field"
        /// A known line at a moment it makes no sense (an `OK` with no command outstanding).
        case unexpected = "unexpected"
        /// Short data that arrived whole but could not be decoded.
        case undecodableData = "undecodable short data"
    }

    public var reason: Reason
    public var line: String
    /// What exactly was wrong.
    public var detail: String

    public init(_ reason: Reason, line: String, detail: String) {
        self.reason = reason
        self.line = String(line.prefix(256))
        self.detail = detail
    }

    /// The line's first bytes in hex, for the log.
    public var hex: String {
        let bytes = Array(line.utf8)
        return ATMalformedInput.hex(Array(bytes.prefix(ATResponseParser.maxReportedBytes)), total: bytes.count)
    }

    public var description: String { "\(reason.rawValue): \(detail) (\(hex))" }
}

/// How much bad input the terminal has sent and how often it failed, since the machine began.
public struct PEICounters: Sendable, Hashable {
    /// Lines with control or non-ASCII bytes, and overlong lines.
    public var malformedLines = 0
    public var unknownResults = 0
    public var invalidFields = 0
    public var unexpectedLines = 0
    public var undecodableData = 0
    /// `ERROR` and `+CME ERROR` answers.
    public var refusedCommands = 0
    /// Commands not answered in time (each resets the terminal).
    public var timeouts = 0

    public init() {}

    /// Every piece of bad input (not refusals or timeouts).
    public var badInput: Int { malformedLines + unknownResults + invalidFields + unexpectedLines + undecodableData }
}

/// What a TETRA terminal reports to the channel.
public enum PEIEvent: Sendable, Hashable {
    /// The initialisation finished: PTT, squelch and SDS work. After every initialisation.
    case ready
    /// An initialisation or PTT command was refused (`ERROR` or a named `+CME ERROR`); the
    /// driver carried on.
    case commandRefused(command: String, response: String)

    // PTT
    /// The terminal granted our transmission (`+CTXG` with grant 0): the channel is on air.
    case transmitGranted(callInstance: Int)
    /// The network queued our transmission request (grant 2): keep holding PTT.
    case transmitQueued(callInstance: Int)
    /// PTT is down: after `AT+CUTXC` was answered (reason nil), or because keying failed, the
    /// transmission was refused, the call was released or the terminal stopped answering
    /// (reason says which). The channel must treat itself as unkeyed.
    case unkeyed(reason: String?)

    // Squelch
    /// Another unit is talking on the call (`+CTXG` granted to another): squelch open;
    /// `talker` from the transmitting party identity; `emergency` when the call has emergency
    /// priority.
    case squelchOpened(callInstance: Int, talker: TETRAIdentity?, emergency: Bool)
    /// The transmission ceased (`+CDTXC`, or the call ended): squelch closed.
    case squelchClosed(callInstance: Int)

    // Calls
    case incomingCall(PEIIncomingCall)
    /// The call was released (`+CTCR`); `cause` is the disconnect cause, `reason` its meaning.
    case callReleased(callInstance: Int, cause: Int, reason: String)

    // Short data
    case shortData(PEIShortData)
    /// An `AT+CMGS` was accepted by the terminal for sending.
    case shortDataSent(requestID: Int)
    /// A send failed; `reason` names the `+CME ERROR` or the timeout.
    case shortDataFailed(requestID: Int, reason: String)

    // Health
    /// The terminal or its device stopped working; reported once until ``recovered``.
    case fault(String)
    /// The terminal answers and is initialised again after a fault (followed by ``ready``).
    case recovered
    /// Bytes the AT parser rejected (line noise, wrong baud rate, an overlong line).
    case malformed(ATMalformedInput)
    /// A line that was read but not acted on (see ``PEIRejectedLine/Reason``).
    case rejected(PEIRejectedLine)

    /// True for events a dispatcher must be alerted to at emergency priority: an emergency
    /// call, an emergency status, a transmission on an emergency call.
    public var isEmergency: Bool {
        switch self {
        case .incomingCall(let call): call.isEmergency
        case .shortData(let data): data.isEmergency
        case .squelchOpened(_, _, let emergency): emergency
        default: false
        }
    }
}

/// What ``PEIStateMachine`` asks its adapter to do, in order.
public enum PEIAction: Sendable, Hashable {
    /// Write these bytes to the terminal.
    case write([UInt8])
    /// Hand this event to the channel.
    case emit(PEIEvent)
}
