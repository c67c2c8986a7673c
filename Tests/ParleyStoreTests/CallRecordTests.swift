import Foundation
import ParleyCore
import Testing

@testable import ParleyStore

@Suite("Calls, text messages, handoffs and SMS parts")
struct CallRecordTests {
    static let withheld = CallerID(numberAbsence: .withheld)
    static let caller = CallerID(time: CallerID.NetworkTime(digits: "11240930"), number: "07700900123", name: "J SMITH")

    @Test func aCallIsQueuedAnsweredHeldResumedAndEndedWithOneEventEach() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let (call, events) = try await withRunningWriter(writer) {
            var events: [StoredEvent] = []
            let (queued, first) = try await writer.perform(
                priority: .emergency,
                CallOperations.queue(lineID: "l999", service: .emergency999, priority: .emergency, callerID: Self.caller))
            events += first
            for (state, person, reason) in [
                (CallState.answered, "anna", CallEndReason?.none), (.held, "anna", nil), (.answered, "ben", nil),
                (.ended, "ben", .hungUp),
            ] {
                events += try await writer.perform(
                    priority: .emergency, CallOperations.transition(queued.id, to: state, by: person, endReason: reason)).1
            }
            return (try store.call(queued.id)!, events)
        }
        #expect(events.map(\.kind.rawValue) == ["call.queued", "call.answered", "call.held", "call.resumed", "call.ended"])
        #expect(events.allSatisfy { $0.priority == .emergency && $0.source == "line:l999" })
        #expect(call.state == .ended && call.endReason == .hungUp)
        // Answered by the first dispatcher; a resume does not rewrite who answered.
        #expect(call.answeredBy == "anna")
        #expect(call.contactChannel == .emergency999)
        #expect(call.callerID == Self.caller)
        let payload = try JSONValue.parse(events[0].payload)
        #expect(payload["cli"] == "07700900123")
        #expect(payload["caller_name"] == "J SMITH")
        #expect(try store.openCalls().isEmpty)
    }

    @Test func theSchemaRefusesACallTheModelForbids() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        _ = try temp.open()
        // Ended without a reason, and an unknown service: both refused by SQLite itself.
        #expect(throws: (any Error).self) {
            try sqlite3(temp.path, "INSERT INTO calls (line_id, service, contact_channel, priority, state, queued_at, ended_at) VALUES ('a', '999', '999', 0, 'ended', 1, 2)")
        }
        #expect(throws: (any Error).self) {
            try sqlite3(temp.path, "INSERT INTO calls (line_id, service, contact_channel, priority, state, queued_at) VALUES ('a', '112', '999', 0, 'queued', 1)")
        }
    }

    @Test func textMessagesKeepRawCodesAndHandoffsRecordBothSides() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let (call, messages, handoff, events) = try await withRunningWriter(writer) {
            let (incident, _) = try await writer.perform(
                priority: .routine,
                IncidentOperations.open(contactChannel: .directTextphone, category: "Concern for safety", grade: .priority, summary: "", by: "anna"))
            let (call, _) = try await writer.perform(
                priority: .routine,
                CallOperations.queue(lineID: "tp", service: .directTextphone, priority: .routine, callerID: Self.withheld))
            _ = try await writer.perform(priority: .routine, CallOperations.attach(call.id, incident: incident.reference, by: "anna"))
            _ = try await writer.perform(priority: .routine, CallOperations.setTextMedium(call.id, .tty45))
            let (_, received) = try await writer.perform(
                priority: .routine,
                TextMessageOperations.record(callID: call.id, direction: .incoming, medium: .tty45, raw: "1f 03 19", text: "AB GA"))
            let (_, sent) = try await writer.perform(
                priority: .routine,
                TextMessageOperations.record(callID: call.id, direction: .outgoing, medium: .tty45, raw: "1f 19", text: "B", sentBy: "anna"))
            _ = try await writer.perform(priority: .routine, CallOperations.transition(call.id, to: .answered, by: "anna"))
            let (handoff, requested) = try await writer.perform(
                priority: .routine,
                HandoffOperations.request(
                    callID: call.id,
                    HandoffRequest(kind: .attended, number: "01234567890", to: .init(person: "duty officer", agency: "Ambulance"),
                                   ownReference: nil, partnerReference: "AMB-77"),
                    from: .init(person: "anna", agency: "Example Police")))
            let (settled, outcome) = try await writer.perform(
                priority: .routine, HandoffOperations.settle(handoff.id, outcome: .completed, detail: "dispatcher left the call"))
            return (try store.call(call.id)!, try store.textMessages(callID: call.id), settled,
                    received + sent + requested + outcome)
        }
        #expect(call.textMedium == .tty45 && call.incidentID != nil)
        #expect(messages.map(\.text) == ["AB GA", "B"])
        #expect(messages.map(\.raw) == ["1f 03 19", "1f 19"])
        #expect(messages[1].sentBy == "anna" && messages[1].direction == .outgoing)
        #expect(events.map(\.kind.rawValue) == ["text.received", "text.sent", "handoff.requested", "handoff.completed"])
        #expect(events.allSatisfy { $0.incidentID == call.incidentID })
        #expect(handoff.ownReference?.hasPrefix("PLY-") == true) // the incident's reference by default
        #expect(handoff.partnerReference == "AMB-77")
        #expect(handoff.to.agency == "Ambulance" && handoff.from.agency == "Example Police")
        #expect(handoff.outcome == .completed && handoff.detail == "dispatcher left the call")
        #expect(try store.handoffs(callID: call.id).count == 1)
    }

    @Test func anSMSPartIsStoredOnceEvenWhenReadAgainAfterACrash() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let pdu = "0791447758100650040C914477123456780000112032"
        do {
            let store = try temp.open()
            let writer = try EventWriter(store: store, logger: .quiet)
            let receipt = try await withRunningWriter(writer) {
                try await writer.perform(priority: .routine, SMSOperations.recordPart(lineID: "sms", pdu: pdu, sender: "+447712345678")).0
            }
            #expect(receipt.isNew)
            try store.close()
        }
        // "Crash" here: the modem never got AT+CMGD, so it delivers the same PDU again.
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let (again, pending, stored) = try await withRunningWriter(writer) {
            let (again, events) = try await writer.perform(
                priority: .routine, SMSOperations.recordPart(lineID: "sms", pdu: pdu.lowercased(), sender: "+447712345678"))
            #expect(events.isEmpty)
            let pending = try store.pendingSMSParts(lineID: "sms")
            let stored = try await writer.perform(
                priority: .routine,
                SMSOperations.storeMessage(SMSMessageDraft(
                    lineID: "sms", service: .sms, priority: .routine, sender: CallerID(number: "+447712345678"),
                    text: "help", partIDs: pending.map(\.id), complete: true)))
            return (again, pending, stored)
        }
        #expect(!again.isNew)
        #expect(pending.count == 1)
        #expect(try store.smsParts(lineID: "sms").count == 1)
        #expect(try store.pendingSMSParts(lineID: "sms").isEmpty)
        let (call, message) = stored.0
        #expect(call.service == .sms && call.textMedium == .sms && call.state == .queued)
        #expect(message.raw == pdu && message.medium == .sms)
        #expect(stored.1.map(\.kind.rawValue) == ["call.queued", "text.received"])
    }

    @Test func laterSMSFromTheSameNumberJoinTheOpenConversation() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let calls = try await withRunningWriter(writer) {
            var calls: [Int64] = []
            for (index, number) in ["+4471", "+4471", "+4472"].enumerated() {
                let (part, _) = try await writer.perform(
                    priority: .routine, SMSOperations.recordPart(lineID: "sms", pdu: "00\(index)", sender: number))
                let ((call, _), _) = try await writer.perform(
                    priority: .routine,
                    SMSOperations.storeMessage(SMSMessageDraft(
                        lineID: "sms", service: .sms, priority: .routine, sender: CallerID(number: number), text: "m\(index)",
                        partIDs: [part.part.id], complete: index != 2, note: index == 2 ? "part 2 of 2 missing" : nil)))
                calls.append(call.id)
            }
            return calls
        }
        #expect(calls[0] == calls[1])
        #expect(calls[2] != calls[0])
        #expect(try store.textMessages(callID: calls[2]).first?.complete == false)
    }

    @Test func callsACrashLeftOpenEndAsLineFailedOnRestart() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let ended = try await withRunningWriter(writer) {
            let (call, _) = try await writer.perform(
                priority: .routine, CallOperations.queue(lineID: "l101", service: .nonEmergency101, priority: .routine, callerID: Self.withheld))
            _ = try await writer.perform(priority: .routine, CallOperations.transition(call.id, to: .answered, by: "anna"))
            return try await writer.perform(priority: .routine, CallOperations.endAbandonedByRestart())
        }
        #expect(ended.0.map(\.endReason) == [.lineFailed])
        #expect(ended.1.map(\.kind.rawValue) == ["call.ended"])
    }
}
