/// PTT on the channel's talkgroup, squelch from other units' transmissions, and call
/// notifications.
extension PEIStateMachine {
    // MARK: Requests

    /// The channel keys up at `priority`. Reported `unkeyed` at once if the terminal is not
    /// ready; otherwise the call is set up (first key-up) or transmission demanded on it.
    public mutating func key(priority: PEITransmitPriority, at now: Instant) -> [PEIAction] {
        var actions = advance(to: now)
        guard isReady else {
            let why = faultReason.map { "the TETRA terminal is not working (\($0))" } ?? "the TETRA terminal is not initialised yet"
            return actions + [.emit(.unkeyed(reason: why + "; PTT was not keyed"))]
        }
        keyRequested = true
        unkeyPending = false
        pttQueue.removeAll { if case .cease = $0 { true } else { false } }
        if let instance = call?.instance {
            pttQueue.append(.demand(callInstance: instance, priority))
        } else if call == nil {
            call = GroupCall(instance: nil, priority: priority.callPriority,
                             setupDeadline: now.advanced(by: configuration.callSetupTimeout))
            pttQueue += [.callSetup(priority), .dial(configuration.gssi)]
        }
        // else: our ATD is on its way and asks for transmission itself.
        actions += pump(at: now)
        return actions
    }

    /// The channel unkeys. `unkeyed` follows once the terminal confirmed `AT+CUTXC` — at once
    /// when nothing had been sent yet. With `force`, `AT+CUTXC` is sent on the call even if the
    /// driver believes PTT is already down (fault recovery, `--release-ptt`).
    public mutating func unkey(force: Bool = false, at now: Instant) -> [PEIAction] {
        var actions = advance(to: now)
        let wasKeyed = keyRequested
        keyRequested = false
        let unsent = pttQueue.contains { if case .dial = $0 { true } else { false } }
        pttQueue.removeAll { if case .cease = $0 { false } else { true } }
        if unsent { call = nil }  // the call was never dialled
        if let instance = call?.instance, wasKeyed || force, state == .running {
            unkeyPending = true
            if !pttQueue.contains(.cease(callInstance: instance)) { pttQueue.append(.cease(callInstance: instance)) }
        } else if wasKeyed, call == nil {
            unkeyPending = false
            actions.append(.emit(.unkeyed(reason: nil)))
        } else if wasKeyed {
            unkeyPending = true
        }
        // else: ATD outstanding: +CTCC brings the instance, then AT+CUTXC follows.
        actions += pump(at: now)
        return actions
    }

    /// A PTT command got its final result.
    mutating func completePTT(_ command: PEICommand, with result: ATResponse, at now: Instant) -> [PEIAction] {
        guard result != .ok else {
            if case .cease = command, unkeyPending {
                unkeyPending = false
                return [.emit(.unkeyed(reason: nil))]
            }
            return []
        }
        let actions: [PEIAction] = [.emit(.commandRefused(command: command.text, response: Self.describe(result)))]
        switch command {
        case .callSetup, .dial:
            call = nil
            pttQueue.removeAll { if case .dial = $0 { true } else { false } }
        case .cease:
            // Refused: most often the call is already gone. PTT is down either way.
            guard unkeyPending else { return actions }
            unkeyPending = false
            return actions + [.emit(.unkeyed(reason: "\(command.text) was refused (\(Self.describe(result))); "
                + "the call has most likely ended"))]
        default:
            break
        }
        return actions + settleUnkeyed("the terminal refused \(command.text): \(Self.describe(result))")
    }

    /// PTT is down for `reason`: reports `unkeyed` if the channel held PTT or was waiting for
    /// its unkey to be confirmed.
    mutating func settleUnkeyed(_ reason: String) -> [PEIAction] {
        defer {
            keyRequested = false
            unkeyPending = false
        }
        return keyRequested || unkeyPending ? [.emit(.unkeyed(reason: reason))] : []
    }

    // MARK: Unsolicited results

    /// `+CTXG: <cc>,<TxGrant>,<TxRqPrmsn>,<e2e>[,<TPI type>,<TPI>]`.
    mutating func transmissionGranted(_ fields: [String], line: String) -> [PEIAction] {
        guard let instance = Self.callInstance(fields.first) else {
            return [reject(.invalidField, line, "the call instance is missing or not 0–65535")]
        }
        guard let grant = Self.integer(fields.count > 1 ? fields[1] : nil, in: 0...3) else {
            return [reject(.invalidField, line, "the transmission grant is missing or not 0–3")]
        }
        var talker: TETRAIdentity?
        if fields.count > 5, !fields[5].isEmpty {
            guard let identity = TETRAIdentity(field: fields[5]) else {
                return [reject(.invalidField, line, "the transmitting party \(fields[5].prefix(20).debugDescription) is not a TETRA identity")]
            }
            talker = identity
        }
        if call == nil {
            call = GroupCall(instance: instance, priority: 0)
        } else if var current = call, current.instance == nil {
            // Some terminals grant before they report the call connected: this is our call.
            current.instance = instance
            current.setupDeadline = nil
            call = current
        }
        switch grant {
        case 0:  // granted to us
            if keyRequested { return [.emit(.transmitGranted(callInstance: instance))] }
            // On air with nobody holding PTT (a late grant after an unkey): stop at once.
            if !pttQueue.contains(.cease(callInstance: instance)) { pttQueue.append(.cease(callInstance: instance)) }
            return []
        case 1:  // not granted
            guard keyRequested else { return [] }
            keyRequested = false
            return [.emit(.unkeyed(reason: "the network did not grant the transmission on call \(instance)"))]
        case 2:  // queued
            return keyRequested ? [.emit(.transmitQueued(callInstance: instance))] : []
        default:  // granted to another unit: it is talking
            var actions: [PEIAction] = []
            if keyRequested {
                keyRequested = false
                actions.append(.emit(.unkeyed(reason: "the floor was granted to \(talker.map { "unit \($0)" } ?? "another unit")")))
            }
            if let open = squelch, open.instance == instance, open.talker == talker { return actions }
            squelch = (instance, talker)
            let emergency = call?.instance == instance && call?.priority == PEIIncomingCall.emergencyPriority
            actions.append(.emit(.squelchOpened(callInstance: instance, talker: talker, emergency: emergency)))
            return actions
        }
    }

    /// `+CDTXC: <cc>,<TxRqPrmsn>`: the other unit stopped transmitting.
    mutating func transmissionCeased(_ fields: [String], line: String) -> [PEIAction] {
        guard let instance = Self.callInstance(fields.first) else {
            return [reject(.invalidField, line, "the call instance is missing or not 0–65535")]
        }
        guard let open = squelch, open.instance == instance else { return [] }
        squelch = nil
        return [.emit(.squelchClosed(callInstance: instance))]
    }

    /// `+CTXI: <cc>,…`: our transmission was interrupted (pre-empted).
    mutating func transmissionInterrupted(_ fields: [String], line: String) -> [PEIAction] {
        guard let instance = Self.callInstance(fields.first) else {
            return [reject(.invalidField, line, "the call instance is missing or not 0–65535")]
        }
        guard keyRequested else { return [] }
        keyRequested = false
        return [.emit(.unkeyed(reason: "the transmission on call \(instance) was interrupted (pre-empted)"))]
    }

    /// `+CTXW: <cc>,…`: wait, the transmission request is held.
    mutating func transmissionWait(_ fields: [String], line: String) -> [PEIAction] {
        guard let instance = Self.callInstance(fields.first) else {
            return [reject(.invalidField, line, "the call instance is missing or not 0–65535")]
        }
        return keyRequested ? [.emit(.transmitQueued(callInstance: instance))] : []
    }

    /// `+CTCC: <cc>,…`: our call is connected; its instance is the one to key on.
    mutating func callConnected(_ fields: [String], line: String) -> [PEIAction] {
        guard let instance = Self.callInstance(fields.first) else {
            return [reject(.invalidField, line, "the call instance is missing or not 0–65535")]
        }
        if var current = call, current.instance == nil {
            current.instance = instance
            current.setupDeadline = nil
            call = current
            if !keyRequested { pttQueue.append(.cease(callInstance: instance)) }  // unkeyed while dialling
        } else if call == nil {
            call = GroupCall(instance: instance, priority: 0)
        }
        return []
    }

    /// `+CTICN: <cc>,<call status>,<AI service>,[<calling type>],[<calling>],[<hook>],
    /// [<simplex>],[<e2e>],[<comms type>],[<slots/codec>],[<called type>],[<called>],[<priority>]`.
    mutating func incomingCall(_ fields: [String], line: String) -> [PEIAction] {
        func field(_ index: Int) -> String? { index < fields.count && !fields[index].isEmpty ? fields[index] : nil }
        guard let instance = Self.callInstance(field(0)) else {
            return [reject(.invalidField, line, "the call instance is missing or not 0–65535")]
        }
        var calling: TETRAIdentity?
        if let text = field(4) {
            guard let identity = TETRAIdentity(field: text) else {
                return [reject(.invalidField, line, "the calling party \(text.prefix(20).debugDescription) is not a TETRA identity")]
            }
            calling = identity
        }
        var called: TETRAIdentity?
        if let text = field(11) {
            guard let identity = TETRAIdentity(field: text) else {
                return [reject(.invalidField, line, "the called party \(text.prefix(20).debugDescription) is not a TETRA identity")]
            }
            called = identity
        }
        var priority = 0
        if let text = field(12) {
            guard let value = Self.integer(text, in: 0...15) else {
                return [reject(.invalidField, line, "the call priority \(text.prefix(8).debugDescription) is not 0–15")]
            }
            priority = value
        }
        var isGroupCall = false
        if let text = field(8) {
            guard let commsType = Self.integer(text, in: 0...3) else {
                return [reject(.invalidField, line, "the communication type \(text.prefix(8).debugDescription) is not 0–3")]
            }
            isGroupCall = commsType != 0
        }
        if isGroupCall {
            if call == nil || call?.instance == instance {
                call = GroupCall(instance: instance, priority: priority)
            }
        }
        return [.emit(.incomingCall(PEIIncomingCall(
            callInstance: instance, calling: calling, called: called, priority: priority, isGroupCall: isGroupCall)))]
    }

    /// `+CTCR: <cc>,<disconnect cause>`: the call is over.
    mutating func callReleased(_ fields: [String], line: String) -> [PEIAction] {
        guard let instance = Self.callInstance(fields.first) else {
            return [reject(.invalidField, line, "the call instance is missing or not 0–65535")]
        }
        guard let cause = Self.integer(fields.count > 1 ? fields[1] : nil, in: 0...255) else {
            return [reject(.invalidField, line, "the disconnect cause is missing or not 0–255")]
        }
        var actions: [PEIAction] = []
        let reason = PEIDisconnectCause.meaning(cause)
        if let open = squelch, open.instance == instance {
            squelch = nil
            actions.append(.emit(.squelchClosed(callInstance: instance)))
        }
        if call?.instance == instance {
            call = nil
            pttQueue.removeAll {
                switch $0 {
                case .demand(instance, _), .cease(instance): true
                default: false
                }
            }
            actions += settleUnkeyed("call \(instance) was released: \(reason)")
        }
        actions.append(.emit(.callReleased(callInstance: instance, cause: cause, reason: reason)))
        return actions
    }
}

/// The disconnect causes of `+CTCR` (EN 300 392-2 §14.8.18, EN 300 396-3 for direct mode).
public enum PEIDisconnectCause {
    public static func meaning(_ cause: Int) -> String {
        switch cause {
        case 0: "cause not defined or unknown"
        case 1: "user requested disconnect"
        case 2: "called party busy"
        case 3: "called party not reachable"
        case 4: "called party does not support encryption"
        case 5: "congestion in infrastructure"
        case 6: "not allowed traffic case"
        case 7: "incompatible traffic case"
        case 8: "requested service not available"
        case 9: "pre-emptive use of resource"
        case 10: "invalid call identifier"
        case 11: "call rejected by the called party"
        case 12: "no idle CC entity"
        case 13: "expiry of timer"
        case 14: "SwMI requested disconnection"
        case 15: "acknowledged service not completed"
        case 16: "unknown TETRA identity"
        case 17: "supplementary-service-dependent disconnection"
        case 18: "unknown external subscriber number"
        case 19: "call restoration of the other user failed"
        case 20: "called party requires encryption"
        case 21: "concurrent set-up not supported"
        case 22: "called party is under the same DM-GATE as the calling party"
        case 31: "called party offered unacceptable service"
        case 32: "pre-emption by late-entering gateway"
        case 33: "link to DM-REP not established or failed"
        case 34: "link to gateway failed"
        case 35: "call rejected by gateway"
        case 36: "V+D call set-up failure"
        case 37: "V+D resource lost or call timer expired"
        case 38: "transmit authorisation lost"
        case 39: "channel has become occupied by other users"
        case 40: "security parameter mismatch"
        default: "reserved cause \(cause)"
        }
    }
}
