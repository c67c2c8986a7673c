import Logging
import ParleyCore
import ParleyStore

/// The one call queue across all lines and every call's lifecycle.
///
/// Lines report arrivals, hang-ups and text; dispatchers (through the control socket) answer,
/// hold, hang up, transfer and reply. Every change is checked by the call's
/// `CallStateMachine`, stored as a row change and an event in one transaction, and only then
/// visible in `calls()`. The device action (off hook, hook flash…) happens before the store
/// write, so the store never claims what the line did not do; if the device fails, the call
/// goes back to where it was and the dispatcher gets the reason.
public actor Switchboard {
    /// A call as the switchboard holds it: its stored row and its state machine.
    struct LiveCall {
        var record: CallRecord
        var machine: CallStateMachine
        var handoffID: Int64?
        var messages: Int
    }

    let store: IncidentStore
    let writer: EventWriter
    let agency: String
    let logger: Logger
    let wallClock: any WallClock
    private(set) var lines: [String: LineInfo] = [:]
    private var lineOrder: [String] = []
    private var handles: [String: any TelephoneLine] = [:]
    private var deviceStates: [String: LineState] = [:]
    /// Malformed input skipped per line: how many times, and the last (hex).
    private var badInputs: [String: (count: Int, last: String)] = [:]
    private var queue = CallQueue()
    private var live: [Int64: LiveCall] = [:]

    /// - Parameters:
    ///   - agency: this control room's organisation, the "from" agency of handoffs.
    ///   - wallClock: for waiting times in `calls()`.
    public init(store: IncidentStore, writer: EventWriter, agency: String, logger: Logger, wallClock: any WallClock = SystemWallClock()) {
        self.store = store
        self.writer = writer
        self.agency = agency
        self.logger = logger
        self.wallClock = wallClock
    }

    // MARK: Lines

    public func register(_ line: LineInfo, handle: any TelephoneLine) {
        if lines[line.id] == nil { lineOrder.append(line.id) }
        lines[line.id] = line
        handles[line.id] = handle
        deviceStates[line.id] = .starting
    }

    /// The driver's view of its device; a line that goes down ends the calls on it.
    public func lineStateChanged(_ lineID: String, to state: LineState) async {
        deviceStates[lineID] = state
        guard case .down(let reason) = state else { return }
        for call in live.values where call.record.lineID == lineID && lines[lineID]?.kind == .voice {
            await lineReported(call.record.id, .lineFailed, detail: reason)
        }
    }

    /// A line's device sent input its driver could not read (logged there, with hex): counted,
    /// so `parleyctl lines` shows a line with a wiring or speed problem.
    public func badInput(on lineID: String, hex: String) {
        let count = (badInputs[lineID]?.count ?? 0) + 1
        badInputs[lineID] = (count, String(hex.prefix(128)))
    }

    /// Malformed input skipped on a line since start-up, and the last of it (hex).
    public func badInput(on lineID: String) -> (count: Int, last: String?) {
        badInputs[lineID].map { ($0.count, $0.last) } ?? (0, nil)
    }

    public func lineStates() -> [(LineInfo, LineState, Int64?)] {
        lineOrder.compactMap { id in
            guard let info = lines[id] else { return nil }
            let call = live.values.filter { $0.record.lineID == id }.map(\.record.id).max()
            return (info, deviceStates[id] ?? .starting, call)
        }
    }

    // MARK: What lines report

    /// A call arrived on a line (first ring, or a first SMS): queued and stored.
    @discardableResult
    public func callArrived(lineID: String, callerID: CallerID, textMedium: TextMedium? = nil) async throws -> CallRecord {
        guard let line = lines[lineID] else { throw StoreError.notFound("line \(lineID)") }
        let (record, _) = try await writer.perform(
            priority: line.priority,
            CallOperations.queue(lineID: lineID, service: line.service, priority: line.priority, callerID: callerID, textMedium: textMedium))
        await admit(record)
        return record
    }

    /// A call a store operation already created (an SMS that opened a conversation).
    public func admit(_ record: CallRecord) async {
        guard live[record.id] == nil else { return }
        live[record.id] = LiveCall(record: record, machine: CallStateMachine(callID: record.id), messages: 0)
        let placement = queue.enqueue(
            CallQueue.Entry(callID: record.id, lineID: record.lineID, priority: record.priority, queuedAt: record.queuedAt))
        var metadata: Logger.Metadata = [
            "call.id": "\(record.id)", "line.id": "\(record.lineID)", "call.priority": "\(record.priority.name)",
            "call.cli": "\(record.callerID.displayNumber)", "queue.position": "\(placement.position)",
        ]
        if let preempted = placement.preempted {
            metadata["queue.preempted_call"] = "\(preempted.callID)"
            logger.notice("Call queued ahead of the waiting call at the head of the queue", metadata: metadata)
            let event = EventDraft(
                priority: record.priority, kind: "call.queue_preempted", source: .line(record.lineID),
                payload: ["call": .int(record.id), "preempted_call": .int(preempted.callID), "priority": .string(record.priority.name)])
            await store(event)
        } else {
            logger.info("Call queued", metadata: metadata)
        }
    }

    /// Caller ID that arrived after the first ring.
    public func callerIDArrived(_ callID: Int64, _ callerID: CallerID) async {
        guard live[callID] != nil else { return }
        if let record = await perform(callID, CallOperations.setCallerID(callID, callerID)) {
            live[callID]?.record = record
        }
    }

    /// The line said the caller rang off, the line failed, or a transfer settled.
    public func lineReported(_ callID: Int64, _ input: CallStateMachine.Input, detail: String? = nil) async {
        guard var call = live[callID] else { return }
        let action = call.machine.handle(input)
        live[callID] = call
        guard case .changed(_, let to, let endReason) = action else { return }
        if let handoffID = call.handoffID {
            let outcome: HandoffRecord.Outcome? =
                switch input {
                case .transferCompleted: .completed
                case .transferFailed, .callerHungUp, .lineFailed: .failed
                default: nil
                }
            if let outcome {
                _ = await perform(callID, HandoffOperations.settle(handoffID, outcome: outcome, detail: detail))
                live[callID]?.handoffID = nil
            }
        }
        await record(callID, to: to, by: nil, endReason: endReason, detail: detail)
    }

    /// The line closed the call's recording.
    public func recordingFinished(_ callID: Int64, path: String, sha256: String?) async {
        _ = await perform(callID, CallOperations.setRecording(callID, path: path, sha256: sha256))
    }

    /// A deaf-text message decoded on the call (TTY, V.21) or typed by a relay assistant.
    @discardableResult
    public func textReceived(_ callID: Int64, medium: TextMedium, raw: String, text: String) async -> TextMessageRecord? {
        guard let call = live[callID] else { return nil }
        if call.record.textMedium == nil, let record = await perform(callID, CallOperations.setTextMedium(callID, medium)) {
            live[callID]?.record = record
        }
        let message = await perform(
            callID, TextMessageOperations.record(callID: callID, direction: .incoming, medium: medium, raw: raw, text: text))
        if message != nil { live[callID]?.messages += 1 }
        return message
    }

    /// An SMS stored by its line (the store operation queued a call if this opened one).
    public func smsStored(call record: CallRecord) async {
        if live[record.id] == nil {
            await admit(record)
        } else {
            live[record.id]?.record.textMedium = .sms
        }
        live[record.id]?.messages += 1
    }

    // MARK: What dispatchers ask

    /// Answers `callID`, or the head of the queue when nil. Answering a held call resumes it.
    public func answer(_ callID: Int64?, by person: String) async throws(SwitchboardError) -> CallRecord {
        guard let id = callID ?? queue.head?.callID else { throw SwitchboardError(.notFound, "no call is waiting") }
        let call = try liveCall(id)
        var machine = call.machine
        guard case .changed(let from, _, _) = machine.handle(.answer(by: person)) else {
            throw refusal(machine.refusal(for: .answer(by: person)), id)
        }
        // Reserve the call before awaiting the line, so a second dispatcher is refused.
        live[id]?.machine = machine
        queue.remove(id)
        if from == .queued {
            do {
                try await handle(for: call.record.lineID).answer()
            } catch {
                live[id]?.machine = call.machine
                queue.enqueue(CallQueue.Entry(callID: id, lineID: call.record.lineID, priority: call.record.priority, queuedAt: call.record.queuedAt))
                throw SwitchboardError(.lineDown, "line \(call.record.lineID) could not answer call \(id): \(error.message)")
            }
        }
        return try await recordOrThrow(id, to: .answered, by: person)
    }

    public func hold(_ callID: Int64, by person: String) async throws(SwitchboardError) -> CallRecord {
        try await dispatcherChange(callID, .hold(by: person), by: person)
    }

    public func hangUp(_ callID: Int64, by person: String) async throws(SwitchboardError) -> CallRecord {
        let call = try liveCall(callID)
        var machine = call.machine
        guard case .changed(let from, _, let endReason) = machine.handle(.hangUp(by: person)) else {
            throw refusal(machine.refusal(for: .hangUp(by: person)), callID)
        }
        live[callID]?.machine = machine
        queue.remove(callID)
        // An SMS "call" has nothing to put on hook.
        if lines[call.record.lineID]?.kind != .gsm { await handles[call.record.lineID]?.hangUp() }
        if from == .transferring, let handoffID = call.handoffID {
            _ = await perform(callID, HandoffOperations.settle(handoffID, outcome: .completed, detail: "\(person) left the call"))
        }
        return try await recordOrThrow(callID, to: .ended, by: person, endReason: endReason)
    }

    /// Hands the call on. The handoff row is written first (`requested`), then the line dials;
    /// a blind transfer completes when the line confirms, the others when the dispatcher hangs up.
    public func transfer(_ callID: Int64, _ request: HandoffRequest, by person: String) async throws(SwitchboardError)
        -> HandoffRecord
    {
        let call = try liveCall(callID)
        let blind = request.kind == .blind
        var machine = call.machine
        guard case .changed = machine.handle(.transfer(by: person, blind: blind)) else {
            throw refusal(machine.refusal(for: .transfer(by: person, blind: blind)), callID)
        }
        switch lines[call.record.lineID]?.kind {
        case .gsm:
            throw SwitchboardError(.rejected, "call \(callID) is on an SMS line; it cannot be transferred by dialling")
        case .soundcard:
            throw SwitchboardError(
                .rejected, "call \(callID) is on a sound-card line, which has no dialler; transfer it from the telephone system")
        case .voice, nil:
            break
        }
        guard let number = request.number else {
            throw SwitchboardError(.rejected, "a transfer of call \(callID) needs a number to dial")
        }
        live[callID]?.machine = machine
        let handoff: HandoffRecord
        do {
            handoff = try await writer.perform(
                priority: call.record.priority,
                HandoffOperations.request(callID: callID, request, from: .init(person: person, agency: agency))).0
        } catch {
            live[callID]?.machine = call.machine
            throw SwitchboardError(.storeUnavailable, "the handoff could not be stored: \(error)")
        }
        live[callID]?.handoffID = handoff.id
        await record(callID, to: .transferring, by: person, endReason: nil, detail: "\(request.kind.rawValue) to \(number)")
        do {
            try await handle(for: call.record.lineID).transfer(to: number, blind: blind)
        } catch {
            await lineReported(callID, .transferFailed, detail: error.message)
            throw SwitchboardError(.lineDown, "transfer of call \(callID) failed: \(error.message)")
        }
        if blind {
            await lineReported(callID, .transferCompleted, detail: "dialled \(number)")
        } else if let settled = await perform(callID, HandoffOperations.settle(handoff.id, outcome: .connected, detail: "dialled \(number)")) {
            // Still open: completes when the dispatcher hangs up.
            live[callID]?.handoffID = settled.id
            return settled
        }
        return (try? store.handoffs(callID: callID).first { $0.id == handoff.id }) ?? handoff
    }

    /// Sends a reply on the call's medium and stores it.
    public func sendText(_ callID: Int64, _ text: String, by person: String) async throws(SwitchboardError) -> TextMessageRecord {
        let call = try liveCall(callID)
        guard call.record.state == .answered || call.record.service == .sms else {
            throw SwitchboardError(.rejected, "call \(callID) is \(call.record.state.rawValue); answer it before sending text")
        }
        let medium = call.record.textMedium ?? (call.record.service == .sms ? .sms : .tty45)
        let sent: SentText
        do {
            sent = try await handle(for: call.record.lineID).sendText(text, medium: medium, recipient: call.record.callerID.number)
        } catch {
            throw SwitchboardError(error.kind == .unsupported ? .rejected : .lineDown, "text to call \(callID) not sent: \(error.message)")
        }
        guard
            let message = await perform(
                callID,
                TextMessageOperations.record(
                    callID: callID, direction: .outgoing, medium: sent.medium, raw: sent.raw, text: sent.text, sentBy: person))
        else { throw SwitchboardError(.storeUnavailable, "the text was sent to call \(callID) but could not be stored") }
        live[callID]?.messages += 1
        return message
    }

    public func attach(_ callID: Int64, incident: String?, by person: String) async throws(SwitchboardError) -> CallRecord {
        _ = try liveCall(callID)
        do {
            let record = try await writer.perform(priority: .routine, CallOperations.attach(callID, incident: incident, by: person)).0
            live[callID]?.record = record
            return record
        } catch let error as StoreError {
            throw SwitchboardError(error.isNotFound ? .notFound : .rejected, error.description)
        } catch {
            throw SwitchboardError(.storeUnavailable, "\(error)")
        }
    }

    // MARK: Views

    /// A call with what `calls` shows beside its row.
    public struct CallView: Sendable, Hashable {
        public var record: CallRecord
        public var waitingMillis: Int64?
        public var messages: Int
        public var incidentReference: String?
    }

    /// The queue in order of service and the calls being handled.
    public func callViews() -> (queue: [CallView], active: [CallView]) {
        let time = Timestamp.millis(wallClock.now())
        let waiting = queue.entries.compactMap { entry in
            live[entry.callID].map { CallView(record: $0.record, waitingMillis: max(0, time - $0.record.queuedAt), messages: $0.messages) }
        }
        let active = live.values.filter { !queue.contains($0.record.id) }.sorted { $0.record.id < $1.record.id }
            .map { CallView(record: $0.record, waitingMillis: nil, messages: $0.messages) }
        return (waiting, active)
    }

    public func call(_ id: Int64) -> CallView? {
        live[id].map { CallView(record: $0.record, waitingMillis: nil, messages: $0.messages) }
    }

    /// The open call on a line (voice lines carry one at a time).
    public func currentCall(onLine lineID: String) -> CallRecord? {
        live.values.filter { $0.record.lineID == lineID }.map(\.record).max { $0.id < $1.id }
    }

    // MARK: Helpers

    private func liveCall(_ id: Int64) throws(SwitchboardError) -> LiveCall {
        guard let call = live[id] else { throw SwitchboardError(.notFound, "no open call \(id) — see parleyctl calls") }
        return call
    }

    private func handle(for lineID: String) throws(LineError) -> any TelephoneLine {
        guard let handle = handles[lineID] else { throw LineError(.down, "line \(lineID) is not running") }
        return handle
    }

    private func refusal(_ message: String, _ id: Int64) -> SwitchboardError {
        SwitchboardError(.rejected, message)
    }

    private func dispatcherChange(_ id: Int64, _ input: CallStateMachine.Input, by person: String) async throws(SwitchboardError) -> CallRecord {
        let call = try liveCall(id)
        var machine = call.machine
        guard case .changed(_, let to, let endReason) = machine.handle(input) else {
            throw refusal(machine.refusal(for: input), id)
        }
        live[id]?.machine = machine
        return try await recordOrThrow(id, to: to, by: person, endReason: endReason)
    }

    private func recordOrThrow(_ id: Int64, to state: CallState, by person: String?, endReason: CallEndReason? = nil) async throws(SwitchboardError)
        -> CallRecord
    {
        guard let record = await record(id, to: state, by: person, endReason: endReason, detail: nil) else {
            throw SwitchboardError(.storeUnavailable, "call \(id) changed to \(state.rawValue) but the store could not record it")
        }
        return record
    }

    /// Stores a state change the machine made; an ended call leaves the switchboard.
    @discardableResult
    private func record(_ id: Int64, to state: CallState, by person: String?, endReason: CallEndReason?, detail: String?) async -> CallRecord? {
        var extra: [String: JSONValue] = [:]
        if let detail { extra["detail"] = .string(detail) }
        let record = await perform(id, CallOperations.transition(id, to: state, by: person, endReason: endReason, detail: extra))
        if let record { live[id]?.record = record }
        if state == .ended {
            queue.remove(id)
            let ended = live.removeValue(forKey: id)?.record
            logger.info(
                "Call ended",
                metadata: ["call.id": "\(id)", "line.id": "\(ended?.lineID ?? "?")", "call.end_reason": "\(endReason?.rawValue ?? "?")"])
        } else {
            logger.info("Call changed state", metadata: ["call.id": "\(id)", "call.state": "\(state.rawValue)", "call.by": "\(person ?? "line")"])
        }
        return record
    }

    /// Runs a store operation for a call; a store failure is logged (the call goes on).
    private func perform<Result: Sendable>(_ callID: Int64, _ operation: @escaping EventWriter.Operation<Result>) async -> Result? {
        let priority = live[callID]?.record.priority ?? .routine
        do {
            return try await writer.perform(priority: priority, operation).0
        } catch {
            logger.error("Could not store a call change", metadata: ["call.id": "\(callID)", "error": "\(error)"])
            return nil
        }
    }

    private func store(_ event: EventDraft) async {
        do {
            try await writer.append(event)
        } catch {
            logger.error("Could not store a call event", metadata: ["event.kind": "\(event.kind)", "error": "\(error)"])
        }
    }
}

extension CallStateMachine {
    /// The refusal text for `input` without changing the machine.
    func refusal(for input: Input) -> String {
        var copy = self
        if case .refused(let message) = copy.handle(input) { return message }
        return "call \(callID) cannot do that now"
    }
}

/// Why a dispatcher's request was not carried out.
public struct SwitchboardError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        case notFound
        /// Not possible in the call's state (already answered by someone else, still queued…).
        case rejected
        /// The line's device could not do it.
        case lineDown
        case storeUnavailable
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }
}
