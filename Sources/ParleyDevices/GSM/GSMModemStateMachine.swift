/// A GSM modem's SMS side without I/O (3GPP TS 27.005 in PDU mode): set-up, reading stored
/// messages, deleting them once the host has committed them, and sending replies.
///
/// **Set-up** (on every port open; after `ATZ` when the modem stopped answering): `ATE0`,
/// `AT+CMEE=1`, `AT+CMGF=0`, `AT+CNMI=<cnmi>`, then `AT+CMGL=4`, which delivers every message
/// already stored — those that arrived while parleyd was down and those read but not deleted
/// before a crash. Then `ready` (preceded by `recovered` after a `fault`). A refused `ATE0`,
/// `AT+CMEE` or `AT+CNMI` is reported `unexpected` and the set-up goes on (the periodic listing
/// finds messages without `+CMTI`); a refused PDU mode or listing is a `fault`, retried after
/// `responseTimeout`.
///
/// **Receiving**: `+CMTI: "SM",<i>` → `AT+CMGR=<i>` → `received` (or `undecodable`). The message
/// stays on the SIM until ``committed(index:at:)``, which sends `AT+CMGD=<i>`;
/// ``commitFailed(index:at:)`` reads and delivers it again after `redeliveryDelay`. Parts of
/// concatenated messages are delivered one by one; the host reassembles (see ``GSMModemEvent``).
///
/// **Sending**: `AT+CMGS=<TPDU length>`, the `> ` prompt, the PDU hex and Ctrl-Z, then
/// `+CMGS: <mr>` and `OK` per part. A `+CMS ERROR` fails the send with the code's name; a prompt
/// that never comes is cancelled with ESC and the driver carries on.
///
/// **Robustness**: one command outstanding at a time. Unsolicited lines (`+CREG`, `^RSSI`,
/// `+CDSI`, …), even in the middle of a response, are reported `unexpected` and skipped; a
/// command not answered within its timeout resets the modem (`ATZ`, set-up again) with one
/// `fault` and, once it works again, one `recovered`. While faulted every send fails at once.
///
/// Work order when idle: deletes, reads, the periodic listing, sends. Time comes in with every
/// event; call ``tick(at:)`` at ``nextDeadline``.
public struct GSMModemStateMachine<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    // State is internal (not private) only so that GSMModemStateMachine-Responses.swift reaches it.

    enum State: Sendable, Hashable {
        /// No serial port.
        case offline
        /// Running the set-up; `step` indexes ``GSMModemCommand/initialisation(reset:cnmi:)``.
        case starting(step: Int, reset: Bool)
        /// The modem refused its set-up; try again (with `ATZ`) at `until`.
        case backingOff(until: Instant)
        /// Set up; serving reads, deletes and sends.
        case running
    }

    /// The command in flight and what its response has brought so far.
    struct Outstanding: Sendable {
        var command: GSMModemCommand
        var deadline: Instant
        /// The `+CMGR`/`+CMGL` header awaiting its PDU line: the index and `<stat>`.
        var entry: (index: Int, status: Int?)?
        var pdu: String?
        /// `+CMGS: <mr>`.
        var messageReference: Int?
    }

    public let configuration: GSMModemConfiguration
    var state: State = .offline
    var parser = ATResponseParser()
    var outstanding: Outstanding?
    var messages = GSMMessageLedger<Instant>()
    var sends: GSMSendQueue
    /// Why the modem is faulted; nil while it works.
    var faultReason: String?
    var listDue = false
    var nextPoll: Instant?
    /// A `+CMT`/`+CDS`/`+CBM` line whose PDU line comes next.
    var pendingPayload: String?

    /// - Parameter firstReference: the concatenation reference of the first multi-part reply
    ///   (the adapter passes a random one, so that references do not repeat after a restart).
    public init(configuration: GSMModemConfiguration, firstReference: UInt8 = 0) {
        self.configuration = configuration
        self.sends = GSMSendQueue(firstReference: firstReference)
    }

    /// When ``tick(at:)`` must next be called; nil when nothing is timed.
    public var nextDeadline: Instant? {
        var candidates = [outstanding?.deadline, messages.nextRedelivery]
        switch state {
        case .backingOff(let until): candidates.append(until)
        case .running: candidates.append(nextPoll)
        case .offline, .starting: break
        }
        return candidates.compactMap { $0 }.min()
    }

    /// True while a `fault` has been reported and the modem has not recovered.
    public var isFaulted: Bool { faultReason != nil }

    // MARK: Events

    /// The serial port is open: start the set-up.
    public mutating func portOpened(at now: Instant) -> [GSMModemAction] {
        var actions = advance(to: now)
        parser.reset()
        outstanding = nil
        pendingPayload = nil
        state = .starting(step: 0, reset: false)
        actions += pump(at: now)
        return actions
    }

    /// The serial port could not be opened or went away (`reason` says how). Reported as one
    /// `fault` however often it is repeated; the in-flight and queued sends fail.
    public mutating func portLost(_ reason: String, at now: Instant) -> [GSMModemAction] {
        var actions = advance(to: now)
        actions += abandonOutstanding(because: reason)
        parser.reset()
        pendingPayload = nil
        state = .offline
        actions += fault(reason)
        return actions
    }

    /// Bytes from the modem.
    public mutating func receive(_ bytes: some Sequence<UInt8>, at now: Instant) -> [GSMModemAction] {
        var actions = advance(to: now)
        guard state != .offline else { return actions }
        for output in parser.feed(bytes) {
            switch output {
            case .malformed(let input): actions.append(.emit(.malformed(input)))
            case .response(let response): actions += handle(response, at: now)
            }
        }
        actions += pump(at: now)
        return actions
    }

    /// The host committed the message delivered at `index`: it may be deleted.
    public mutating func committed(index: Int, at now: Instant) -> [GSMModemAction] {
        var actions = advance(to: now)
        messages.committed(index: index)
        actions += pump(at: now)
        return actions
    }

    /// The host could not commit the message at `index`: it stays stored and is delivered
    /// again after `redeliveryDelay`.
    public mutating func commitFailed(index: Int, at now: Instant) -> [GSMModemAction] {
        var actions = advance(to: now)
        messages.commitFailed(index: index, retryAt: now.advanced(by: configuration.redeliveryDelay))
        actions += pump(at: now)
        return actions
    }

    /// Sends `text` to `recipient`; the outcome is `sent` or `sendFailed` with `requestID`.
    public mutating func send(to recipient: String, text: String, requestID: Int, at now: Instant) -> [GSMModemAction] {
        var actions = advance(to: now)
        if let faultReason {
            actions.append(.emit(.sendFailed(
                requestID: requestID, reason: "the GSM modem is not working (\(faultReason)); the message was not sent")))
        } else if let failure = sends.enqueue(text, to: recipient, requestID: requestID, serviceCentre: configuration.serviceCentre) {
            actions.append(.emit(failure))
        }
        actions += pump(at: now)
        return actions
    }

    /// Time passed: timeouts, redeliveries and the periodic listing that fell due.
    public mutating func tick(at now: Instant) -> [GSMModemAction] {
        var actions = advance(to: now)
        actions += pump(at: now)
        return actions
    }

    // MARK: Timers and the command queue

    private mutating func advance(to now: Instant) -> [GSMModemAction] {
        var actions: [GSMModemAction] = []
        if let current = outstanding, current.deadline <= now {
            actions += timedOut(current, at: now)
        }
        if case .backingOff(let until) = state, until <= now {
            state = .starting(step: 0, reset: true)
        }
        messages.redeliver(at: now)
        if case .running = state, let poll = nextPoll, poll <= now, let interval = configuration.pollInterval {
            listDue = true
            nextPoll = now.advanced(by: interval)
        }
        return actions
    }

    private mutating func timedOut(_ current: Outstanding, at now: Instant) -> [GSMModemAction] {
        switch current.command {
        case .submit(let length):
            outstanding = Outstanding(command: .cancelSubmit, deadline: now.advanced(by: configuration.responseTimeout))
            let failure = sends.failCurrent(
                "no > prompt within \(configuration.promptTimeout) after AT+CMGS=\(length); cancelled with ESC, "
                    + "the message was not sent")
            return [.write([0x1B])] + (failure.map { [.emit($0)] } ?? [])
        case .cancelSubmit:
            outstanding = nil  // the modem said nothing after ESC either; carry on
            return []
        default:
            let timeout = current.command == .submitBody ? configuration.submitTimeout : configuration.responseTimeout
            let reason = "the modem did not answer \(current.command.text) within \(timeout) — resetting it (ATZ)"
            var actions = abandonOutstanding(because: reason)
            actions += fault(reason)
            parser.reset()
            pendingPayload = nil
            state = .starting(step: 0, reset: true)
            return actions
        }
    }

    /// Drops the command in flight, putting its work back in the queue (a send fails).
    private mutating func abandonOutstanding(because reason: String) -> [GSMModemAction] {
        guard let current = outstanding else { return [] }
        outstanding = nil
        switch current.command {
        case .read(let index): messages.requeueRead(index)
        case .delete(let index): messages.requeueDelete(index)
        case .list: if case .running = state { listDue = true }
        case .submit: return sends.failCurrent(reason + "; the message was not sent").map { [.emit($0)] } ?? []
        case .submitBody: return sends.failCurrent(reason + "; the message may have been sent").map { [.emit($0)] } ?? []
        case .reset, .echoOff, .verboseErrors, .pduMode, .indications, .cancelSubmit: break
        }
        return []
    }

    /// Reports a fault once, and fails every queued send.
    mutating func fault(_ reason: String) -> [GSMModemAction] {
        var actions: [GSMModemAction] = []
        if faultReason == nil { actions.append(.emit(.fault(reason))) }
        faultReason = reason
        actions += sends.failAll("the GSM modem is not working (\(reason)); the message was not sent").map { .emit($0) }
        return actions
    }

    /// Sends the next command when none is outstanding.
    private mutating func pump(at now: Instant) -> [GSMModemAction] {
        guard outstanding == nil else { return [] }
        switch state {
        case .offline, .backingOff:
            return []
        case .starting(let step, let reset):
            let sequence = GSMModemCommand.initialisation(reset: reset, cnmi: configuration.cnmi)
            return issue(sequence[min(step, sequence.count - 1)], at: now)
        case .running:
            if let index = messages.nextDelete() { return issue(.delete(index: index), at: now) }
            if let index = messages.nextRead() { return issue(.read(index: index), at: now) }
            if listDue {
                listDue = false
                return issue(.list, at: now)
            }
            if let part = sends.currentPart { return issue(.submit(tpduLength: part.tpduLength), at: now) }
            return []
        }
    }

    private mutating func issue(_ command: GSMModemCommand, at now: Instant) -> [GSMModemAction] {
        let timeout = if case .submit = command { configuration.promptTimeout } else { configuration.responseTimeout }
        outstanding = Outstanding(command: command, deadline: now.advanced(by: timeout))
        return [.write(Array((command.text + "\r").utf8))]
    }
}
