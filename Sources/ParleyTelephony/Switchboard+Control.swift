import ParleyControl
import ParleyCore
import ParleyStore

// The switchboard as the control socket sees it: the `TelephonyControl` methods (parleyd
// declares the conformance), answering in wire types.

extension Switchboard {
    public func lines() async -> [LineStatusResult] {
        lineStates().map { info, state, call in
            let bad = badInput(on: info.id)
            return LineStatusResult(
                id: info.id, name: info.name, service: info.service.rawValue, priority: info.priority.name,
                kind: info.kind.rawValue, state: state.name, reason: state.reason, call: call, badInput: bad.count,
                lastBadInput: bad.last)
        }
    }

    public func calls() async -> CallsResult {
        let (queue, active) = callViews()
        return CallsResult(queue: queue.map(summary), active: active.map(summary))
    }

    public func answer(call: Int64?, by operatorName: String) async throws(TelephonyControlError) -> CallResult {
        let head = callViews().queue.first?.record.id
        let record = try await control { () async throws(SwitchboardError) in try await self.answer(call, by: operatorName) }
        // Answering a named call that was not at the head passes over the head's caller.
        let passedOver = call != nil && head != nil && head != record.id ? head : nil
        return CallResult(call: summary(record), preempted: passedOver)
    }

    public func hold(call: Int64, by operatorName: String) async throws(TelephonyControlError) -> CallResult {
        CallResult(call: summary(try await control { () async throws(SwitchboardError) in try await self.hold(call, by: operatorName) }))
    }

    public func hangUp(call: Int64, by operatorName: String) async throws(TelephonyControlError) -> CallResult {
        CallResult(call: summary(try await control { () async throws(SwitchboardError) in try await self.hangUp(call, by: operatorName) }))
    }

    public func transfer(call: Int64, _ request: TransferRequest, by operatorName: String) async throws(TelephonyControlError)
        -> HandoffResult
    {
        let handoff = HandoffRequest(
            kind: HandoffRecord.Kind(rawValue: request.type.rawValue) ?? .blind, number: request.number,
            to: .init(person: request.toPerson, agency: request.toAgency), ownReference: request.ownReference,
            partnerReference: request.partnerReference)
        let record = try await control { () async throws(SwitchboardError) in try await self.transfer(call, handoff, by: operatorName) }
        return HandoffResult(
            handoff: record.id, call: call, type: record.kind.rawValue, fromPerson: record.from.person ?? operatorName,
            fromAgency: record.from.agency, toPerson: record.to.person, toAgency: record.to.agency, number: record.number ?? request.number,
            cli: record.cli, ownReference: record.ownReference, partnerReference: record.partnerReference,
            outcome: record.outcome.rawValue, detail: record.detail)
    }

    public func sendText(call: Int64, text: String, by operatorName: String) async throws(TelephonyControlError) -> TextResult {
        let message = try await control { () async throws(SwitchboardError) in try await self.sendText(call, text, by: operatorName) }
        return TextResult(
            call: call, message: message.id, medium: message.medium.rawValue, text: message.text,
            sentAt: Timestamp.iso8601(millis: message.at))
    }

    public func attach(call: Int64, incident: String?, by operatorName: String) async throws(TelephonyControlError) -> CallResult {
        CallResult(call: summary(try await control { () async throws(SwitchboardError) in
            try await self.attach(call, incident: incident, by: operatorName)
        }))
    }

    // MARK: Helpers

    private func control<T>(_ body: () async throws(SwitchboardError) -> T) async throws(TelephonyControlError) -> T {
        do {
            return try await body()
        } catch {
            let kind: TelephonyControlError.Kind =
                switch error.kind {
                case .notFound: .notFound
                case .rejected: .rejected
                case .lineDown: .lineDown
                case .storeUnavailable: .storeUnavailable
                }
            throw TelephonyControlError(kind, error.message)
        }
    }

    private func summary(_ record: CallRecord) -> CallSummaryResult {
        summary(CallView(record: record, waitingMillis: nil, messages: call(record.id)?.messages ?? 0))
    }

    private func summary(_ view: CallView) -> CallSummaryResult {
        let record = view.record
        return CallSummaryResult(
            id: record.id, line: record.lineID, service: record.service.rawValue, priority: record.priority.name,
            contactChannel: record.contactChannel.rawValue, cli: record.callerID.number,
            cliAbsence: record.callerID.numberAbsence?.rawValue, callerName: record.callerID.name, state: record.state.rawValue,
            queuedAt: Timestamp.iso8601(millis: record.queuedAt), waitingSeconds: view.waitingMillis.map { Double($0) / 1000 },
            answeredBy: record.answeredBy, answeredAt: record.answeredAt.map(Timestamp.iso8601(millis:)),
            endedAt: record.endedAt.map(Timestamp.iso8601(millis:)), endReason: record.endReason?.rawValue,
            incident: record.incidentID.flatMap { try? store.incidentReference($0) }, textMedium: record.textMedium?.rawValue,
            messages: view.messages)
    }
}
