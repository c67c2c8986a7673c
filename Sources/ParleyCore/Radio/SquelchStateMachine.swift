/// Names one activity source feeding a channel's squelch: `cor`, `cm108`, `vox`, `pei`, …
public struct SquelchSourceID: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral,
    CustomStringConvertible
{
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }
    public var description: String { rawValue }
}

/// How a channel turns raw activity into transmissions.
public struct SquelchConfiguration: Sendable, Hashable {
    /// An edge of the combined input counts only once the input has held the new level this
    /// long; shorter blips are ignored. Zero accepts every edge at once.
    public var debounce: Duration
    /// How long the squelch stays open after the input drops (the transmission continues if
    /// activity returns within it). Never shorter than `debounce` in effect.
    public var hangTime: Duration
    /// Stuck-open guard: a transmission still active after this long is forced closed and a
    /// channel fault raised until the input drops. Nil disables the guard.
    public var receiveTimeout: Duration?

    /// - Parameters:
    ///   - debounce: default 30 ms.
    ///   - hangTime: default 500 ms.
    ///   - receiveTimeout: default 180 s.
    public init(
        debounce: Duration = .milliseconds(30), hangTime: Duration = .milliseconds(500),
        receiveTimeout: Duration? = .seconds(180)
    ) {
        self.debounce = max(debounce, .zero)
        self.hangTime = max(hangTime, .zero)
        self.receiveTimeout = receiveTimeout.map { max($0, .zero) }
    }
}

/// A channel's squelch, without I/O: raw activity samples in, transmissions and faults out.
///
/// Sources (a COR line with its invert already applied, a CM108 input bit, VOX open/close, PEI
/// `+CTXG`) report their level with ``sample(_:active:at:)``; the channel is active while *any*
/// source is. The combined input is debounced, held open for the hang time after it drops, and
/// guarded against sticking open. The reader calls ``tick(at:)`` at ``nextDeadline``.
///
/// Every mutating function returns the actions due, oldest first. It can be more than one: a
/// tick that comes late may owe both the open and the forced close of a stuck transmission.
/// Instants passed in must not go backwards; an earlier one is treated as the latest seen.
public struct SquelchStateMachine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public enum Fault: Sendable, Hashable {
        /// The input stayed active longer than the receive time-out.
        case stuckOpen(limit: Duration)
    }

    public enum Action: Sendable, Hashable {
        /// A transmission began; `at` is when the activity started (before the debounce).
        case opened(at: Instant)
        /// The transmission ended at `at` (after the hang time, or when forced); `duration`
        /// runs from the matching `opened(at:)`.
        case closed(at: Instant, duration: Duration)
        /// Raise a channel fault. Follows the `closed` it forced.
        case fault(Fault, at: Instant)
        /// The stuck input dropped; the channel can receive again.
        case faultCleared(at: Instant)
    }

    private enum State: Sendable, Hashable {
        /// `rise`: the input went active then and has not yet held it for the debounce.
        case closed(rise: Instant?)
        /// Open since `since`. `fall`: the input went inactive then (a drop). `reRise`: active
        /// again after the drop was confirmed, not yet confirmed itself.
        case open(since: Instant, fall: Instant?, reRise: Instant?)
        /// Forced closed; waits for the input to drop (since `fall`) for the debounce.
        case faulted(since: Instant, fall: Instant?)
    }

    private enum Due {
        case confirmOpen(rise: Instant)
        case close
        case confirmReRise
        case stuck
        case clearFault
    }

    public let configuration: SquelchConfiguration
    private var state: State = .closed(rise: nil)
    private var activeSources: Set<SquelchSourceID> = []
    /// The latest instant seen (inputs never go backwards).
    private var latest: Instant?
    /// The instant of the last deadline performed.
    private var processed: Instant?

    public init(configuration: SquelchConfiguration = SquelchConfiguration()) {
        self.configuration = configuration
    }

    /// True while a transmission is in progress (including the hang time).
    public var isOpen: Bool {
        if case .open = state { return true }
        return false
    }

    /// True while the stuck-open guard holds the squelch closed.
    public var isFaulted: Bool {
        if case .faulted = state { return true }
        return false
    }

    /// True while any source reports activity (raw, not debounced).
    public var inputActive: Bool { !activeSources.isEmpty }

    /// When ``tick(at:)`` must next be called; nil when nothing is pending.
    public var nextDeadline: Instant? { nextDue()?.at }

    // MARK: Events

    /// A source reported its level (repeats of the same level are harmless).
    public mutating func sample(_ source: SquelchSourceID, active: Bool, at time: Instant) -> [Action] {
        let now = advanceClock(time)
        var actions = advance(to: now)
        let wasActive = inputActive
        if active { activeSources.insert(source) } else { activeSources.remove(source) }
        if wasActive != inputActive { edge(active: inputActive, at: now) }
        actions += advance(to: now)
        return actions
    }

    /// A source went away (unplugged, reader stopped): it no longer holds the channel active.
    public mutating func removeSource(_ source: SquelchSourceID, at time: Instant) -> [Action] {
        sample(source, active: false, at: time)
    }

    /// Time passed; performs whatever fell due up to `now`.
    public mutating func tick(at time: Instant) -> [Action] {
        advance(to: advanceClock(time))
    }

    // MARK: Transitions

    private var closeDelay: Duration { max(configuration.hangTime, configuration.debounce) }

    private mutating func advanceClock(_ time: Instant) -> Instant {
        let now = latest.map { max($0, time) } ?? time
        latest = now
        return now
    }

    private mutating func edge(active: Bool, at now: Instant) {
        switch state {
        case .closed:
            state = .closed(rise: active ? now : nil)
        case .open(let since, let fall, let reRise):
            if active {
                guard let fall else { return }
                if now < fall.advanced(by: configuration.debounce) {
                    state = .open(since: since, fall: nil, reRise: nil)  // the drop was a blip
                } else {
                    state = .open(since: since, fall: fall, reRise: now)
                }
            } else if reRise != nil {
                state = .open(since: since, fall: fall, reRise: nil)  // the return was a blip; hang goes on
            } else if fall == nil {
                state = .open(since: since, fall: now, reRise: nil)
            }
        case .faulted(let since, _):
            state = .faulted(since: since, fall: active ? nil : now)
        }
    }

    private mutating func advance(to now: Instant) -> [Action] {
        var actions: [Action] = []
        while let due = nextDue(), due.at <= now {
            // A deadline that became due in the past (the guard, once a return is confirmed)
            // happens no earlier than what has already been processed.
            let at = max(due.at, processed ?? due.at)
            processed = at
            actions += perform(due.what, at: at)
        }
        processed = now
        return actions
    }

    private mutating func perform(_ due: Due, at: Instant) -> [Action] {
        switch (state, due) {
        case (.closed, .confirmOpen(let rise)):
            state = .open(since: rise, fall: nil, reRise: nil)
            return [.opened(at: rise)]
        case (.open(let since, _, let reRise), .close):
            state = .closed(rise: reRise)
            return [.closed(at: at, duration: since.duration(to: at))]
        case (.open(let since, _, _), .confirmReRise):
            state = .open(since: since, fall: nil, reRise: nil)
            return []
        case (.open(let since, let fall, _), .stuck):
            state = .faulted(since: at, fall: fall)
            let limit = configuration.receiveTimeout ?? .zero
            return [.closed(at: at, duration: since.duration(to: at)), .fault(.stuckOpen(limit: limit), at: at)]
        case (.faulted, .clearFault):
            state = .closed(rise: nil)
            return [.faultCleared(at: at)]
        default:
            preconditionFailure("squelch deadline \(due) does not belong to state \(state)")
        }
    }

    private func nextDue() -> (at: Instant, what: Due)? {
        let debounce = configuration.debounce
        switch state {
        case .closed(let rise):
            return rise.map { ($0.advanced(by: debounce), .confirmOpen(rise: $0)) }
        case .open(let since, let fall, let reRise):
            var candidates: [(at: Instant, what: Due)] = []
            if let fall {
                let closeAt = fall.advanced(by: closeDelay)
                // A confirmed return keeps the transmission going if it beats the close.
                if let reRise { candidates.append((reRise.advanced(by: debounce), .confirmReRise)) }
                candidates.append((closeAt, .close))
            }
            if let limit = configuration.receiveTimeout {
                let stuckAt = since.advanced(by: limit)
                // The guard applies while the input is active: not once a drop is confirmed.
                let dropConfirmed = fall.map { $0.advanced(by: debounce) <= stuckAt } ?? false
                if !dropConfirmed { candidates.append((stuckAt, .stuck)) }
            }
            // Earliest first; on a tie the list order decides (return, close, guard).
            return candidates.min { $0.at < $1.at }
        case .faulted(_, let fall):
            return fall.map { ($0.advanced(by: debounce), .clearFault) }
        }
    }
}

extension SquelchStateMachine.Action {
    /// The store event for this action, or nil when it has none: transmissions are recorded by
    /// the recorder (`radio.transmission`), faults here (`channel.fault`, `channel.fault_cleared`).
    public func eventDraft(channel: String) -> EventDraft? {
        switch self {
        case .opened, .closed:
            return nil
        case .fault(.stuckOpen(let limit), _):
            return EventDraft(
                priority: .priority, kind: .channelFault, source: .channel(channel),
                payload: ["reason": "receive_stuck_open", "limit_ms": .int(limit.wholeMilliseconds)])
        case .faultCleared:
            return EventDraft(
                priority: .priority, kind: .channelFaultCleared, source: .channel(channel),
                payload: ["reason": "receive_stuck_open"])
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded toward zero (for event payloads).
    public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
