import Foundation
import ParleyCore
import ParleyStore
import Testing

@testable import ParleyTelephony

struct SwitchboardTests {
    static let lines = [
        LineInfo(id: "l101", name: "101", service: .nonEmergency101, priority: .routine, kind: .voice),
        LineInfo(id: "l999", name: "999", service: .emergency999, priority: .emergency, kind: .voice),
        LineInfo(id: "tp", name: "textphone", service: .directTextphone, priority: .routine, kind: .voice),
        LineInfo(id: "sms", name: "sms", service: .sms, priority: .routine, kind: .gsm),
    ]

    static func switchboard(_ test: TelephonyTestStore, clock: SetClock = SetClock(Date())) async -> (Switchboard, [String: StandInLine]) {
        let board = Switchboard(store: test.store, writer: test.writer, agency: "Example Police", logger: .quiet, wallClock: clock)
        var handles: [String: StandInLine] = [:]
        for line in lines {
            let handle = StandInLine()
            handles[line.id] = handle
            await board.register(line, handle: handle)
            await board.lineStateChanged(line.id, to: .up)
        }
        return (board, handles)
    }

    @Test func aNineNineNineCallJumpsTheQueueAndIsAnsweredFirst() async throws {
        let test = try TelephonyTestStore()
        let clock = SetClock(Date())
        let (board, handles) = await Self.switchboard(test, clock: clock)
        let started = Date()
        clock.set(started)
        let routine = try await board.callArrived(lineID: "l101", callerID: CallerID(number: "01632960001"))
        clock.advance(30)
        let emergency = try await board.callArrived(lineID: "l999", callerID: CallerID(numberAbsence: .withheld))
        clock.advance(12)
        let queue = await board.callViews().queue
        // Real time spent storing the calls (long on a loaded machine).
        let storing = Int(Date().timeIntervalSince(started) * 1000) + 1
        #expect(queue.map(\.record.id) == [emergency.id, routine.id])
        // Waiting time is the wall clock (moved 42 s here) since each call's stored queue time,
        // less however long storing the calls took on this machine.
        #expect(queue.allSatisfy { ((42_000 - storing)...42_500).contains(Int($0.waitingMillis ?? 0)) }, "\(queue.map(\.waitingMillis)) storing \(storing) ms")

        let answered = try await board.answer(nil, by: "anna")
        #expect(answered.id == emergency.id && answered.state == .answered && answered.answeredBy == "anna")
        #expect(await handles["l999"]!.requests == [.answer])
        #expect(await board.callViews().queue.map(\.record.id) == [routine.id])
        #expect(await board.callViews().active.map(\.record.id) == [emergency.id])
        let kinds = try test.eventKinds()
        #expect(kinds == ["call.queued", "call.queued", "call.queue_preempted", "call.answered"])
        await test.close()
    }

    @Test func aSecondDispatcherCannotTakeAnAnsweredCallButCanResumeAHeldOne() async throws {
        let test = try TelephonyTestStore()
        let (board, _) = await Self.switchboard(test)
        let call = try await board.callArrived(lineID: "l101", callerID: CallerID(number: "01632960002"))
        _ = try await board.answer(call.id, by: "anna")
        await #expect(throws: SwitchboardError(.rejected, "call \(call.id) is already answered by anna")) {
            try await board.answer(call.id, by: "ben")
        }
        #expect(try await board.hold(call.id, by: "anna").state == .held)
        let resumed = try await board.answer(call.id, by: "ben")
        #expect(resumed.state == .answered)
        let ended = try await board.hangUp(call.id, by: "ben")
        #expect(ended.state == .ended && ended.endReason == .hungUp)
        await #expect(throws: SwitchboardError(.notFound, "no open call \(call.id) — see parleyctl calls")) {
            try await board.hold(call.id, by: "ben")
        }
        #expect(try test.eventKinds() == ["call.queued", "call.answered", "call.held", "call.resumed", "call.ended"])
        await test.close()
    }

    @Test func aLineThatCannotAnswerLeavesTheCallQueued() async throws {
        let test = try TelephonyTestStore()
        let (board, handles) = await Self.switchboard(test)
        let call = try await board.callArrived(lineID: "l101", callerID: CallerID())
        await handles["l101"]!.failNextRequest(LineError(.down, "modem not answering"))
        await #expect(throws: SwitchboardError(.lineDown, "line l101 could not answer call \(call.id): modem not answering")) {
            try await board.answer(call.id, by: "anna")
        }
        #expect(await board.callViews().queue.map(\.record.id) == [call.id])
        #expect(try await board.answer(call.id, by: "anna").state == .answered)
        await test.close()
    }

    @Test func aCallerWhoRingsOffWhileQueuedAbandonsAndLeavesTheQueue() async throws {
        let test = try TelephonyTestStore()
        let (board, _) = await Self.switchboard(test)
        let call = try await board.callArrived(lineID: "l101", callerID: CallerID())
        await board.lineReported(call.id, .callerHungUp)
        #expect(await board.callViews().queue.isEmpty)
        #expect(try test.store.call(call.id)?.endReason == .abandoned)
        await test.close()
    }

    @Test func blindTransferIsAHandoffRowCompletedWhenTheLineHasDialled() async throws {
        let test = try TelephonyTestStore()
        let (board, handles) = await Self.switchboard(test)
        let call = try await board.callArrived(lineID: "l999", callerID: CallerID(number: "07700900123"))
        _ = try await board.answer(call.id, by: "anna")
        let request = HandoffRequest(
            kind: .blind, number: "01632960999", to: .init(person: nil, agency: "Ambulance"), ownReference: nil, partnerReference: "AMB-1")
        let handoff = try await board.transfer(call.id, request, by: "anna")
        #expect(handoff.outcome == .completed)
        #expect(handoff.from == .init(person: "anna", agency: "Example Police"))
        #expect(handoff.cli == "07700900123" && handoff.partnerReference == "AMB-1")
        #expect(await handles["l999"]!.requests == [.answer, .transfer("01632960999", blind: true)])
        #expect(try test.store.call(call.id)?.endReason == .transferred)
        #expect(try test.eventKinds() == [
            "call.queued", "call.answered", "handoff.requested", "call.transferring", "handoff.completed", "call.ended",
        ])
        await test.close()
    }

    @Test func attendedTransferStaysOpenUntilTheDispatcherLeavesAndAFailedDialReturnsTheCall() async throws {
        let test = try TelephonyTestStore()
        let (board, handles) = await Self.switchboard(test)
        let call = try await board.callArrived(lineID: "l101", callerID: CallerID())
        _ = try await board.answer(call.id, by: "anna")
        let request = HandoffRequest(
            kind: .attended, number: "01632960100", to: .init(person: "duty inspector", agency: "Neighbouring force"),
            ownReference: "OWN-1", partnerReference: nil)
        await handles["l101"]!.failNextRequest(LineError(.refused, "NO DIALTONE"))
        await #expect(throws: SwitchboardError(.lineDown, "transfer of call \(call.id) failed: NO DIALTONE")) {
            try await board.transfer(call.id, request, by: "anna")
        }
        #expect(await board.call(call.id)?.record.state == .answered)
        let connected = try await board.transfer(call.id, request, by: "anna")
        #expect(connected.outcome == .connected)
        let ended = try await board.hangUp(call.id, by: "anna")
        #expect(ended.endReason == .transferred)
        let handoffs = try test.store.handoffs(callID: call.id)
        #expect(handoffs.map(\.outcome) == [.failed, .completed])
        await test.close()
    }

    @Test func textOnATextphoneCallIsStoredBothWaysOnItsMedium() async throws {
        let test = try TelephonyTestStore()
        let (board, handles) = await Self.switchboard(test)
        let call = try await board.callArrived(lineID: "tp", callerID: CallerID(number: "01632960555"))
        await #expect(throws: SwitchboardError(.rejected, "call \(call.id) is queued; answer it before sending text")) {
            try await board.sendText(call.id, "HELLO", by: "anna")
        }
        _ = try await board.answer(call.id, by: "anna")
        await board.textReceived(call.id, medium: .tty50, raw: "1f 14 01 12 12", text: "HELP GA")
        let reply = try await board.sendText(call.id, "POLICE HERE GA", by: "anna")
        #expect(reply.medium == .tty50, "the reply goes on the medium the caller used")
        #expect(await handles["tp"]!.requests.last == .text("POLICE HERE GA", .tty50, "01632960555"))
        let messages = try test.store.textMessages(callID: call.id)
        #expect(messages.map(\.text) == ["HELP GA", "POLICE HERE GA"])
        #expect(messages.map(\.direction) == [.incoming, .outgoing])
        #expect(await board.call(call.id)?.messages == 2)
        #expect(try test.store.call(call.id)?.textMedium == .tty50)
        await test.close()
    }

    @Test func malformedInputIsCountedPerLineWithTheLastBytesShownByLines() async throws {
        let test = try TelephonyTestStore()
        let (board, _) = await Self.switchboard(test)
        await board.badInput(on: "l101", hex: "ff fe 80")
        await board.badInput(on: "l101", hex: "0d 13 7f")
        let lines = await board.lines()
        let l101 = try #require(lines.first { $0.id == "l101" })
        #expect(l101.badInput == 2 && l101.lastBadInput == "0d 13 7f")
        #expect(lines.filter { $0.id != "l101" }.allSatisfy { $0.badInput == 0 && $0.lastBadInput == nil })
        await test.close()
    }

    @Test func aLineGoingDownEndsItsCallAsLineFailed() async throws {
        let test = try TelephonyTestStore()
        let (board, _) = await Self.switchboard(test)
        let call = try await board.callArrived(lineID: "l101", callerID: CallerID())
        _ = try await board.answer(call.id, by: "anna")
        await board.lineStateChanged("l101", to: .down(reason: "modem not answering"))
        #expect(try test.store.call(call.id)?.endReason == .lineFailed)
        let states = await board.lineStates()
        #expect(states.first { $0.0.id == "l101" }?.1 == .down(reason: "modem not answering"))
        await test.close()
    }
}
