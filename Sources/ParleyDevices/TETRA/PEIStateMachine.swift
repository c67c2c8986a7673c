/// A TETRA terminal's PEI (ETSI EN 300 392-5) without I/O: initialisation, PTT on the
/// channel's talkgroup, squelch and talker identity, incoming calls, and short data.
///
/// **Initialisation** (on every port open, and after the terminal stopped answering): the
/// configured command list in order, each answered `OK` (a refusal is reported
/// `commandRefused` and the next is sent), then `ready` (preceded by `recovered` after a
/// `fault`).
///
/// **PTT**: the first key-up sets up the group call — `AT+CTSDC=…` then `ATD<gssi>` — whose
/// call-control instance comes with `+CTCC`; later key-ups on the same call send
/// `AT+CTXD=<cc>,<priority>`, unkey `AT+CUTXC=<cc>`. The transmit-demand priority follows the
/// keying priority. `+CTXG` says whether the floor was granted; an unkey answered `OK`, a
/// refusal, a release, a lost floor or a silent terminal all report `unkeyed`, so the channel
/// never believes it is on air when it is not. PTT commands go before short data.
///
/// **Unsolicited results**: `+CTXG` granted to another unit opens the squelch with the
/// talker's identity, `+CDTXC` closes it; `+CTICN` reports an incoming call (emergency when its
/// priority is 15), `+CTCR` a release with the cause's meaning; `+CTSDSR` and the hex line after
/// it a status or text message (an emergency for configured status values).
///
/// **Robustness**: one command outstanding at a time. Garbage, overlong lines, unknown results,
/// invalid fields and lines at the wrong moment are reported (`malformed`, `rejected`) and
/// counted in ``counters``, and the driver carries on. A command not answered within
/// `responseTimeout` — an `AT` is sent when idle for `keepAliveInterval`, so silence is noticed
/// — reports one `fault`, drops PTT and squelch, and re-runs the initialisation until the
/// terminal answers again.
///
/// Time comes in with every event; call ``tick(at:)`` at ``nextDeadline``.
public struct PEIStateMachine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    // Internal (not private) so that the split files reach them.

    enum State: Sendable, Hashable {
        /// No serial port.
        case offline
        /// Sending `configuration.initialisation[step]`.
        case initialising(step: Int)
        /// Initialised: serving PTT and short data.
        case running
    }

    struct Outstanding: Sendable {
        var command: PEICommand
        var deadline: Instant
    }

    /// The talkgroup call the driver keys on.
    struct GroupCall: Sendable {
        /// Nil until `+CTCC` (or an incoming call) names it.
        var instance: Int?
        /// Call priority 0–15; 15 is emergency.
        var priority: Int
        /// While our `ATD` has not connected: when the key-up fails.
        var setupDeadline: Instant?
    }

    public let configuration: PEIConfiguration
    var state: State = .offline
    var parser: ATResponseParser
    var outstanding: Outstanding?
    /// PTT commands waiting, served before everything else.
    var pttQueue: [PEICommand] = []
    /// `AT+CTSDS` / `AT+CMGS` pairs waiting.
    var dataQueue: [PEICommand] = []
    var call: GroupCall?
    /// True while the channel holds PTT.
    var keyRequested = false
    /// True after an unkey whose confirmation (`AT+CUTXC` answered) is still owed.
    var unkeyPending = false
    /// The call instance and talker while another unit transmits.
    var squelch: (instance: Int, talker: TETRAIdentity?)?
    /// A `+CTSDSR` header whose user data line comes next.
    var pendingShortData: (line: String, service: Int, from: TETRAIdentity?, to: TETRAIdentity?, bits: Int)?
    var faultReason: String?
    var nextKeepAlive: Instant?
    var nextReference: UInt8
    /// Bad input and failures so far.
    public internal(set) var counters = PEICounters()

    /// - Parameter firstReference: the SDS-TL message reference of the first text sent (the
    ///   adapter passes a random one, so that references do not repeat after a restart).
    public init(configuration: PEIConfiguration, firstReference: UInt8 = 1) {
        self.configuration = configuration
        self.parser = ATResponseParser(maxLineBytes: configuration.maxLineBytes)
        self.nextReference = firstReference
    }

    /// When ``tick(at:)`` must next be called; nil when nothing is timed.
    public var nextDeadline: Instant? {
        var candidates = [outstanding?.deadline, call?.setupDeadline]
        if state == .running { candidates.append(nextKeepAlive) }
        return candidates.compactMap { $0 }.min()
    }

    /// True once initialised and not faulted: key-ups and sends are accepted.
    public var isReady: Bool { state == .running && faultReason == nil }
    /// True while the channel holds PTT (the transmission may not be granted yet).
    public var isKeyed: Bool { keyRequested }
    /// True while a command is outstanding or PTT commands wait (the adapter lets them finish
    /// before it closes the port).
    public var isBusy: Bool { outstanding != nil || !pttQueue.isEmpty }
    /// True while a `fault` has been reported and the terminal has not recovered.
    public var isFaulted: Bool { faultReason != nil }
    /// The talker while the squelch is open.
    public var squelchOpen: (callInstance: Int, talker: TETRAIdentity?)? {
        squelch.map { (callInstance: $0.instance, talker: $0.talker) }
    }

    // MARK: Events

    /// The serial port is open: initialise the terminal.
    public mutating func portOpened(at now: Instant) -> [PEIAction] {
        var actions = advance(to: now)
        actions += dropEverything(because: "the PEI port was reopened")
        state = .initialising(step: 0)
        actions += pump(at: now)
        return actions
    }

    /// The serial port could not be opened or went away; reported as one `fault` however often
    /// it is repeated. PTT is reported down, queued sends fail.
    public mutating func portLost(_ reason: String, at now: Instant) -> [PEIAction] {
        var actions = advance(to: now)
        actions += dropEverything(because: reason)
        state = .offline
        actions += fault(reason)
        return actions
    }

    /// Bytes from the terminal.
    public mutating func receive(_ bytes: some Sequence<UInt8>, at now: Instant) -> [PEIAction] {
        var actions = advance(to: now)
        guard state != .offline else { return actions }
        for output in parser.feed(bytes) {
            switch output {
            case .malformed(let input):
                counters.malformedLines += 1
                actions.append(.emit(.malformed(input)))
            case .response(let response):
                actions += handle(response, at: now)
            }
        }
        actions += pump(at: now)
        return actions
    }

    /// Time passed: timeouts, call set-up failures, the keep-alive.
    public mutating func tick(at now: Instant) -> [PEIAction] {
        var actions = advance(to: now)
        actions += pump(at: now)
        return actions
    }

    // MARK: Timers and the command queue

    mutating func advance(to now: Instant) -> [PEIAction] {
        var actions: [PEIAction] = []
        if let current = outstanding, current.deadline <= now {
            counters.timeouts += 1
            let reason = "the TETRA terminal did not answer \(current.command.text) within "
                + "\(configuration.responseTimeout) — re-initialising it"
            actions += dropEverything(because: reason)
            actions += fault(reason)
            state = .initialising(step: 0)
        }
        if let deadline = call?.setupDeadline, deadline <= now {
            call = nil
            pttQueue.removeAll()
            actions += settleUnkeyed("the group call to \(configuration.gssi) was not connected within "
                    + "\(configuration.callSetupTimeout) (no +CTCC) — check the terminal is registered and the talkgroup attached")
        }
        if state == .running, outstanding == nil, pttQueue.isEmpty, dataQueue.isEmpty,
           let due = nextKeepAlive, due <= now {
            dataQueue.append(.keepAlive)
        }
        return actions
    }

    /// Forgets the command in flight, the queues, the call, PTT and squelch — reporting PTT
    /// unkeyed, the squelch closed and every queued send failed.
    mutating func dropEverything(because reason: String) -> [PEIAction] {
        var actions: [PEIAction] = []
        var pending = dataQueue
        if let current = outstanding { pending.insert(current.command, at: 0) }
        for case .sendShortData(_, _, let requestID?) in pending {
            actions.append(.emit(.shortDataFailed(requestID: requestID, reason: reason + "; the message may not have been sent")))
        }
        outstanding = nil
        dataQueue.removeAll()
        pttQueue.removeAll()
        if let open = squelch {
            squelch = nil
            actions.append(.emit(.squelchClosed(callInstance: open.instance)))
        }
        actions += settleUnkeyed(reason)
        call = nil
        parser.reset()
        pendingShortData = nil
        nextKeepAlive = nil
        return actions
    }

    /// Reports a fault once.
    mutating func fault(_ reason: String) -> [PEIAction] {
        defer { faultReason = reason }
        return faultReason == nil ? [.emit(.fault(reason))] : []
    }

    /// Sends the next command when none is outstanding.
    mutating func pump(at now: Instant) -> [PEIAction] {
        guard outstanding == nil else { return [] }
        switch state {
        case .offline:
            return []
        case .initialising(let step):
            guard step < configuration.initialisation.count else { return finishInitialisation(at: now) }
            return issue(.initialise(configuration.initialisation[step]), at: now)
        case .running:
            if !pttQueue.isEmpty { return issue(pttQueue.removeFirst(), at: now) }
            if !dataQueue.isEmpty { return issue(dataQueue.removeFirst(), at: now) }
            return []
        }
    }

    private mutating func issue(_ command: PEICommand, at now: Instant) -> [PEIAction] {
        outstanding = Outstanding(command: command, deadline: now.advanced(by: configuration.responseTimeout))
        return [.write(command.bytes)]
    }

    mutating func finishInitialisation(at now: Instant) -> [PEIAction] {
        state = .running
        nextKeepAlive = now.advanced(by: configuration.keepAliveInterval)
        var actions: [PEIAction] = []
        if faultReason != nil {
            faultReason = nil
            actions.append(.emit(.recovered))
        }
        actions.append(.emit(.ready))
        return actions + pump(at: now)
    }

    /// The command in flight got its final result.
    mutating func complete(_ current: Outstanding, with result: ATResponse, at now: Instant) -> [PEIAction] {
        outstanding = nil
        if state == .running { nextKeepAlive = now.advanced(by: configuration.keepAliveInterval) }
        let refused = result != .ok
        if refused { counters.refusedCommands += 1 }
        switch current.command {
        case .initialise(let command):
            guard case .initialising(let step) = state else { return [] }
            state = .initialising(step: step + 1)
            return refused ? [.emit(.commandRefused(command: command, response: Self.describe(result)))] : []
        case .keepAlive:
            return []
        case .callSetup, .dial, .demand, .cease:
            return completePTT(current.command, with: result, at: now)
        case .shortDataService, .sendShortData:
            return completeShortData(current.command, with: result)
        }
    }

    /// A final result for the log and events; `+CME ERROR` with the PEI's name for its code.
    static func describe(_ result: ATResponse) -> String {
        if case .equipmentError(let error) = result { return "+CME ERROR: \(error.inTETRATerms)" }
        return result.description
    }
}
