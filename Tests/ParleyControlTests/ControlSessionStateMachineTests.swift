import ParleyControl
import ParleyCore
import Testing

@Suite("Control session state machine")
struct ControlSessionStateMachineTests {
    private static func feed(_ machine: inout ControlSessionStateMachine, _ text: String, at seconds: Int = 0)
        -> ControlSessionStateMachine.ReadAction
    {
        machine.received(Array(text.utf8), at: .seconds(seconds))
    }

    /// Runs everything queued, returning each work's error code (nil for an executed request).
    private static func drain(_ machine: inout ControlSessionStateMachine) -> [String] {
        var out: [String] = []
        while case .run(let work) = machine.next() {
            switch work {
            case .execute(let request): out.append("run \(request.command)")
            case .refuse(let refusal): out.append("refuse \(refusal.error.code)")
            }
            _ = machine.workFinished(at: .zero)
        }
        return out
    }

    static let roleCases: [(role: Role, command: String, allowed: Bool)] = [
        (.engineer, "status", true), (.engineer, "incidents.open", false), (.engineer, "reload", false),
        (.dispatcher, "incidents.open", true), (.dispatcher, "reload", false), (.admin, "reload", true),
    ]

    @Test(arguments: roleCases)
    func commandsBelowThePeersRoleAreRefusedAsForbidden(testCase: (role: Role, command: String, allowed: Bool)) {
        var machine = ControlSessionStateMachine(role: testCase.role)
        let args = testCase.command == "incidents.open" ? #"{"channel":"999","category":"c","grade":1}"# : "{}"
        _ = Self.feed(&machine, #"{"v":1,"id":1,"cmd":"\#(testCase.command)","args":\#(args)}"# + "\n")
        guard case .run(let work) = machine.next() else {
            Issue.record("nothing to run")
            return
        }
        switch work {
        case .execute: #expect(testCase.allowed)
        case .refuse(let refusal):
            #expect(!testCase.allowed)
            #expect(refusal.error.code == .forbidden)
            #expect(refusal.command == testCase.command)
            #expect(!refusal.closesConnection)
            #expect(refusal.error.message.contains("control.roles"))
        }
    }

    @Test func aPeerWithoutARoleGetsOneNoRoleRefusalWhateverItSendsAndIsClosed() {
        var machine = ControlSessionStateMachine(role: nil, peerUID: 1234, peerGID: 99)
        #expect(Self.feed(&machine, "garbage\n{\"v\":1,\"cmd\":\"status\"}\n") == .stopReading)
        guard case .run(.refuse(let refusal)) = machine.next() else {
            Issue.record("expected a refusal")
            return
        }
        #expect(refusal.error.code == .noRole)
        #expect(refusal.error.message.contains("uid 1234"))
        #expect(refusal.closesConnection)
        _ = machine.workFinished(at: .zero)
        #expect(machine.next() == .close)
    }

    @Test func workRunsInArrivalOrderAndBadLinesDoNotCostTheConnection() {
        var machine = ControlSessionStateMachine(role: .engineer, maxLineBytes: 64)
        let input = """
            {"v":1,"id":1,"cmd":"status"}
            {not json
            {"v":1,"id":2,"cmd":"nope"}
            \(String(repeating: "x", count: 200))
            {"v":1,"id":3,"cmd":"events","args":{"limit":"many"}}
            {"v":1,"id":4,"cmd":"hello"}

            """
        #expect(Self.feed(&machine, input) == .keepReading)
        #expect(
            Self.drain(&machine) == [
                "run status", "refuse bad_json", "refuse unknown_command", "refuse line_too_long",
                "refuse bad_arguments", "run hello",
            ])
        #expect(machine.next() == .wait)
    }

    @Test func readingPausesWhenTheQueueIsFullAndResumesWhenWorkFinishes() {
        var machine = ControlSessionStateMachine(role: .engineer, maxQueued: 2)
        #expect(Self.feed(&machine, "{\"v\":1,\"cmd\":\"status\"}\n") == .keepReading)
        #expect(Self.feed(&machine, "{\"v\":1,\"cmd\":\"status\"}\n") == .pauseReading)
        guard case .run = machine.next() else {
            Issue.record("expected work")
            return
        }
        let action = machine.workFinished(at: .seconds(1))
        #expect(action == .keepReading)
    }

    @Test func anUnfinishedLineAtEndOfInputIsDroppedNotExecuted() {
        var machine = ControlSessionStateMachine(role: .admin)
        _ = Self.feed(&machine, #"{"v":1,"id":1,"cmd":"reload"}"#)
        let ended = machine.inputEnded(at: .seconds(1))
        #expect(ended.discardedBytes == 29)
        #expect(!ended.stopStream)
        #expect(machine.next() == .close)
    }

    @Test func requestsSentBeforeEndOfInputStillRunThenTheConnectionCloses() {
        var machine = ControlSessionStateMachine(role: .engineer)
        _ = Self.feed(&machine, "{\"v\":1,\"cmd\":\"status\"}\n{\"v\":1,\"cmd\":\"hello\"}\n")
        _ = machine.inputEnded(at: .zero)
        #expect(Self.drain(&machine) == ["run status", "run hello"])
        #expect(machine.next() == .close)
    }

    @Test func endOfInputStopsARunningTail() {
        var machine = ControlSessionStateMachine(role: .engineer)
        _ = Self.feed(&machine, "{\"v\":1,\"cmd\":\"tail\"}\n")
        guard case .run = machine.next() else { return }
        let ended = machine.inputEnded(at: .zero)
        #expect(ended.stopStream)
    }

    @Test func idleDeadlineCountsFromTheLastActivityAndNeverWhileWorkRuns() {
        var machine = ControlSessionStateMachine(role: .engineer, now: .seconds(0))
        let timeout = Duration.seconds(300)
        #expect(machine.idleDeadline(timeout: timeout) == .seconds(300))
        #expect(!machine.isIdle(at: .seconds(299), timeout: timeout))
        #expect(machine.isIdle(at: .seconds(300), timeout: timeout))
        _ = Self.feed(&machine, "{\"v\":1,\"cmd\":\"tail\"}\n", at: 100)
        #expect(machine.idleDeadline(timeout: timeout) == nil)
        guard case .run = machine.next() else { return }
        #expect(!machine.isIdle(at: .seconds(10_000), timeout: timeout))
        _ = machine.workFinished(at: .seconds(10_000))
        #expect(machine.idleDeadline(timeout: timeout) == .seconds(10_300))
        _ = Self.feed(&machine, "{\"v\":1,", at: 10_200)
        #expect(machine.idleDeadline(timeout: timeout) == .seconds(10_500))
    }

    @Test func shutdownRefusesQueuedRequestsAndCloses() {
        var machine = ControlSessionStateMachine(role: .engineer)
        _ = Self.feed(&machine, "{\"v\":1,\"id\":1,\"cmd\":\"tail\"}\n{\"v\":1,\"id\":2,\"cmd\":\"status\"}\n")
        guard case .run(.execute) = machine.next() else { return }
        let streamRunning = machine.shutdown()
        #expect(streamRunning)
        _ = machine.workFinished(at: .zero)
        guard case .run(.refuse(let refusal)) = machine.next() else {
            Issue.record("expected a refusal")
            return
        }
        #expect(refusal.id == .int(2))
        #expect(refusal.error.code == .shuttingDown)
        _ = machine.workFinished(at: .zero)
        #expect(machine.next() == .close)
        #expect(Self.feed(&machine, "{\"v\":1,\"cmd\":\"status\"}\n") == .stopReading)
    }

    @Test func refusalsCarryWhatTheAuditTrailNeeds() {
        var machine = ControlSessionStateMachine(role: .engineer, maxLineBytes: 32)
        _ = Self.feed(&machine, "{bad\n" + String(repeating: "y", count: 40) + "\n")
        guard case .run(.refuse(let bad)) = machine.next() else { return }
        #expect(bad.command == "-")
        #expect(bad.arguments == #"{"line":"{bad"}"#)
        _ = machine.workFinished(at: .zero)
        guard case .run(.refuse(let long)) = machine.next() else { return }
        #expect(long.arguments == #"{"max_bytes":32}"#)
    }
}
