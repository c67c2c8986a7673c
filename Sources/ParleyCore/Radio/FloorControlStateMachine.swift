/// One channel's floor, without I/O: who may key, for how long, and when the line moves.
///
/// One keyer at a time. A higher-priority request pre-empts the holder (the line stays keyed,
/// only the audio source changes); an equal or lower one is refused with the holder's name.
/// Keying while the channel is receiving is refused unless the configuration lets emergency
/// requests through. Timers (TX delay, `--for`, time-out warning and time-out, tail) are
/// deadlines: the service calls ``tick(at:)`` at ``nextDeadline``.
///
/// Every mutating function returns the actions to perform, in order (see
/// ``FloorControlAction``). The time-out counts from each keying, so a pre-empting keyer gets
/// a fresh one. A `--for` duration counts from the request. A keying released before its
/// audio started drops the line without a tail.
public struct FloorControlStateMachine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    private struct Keying: Sendable, Hashable {
        var keyer: Keyer
        var keyedAt: Instant
        /// When audio starts; nil once it has.
        var audioAt: Instant?
        var endsAt: Instant?
        var warningAt: Instant?
        var timeoutAt: Instant?
    }

    private enum State: Sendable, Hashable {
        case idle
        case keyed(Keying)
        /// Nobody holds the floor; the line stays keyed until `until`.
        case tail(until: Instant)
        case shutDown
    }

    private enum Due {
        case startAudio, durationElapsed, warning, timeout, tailEnded
    }

    public let configuration: FloorControlConfiguration
    private var state: State = .idle
    private var receiving = false
    private var deviceUp = true

    public init(configuration: FloorControlConfiguration = FloorControlConfiguration()) {
        self.configuration = configuration
    }

    /// Who holds the floor, if anyone.
    public var holder: Keyer? {
        if case .keyed(let keying) = state { return keying.keyer }
        return nil
    }

    /// True while the line should be keyed (holding, or in the tail).
    public var isLineKeyed: Bool {
        switch state {
        case .keyed, .tail: true
        case .idle, .shutDown: false
        }
    }

    /// When ``tick(at:)`` must next be called; nil when nothing is pending.
    public var nextDeadline: Instant? { nextDue()?.at }

    // MARK: Events

    /// A keyer asks for the floor, optionally for a fixed time (`parleyctl key --for`).
    public mutating func request(_ keyer: Keyer, for duration: Duration? = nil, at now: Instant) -> [FloorControlAction] {
        var actions = tick(at: now)
        switch state {
        case .shutDown:
            actions.append(.refused(keyer, reason: .shuttingDown))
        case _ where !deviceUp:
            actions.append(.refused(keyer, reason: .channelDown))
        case .keyed(let current):
            if current.keyer.id == keyer.id {
                actions.append(.refused(keyer, reason: .alreadyHolding))
            } else if keyer.priority > current.keyer.priority {
                if current.audioAt == nil { actions.append(.stopAudio(current.keyer)) }
                actions.append(.preempted(current.keyer, by: keyer, heldFor: current.keyedAt.duration(to: now)))
                // The line is already up: the new keyer inherits what is left of the TX delay.
                actions += startKeying(keyer, duration: duration, audioAt: current.audioAt, at: now)
            } else {
                actions.append(.refused(keyer, reason: .floorHeld(by: current.keyer)))
            }
        case .idle, .tail:
            let overrides = keyer.priority == .emergency && configuration.emergencyOverridesReceiving
            if receiving && configuration.refuseWhileReceiving && !overrides {
                actions.append(.refused(keyer, reason: .channelReceiving))
            } else if case .tail = state {
                actions += startKeying(keyer, duration: duration, audioAt: nil, at: now)
            } else {
                actions.append(.keyLine)
                let audioAt = configuration.txDelay > .zero ? now.advanced(by: configuration.txDelay) : nil
                actions += startKeying(keyer, duration: duration, audioAt: audioAt, at: now)
            }
        }
        return actions
    }

    /// `unkey`: the holder (or, with `force`, anyone) ends the keying.
    public mutating func release(by requester: String, force: Bool = false, at now: Instant) -> [FloorControlAction] {
        var actions = tick(at: now)
        guard case .keyed(let keying) = state else {
            actions.append(.unkeyRefused(requester: requester, holder: nil))
            return actions
        }
        guard keying.keyer.id == requester || force else {
            actions.append(.unkeyRefused(requester: requester, holder: keying.keyer))
            return actions
        }
        let reason: UnkeyReason = keying.keyer.id == requester ? .released : .forced(by: requester)
        actions += end(keying, with: .unkeyed(keying.keyer, reason: reason, heldFor: keying.keyedAt.duration(to: now)), tail: true, at: now)
        return actions
    }

    /// The channel's squelch opened or closed (incoming traffic).
    public mutating func receivingChanged(_ receiving: Bool) {
        self.receiving = receiving
    }

    /// The PTT device failed (a key or unkey threw, the port vanished) or came back. Going
    /// down ends any keying and asks for the line to be dropped; while down, requests are
    /// refused with `channelDown`.
    public mutating func deviceAvailabilityChanged(up: Bool, at now: Instant) -> [FloorControlAction] {
        var actions = tick(at: now)
        deviceUp = up
        guard !up else { return actions }
        switch state {
        case .keyed(let keying):
            actions += end(keying, with: .unkeyed(keying.keyer, reason: .deviceFault, heldFor: keying.keyedAt.duration(to: now)), tail: false, at: now)
        case .tail:
            state = .idle
            actions.append(.unkeyLine)
        case .idle, .shutDown:
            break
        }
        return actions
    }

    /// The daemon is stopping: ends any keying, always ends with `unkeyLine` (a belt-and-braces
    /// reset), and refuses every later request.
    public mutating func shutdown(at now: Instant) -> [FloorControlAction] {
        var actions: [FloorControlAction] = []
        if case .keyed(let keying) = state {
            if keying.audioAt == nil { actions.append(.stopAudio(keying.keyer)) }
            actions.append(.unkeyed(keying.keyer, reason: .shutdown, heldFor: keying.keyedAt.duration(to: now)))
        }
        state = .shutDown
        actions.append(.unkeyLine)
        return actions
    }

    /// Time passed; performs whatever fell due up to `now`, oldest first.
    public mutating func tick(at now: Instant) -> [FloorControlAction] {
        var actions: [FloorControlAction] = []
        while let due = nextDue(), due.at <= now {
            actions += perform(due.what, at: due.at)
        }
        return actions
    }

    // MARK: Transitions

    private mutating func startKeying(_ keyer: Keyer, duration: Duration?, audioAt: Instant?, at now: Instant) -> [FloorControlAction] {
        var keying = Keying(keyer: keyer, keyedAt: now, audioAt: audioAt)
        keying.endsAt = duration.map { now.advanced(by: max($0, .zero)) }
        if let timeout = configuration.transmitTimeout {
            keying.timeoutAt = now.advanced(by: timeout)
            let warning = configuration.timeoutWarning
            if warning > .zero && warning < timeout {
                keying.warningAt = now.advanced(by: timeout - warning)
            }
        }
        state = .keyed(keying)
        var actions: [FloorControlAction] = [.keyed(keyer, duration: duration)]
        if audioAt == nil { actions.append(.startAudio(keyer)) }
        return actions
    }

    /// Ends a keying with `outcome`; keeps the line up for the tail when asked and audio ran.
    private mutating func end(_ keying: Keying, with outcome: FloorControlAction, tail: Bool, at now: Instant) -> [FloorControlAction] {
        var actions: [FloorControlAction] = []
        let audioRan = keying.audioAt == nil
        if audioRan { actions.append(.stopAudio(keying.keyer)) }
        actions.append(outcome)
        if tail && audioRan && configuration.tail > .zero {
            state = .tail(until: now.advanced(by: configuration.tail))
        } else {
            state = .idle
            actions.append(.unkeyLine)
        }
        return actions
    }

    private mutating func perform(_ due: Due, at: Instant) -> [FloorControlAction] {
        switch (state, due) {
        case (.keyed(var keying), .startAudio):
            keying.audioAt = nil
            state = .keyed(keying)
            return [.startAudio(keying.keyer)]
        case (.keyed(let keying), .durationElapsed):
            return end(keying, with: .unkeyed(keying.keyer, reason: .durationElapsed, heldFor: keying.keyedAt.duration(to: at)), tail: true, at: at)
        case (.keyed(var keying), .warning):
            keying.warningAt = nil
            state = .keyed(keying)
            let remaining = keying.timeoutAt.map { at.duration(to: $0) } ?? .zero
            return [.timeoutWarning(keying.keyer, remaining: remaining)]
        case (.keyed(let keying), .timeout):
            return end(keying, with: .timedOut(keying.keyer, heldFor: keying.keyedAt.duration(to: at)), tail: false, at: at)
        case (.tail, .tailEnded):
            state = .idle
            return [.unkeyLine]
        default:
            preconditionFailure("floor deadline \(due) does not belong to state \(state)")
        }
    }

    private func nextDue() -> (at: Instant, what: Due)? {
        switch state {
        case .idle, .shutDown:
            return nil
        case .tail(let until):
            return (until, .tailEnded)
        case .keyed(let keying):
            // On a tie the order below decides: audio, `--for`, warning, time-out.
            let candidates: [(Instant?, Due)] = [
                (keying.audioAt, .startAudio), (keying.endsAt, .durationElapsed),
                (keying.warningAt, .warning), (keying.timeoutAt, .timeout),
            ]
            return candidates.compactMap { at, what in at.map { ($0, what) } }.min { $0.0 < $1.0 }
        }
    }
}
