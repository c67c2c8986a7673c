/// How strongly a key request claims a channel's floor. Higher pre-empts lower.
///
/// A dedicated scale rather than ``Priority``: keying has exactly three claimants, and
/// ``Priority``'s order is "served first" (lower raw value wins) with an `admin` level that
/// never keys. ``eventPriority`` maps each onto the store's priority:
/// emergency → `.emergency`, dispatcher → `.priority`, automation → `.routine`.
public enum KeyPriority: Int, Sendable, Hashable, Codable, CaseIterable, Comparable, CustomStringConvertible {
    /// Patches, automation, scheduled channel markers.
    case automation = 0
    /// A dispatcher keying from a console or `parleyctl key`.
    case dispatcher = 1
    /// Emergency traffic; pre-empts everything and may key over incoming traffic.
    case emergency = 2

    /// "Less than" means "yields to".
    public static func < (lhs: KeyPriority, rhs: KeyPriority) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The priority of the store events this keying produces.
    public var eventPriority: Priority {
        switch self {
        case .emergency: .emergency
        case .dispatcher: .priority
        case .automation: .routine
        }
    }

    public var name: String {
        switch self {
        case .automation: "automation"
        case .dispatcher: "dispatcher"
        case .emergency: "emergency"
        }
    }

    public var description: String { name }

    /// Accepts `automation` (or `patch`), `dispatcher`, `emergency`.
    public init?(name: String) {
        switch name.lowercased() {
        case "automation", "patch": self = .automation
        case "dispatcher": self = .dispatcher
        case "emergency": self = .emergency
        default: return nil
        }
    }
}

/// Who asks for (or holds) the floor: an identity and the priority of this request.
public struct Keyer: Sendable, Hashable, CustomStringConvertible {
    /// Stable identity, compared to decide whether a release comes from the holder:
    /// `operator:alice`, `console:desk-3`, `patch:north-south`, `automation:marker`.
    public var id: String
    public var priority: KeyPriority

    public init(id: String, priority: KeyPriority) {
        self.id = id
        self.priority = priority
    }

    public var description: String { "\(id) (\(priority))" }
}

/// Per-channel keying rules and timers.
public struct FloorControlConfiguration: Sendable, Hashable {
    /// Transmit time-out: a keying is ended this long after it began. Nil disables.
    public var transmitTimeout: Duration?
    /// How long before the time-out a warning goes out; zero (or not shorter than the
    /// time-out) sends none.
    public var timeoutWarning: Duration
    /// Between keying the line and starting audio, so the transmitter is up first.
    public var txDelay: Duration
    /// How long the line stays keyed after audio ends (a new keying inside it reuses the line).
    public var tail: Duration
    /// Refuse keying while the channel is receiving (squelch open).
    public var refuseWhileReceiving: Bool
    /// Emergency requests key even while the channel is receiving.
    public var emergencyOverridesReceiving: Bool

    /// - Parameters:
    ///   - transmitTimeout: default 60 s.
    ///   - timeoutWarning: default 10 s before the time-out.
    ///   - txDelay: default none.
    ///   - tail: default none.
    ///   - refuseWhileReceiving: default true.
    ///   - emergencyOverridesReceiving: default true.
    public init(
        transmitTimeout: Duration? = .seconds(60), timeoutWarning: Duration = .seconds(10),
        txDelay: Duration = .zero, tail: Duration = .zero,
        refuseWhileReceiving: Bool = true, emergencyOverridesReceiving: Bool = true
    ) {
        self.transmitTimeout = transmitTimeout.map { max($0, .zero) }
        self.timeoutWarning = max(timeoutWarning, .zero)
        self.txDelay = max(txDelay, .zero)
        self.tail = max(tail, .zero)
        self.refuseWhileReceiving = refuseWhileReceiving
        self.emergencyOverridesReceiving = emergencyOverridesReceiving
    }
}

/// Why a key request was refused.
public enum KeyRefusal: Sendable, Hashable {
    /// Someone of equal or higher priority holds the floor.
    case floorHeld(by: Keyer)
    /// The requester already holds the floor.
    case alreadyHolding
    /// The channel is receiving and the request may not key over it.
    case channelReceiving
    /// The PTT device is down.
    case channelDown
    /// The channel is shutting down.
    case shuttingDown

    public var name: String {
        switch self {
        case .floorHeld: "floor_held"
        case .alreadyHolding: "already_holding"
        case .channelReceiving: "channel_receiving"
        case .channelDown: "channel_down"
        case .shuttingDown: "shutting_down"
        }
    }
}

/// Why a keying ended with `radio.unkey` (pre-emption and time-out have their own events).
public enum UnkeyReason: Sendable, Hashable {
    /// The holder released it.
    case released
    /// Someone else ended it (`unkey --force`, supervisor).
    case forced(by: String)
    /// The `--for` duration elapsed.
    case durationElapsed
    /// The PTT device failed; the line was dropped.
    case deviceFault
    /// The daemon is stopping.
    case shutdown

    public var name: String {
        switch self {
        case .released: "released"
        case .forced: "forced"
        case .durationElapsed: "duration_elapsed"
        case .deviceFault: "device_fault"
        case .shutdown: "shutdown"
        }
    }
}

/// What the channel service does for a floor-control outcome, in the order returned.
///
/// Line and audio actions drive the PTT driver and the transmit audio path. Outcome actions
/// each become one store event and audit row (``eventDraft(channel:)``). Every `keyed` is
/// closed by exactly one `unkeyed`, `preempted` or `timedOut` for the same keyer.
public enum FloorControlAction: Sendable, Hashable {
    // Line and audio.
    /// Assert PTT.
    case keyLine
    /// Start sending this keyer's audio (after the TX delay).
    case startAudio(Keyer)
    /// Stop sending this keyer's audio.
    case stopAudio(Keyer)
    /// Drop PTT.
    case unkeyLine

    // Outcomes (store event + audit).
    /// `radio.key`: the keyer holds the floor; `duration` is the `--for` time if any.
    case keyed(Keyer, duration: Duration?)
    /// `radio.unkey`: the keyer's transmission ended.
    case unkeyed(Keyer, reason: UnkeyReason, heldFor: Duration)
    /// `radio.preempted`: the keyer lost the floor to `by`.
    case preempted(Keyer, by: Keyer, heldFor: Duration)
    /// `radio.key_refused`: tell the requester why.
    case refused(Keyer, reason: KeyRefusal)
    /// `radio.tot_warning`: the time-out ends this keying in `remaining`.
    case timeoutWarning(Keyer, remaining: Duration)
    /// `radio.tot`: the time-out ended this keying; the line drops at once (no tail).
    case timedOut(Keyer, heldFor: Duration)
    /// An unkey request from someone not holding the floor: reply only, no store event
    /// (the control command itself is audited). `holder` is nil when nobody holds it.
    case unkeyRefused(requester: String, holder: Keyer?)
}
