import ParleyCore
import Testing

struct CallQueueTests {
    static func entry(_ id: Int64, _ priority: Priority, at millis: Int64, line: String = "l") -> CallQueue.Entry {
        CallQueue.Entry(callID: id, lineID: line, priority: priority, queuedAt: millis)
    }

    @Test func emergencyFirstThenPriorityThenWaitingTime() {
        var queue = CallQueue()
        queue.enqueue(Self.entry(1, .routine, at: 1000))
        queue.enqueue(Self.entry(2, .admin, at: 500))
        queue.enqueue(Self.entry(3, .routine, at: 900))
        queue.enqueue(Self.entry(4, .priority, at: 2000))
        queue.enqueue(Self.entry(5, .emergency, at: 3000))
        queue.enqueue(Self.entry(6, .emergency, at: 2500))
        #expect(queue.entries.map(\.callID) == [6, 5, 4, 3, 1, 2])
        #expect(queue.position(of: 3) == 4)
        #expect(queue.position(of: 99) == nil)
    }

    @Test func aNineNineNineCallPreemptsTheHeadAndSaysWhichCall() {
        var queue = CallQueue()
        #expect(queue.enqueue(Self.entry(1, .routine, at: 0)) == CallQueue.Placement(position: 1, preempted: nil))
        let second = queue.enqueue(Self.entry(2, .routine, at: 10))
        #expect(second.position == 2 && second.preempted == nil)
        let emergency = queue.enqueue(Self.entry(3, .emergency, at: 20))
        #expect(emergency.position == 1)
        #expect(emergency.preempted?.callID == 1)
        // A second 999 waits behind the first: it does not pre-empt an emergency.
        let another = queue.enqueue(Self.entry(4, .emergency, at: 30))
        #expect(another.position == 2 && another.preempted == nil)
    }

    @Test func equalPriorityAndTimeFallBackToCallIDSoTheOrderIsTotal() {
        var queue = CallQueue()
        queue.enqueue(Self.entry(9, .routine, at: 5))
        queue.enqueue(Self.entry(7, .routine, at: 5))
        #expect(queue.entries.map(\.callID) == [7, 9])
    }

    @Test func removingAndRequeueingKeepsOneEntryPerCall() {
        var queue = CallQueue()
        queue.enqueue(Self.entry(1, .routine, at: 0))
        queue.enqueue(Self.entry(2, .routine, at: 1))
        queue.enqueue(Self.entry(1, .emergency, at: 0)) // re-graded while waiting
        #expect(queue.entries.map(\.callID) == [1, 2])
        #expect(queue.entries.first?.priority == .emergency)
        #expect(queue.remove(1)?.callID == 1)
        #expect(queue.remove(1) == nil)
        #expect(queue.head?.callID == 2 && queue.count == 1)
    }
}

struct CallStateMachineTests {
    @Test func answerHoldResumeHangUp() {
        var call = CallStateMachine(callID: 4)
        #expect(call.handle(.answer(by: "anna")) == .changed(from: .queued, to: .answered, endReason: nil))
        #expect(call.handler == "anna")
        #expect(call.handle(.answer(by: "ben")) == .refused("call 4 is already answered by anna"))
        #expect(call.handle(.hold(by: "anna")) == .changed(from: .answered, to: .held, endReason: nil))
        #expect(call.handle(.hold(by: "anna")) == .refused("call 4 is held; only an answered call can be held"))
        #expect(call.handle(.answer(by: "ben")) == .changed(from: .held, to: .answered, endReason: nil))
        #expect(call.handler == "ben")
        #expect(call.handle(.hangUp(by: "ben")) == .changed(from: .answered, to: .ended, endReason: .hungUp))
        #expect(call.handle(.answer(by: "ben")) == .refused("call 4 has ended"))
        #expect(call.handle(.callerHungUp) == .ignored)
    }

    @Test func aCallerWhoRingsOffBeforeAnswerAbandonedTheCall() {
        var waiting = CallStateMachine(callID: 1)
        #expect(waiting.handle(.callerHungUp) == .changed(from: .queued, to: .ended, endReason: .abandoned))
        var answered = CallStateMachine(callID: 2)
        _ = answered.handle(.answer(by: "anna"))
        #expect(answered.handle(.callerHungUp) == .changed(from: .answered, to: .ended, endReason: .callerHungUp))
    }

    @Test func blindTransferEndsWhenTheLineConfirmsIt() {
        var call = CallStateMachine(callID: 3)
        #expect(call.handle(.transfer(by: "anna", blind: true)) == .refused("call 3 is still queued; answer it before transferring it"))
        _ = call.handle(.answer(by: "anna"))
        #expect(call.handle(.transfer(by: "anna", blind: true)) == .changed(from: .answered, to: .transferring, endReason: nil))
        #expect(call.handle(.transfer(by: "anna", blind: true)) == .refused("call 3 is already being transferred"))
        #expect(call.handle(.answer(by: "ben")) == .refused("call 3 is being transferred by anna"))
        #expect(call.handle(.transferCompleted) == .changed(from: .transferring, to: .ended, endReason: .transferred))
    }

    @Test func attendedTransferCompletesWhenTheDispatcherLeavesAndAFailedOneComesBack() {
        var call = CallStateMachine(callID: 5)
        _ = call.handle(.answer(by: "anna"))
        _ = call.handle(.transfer(by: "anna", blind: false))
        #expect(call.handle(.transferFailed) == .changed(from: .transferring, to: .answered, endReason: nil))
        _ = call.handle(.transfer(by: "anna", blind: false))
        #expect(call.handle(.hangUp(by: "anna")) == .changed(from: .transferring, to: .ended, endReason: .transferred))
    }

    @Test func aLineFailureEndsTheCallWhateverItsState() {
        for setup in [[], [CallStateMachine.Input.answer(by: "a")], [.answer(by: "a"), .hold(by: "a")]] {
            var call = CallStateMachine(callID: 9)
            for input in setup { _ = call.handle(input) }
            guard case .changed(_, .ended, .lineFailed) = call.handle(.lineFailed) else {
                Issue.record("line failure did not end the call after \(setup)")
                continue
            }
        }
    }

    @Test func defaultPrioritiesFollowTheLineService() {
        #expect(LineService.emergency999.defaultPriority == .emergency)
        #expect(LineService.nonEmergency101.defaultPriority == .routine)
        #expect(LineService.textRelay.contactChannel == .textRelay)
        #expect(LineService.admin.contactChannel == .other)
        #expect(LineService(rawValue: "direct-textphone") == .directTextphone)
    }
}
