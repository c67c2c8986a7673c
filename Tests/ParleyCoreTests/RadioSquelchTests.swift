import ParleyCore
import Testing

/// One step of a squelch scenario: a source's level at a time (ms), or a tick — and the
/// actions it must return.
struct SquelchStep: Sendable {
    enum Input: Sendable {
        case on(SquelchSourceID, Int)
        case off(SquelchSourceID, Int)
        case tick(Int)
    }

    var input: Input
    var expected: [SquelchStateMachine<TestInstant>.Action]
}

struct SquelchCase: Sendable, CustomTestStringConvertible {
    var name: String
    var configuration: SquelchConfiguration
    var steps: [SquelchStep]
    var testDescription: String { name }
}

typealias SA = SquelchStateMachine<TestInstant>.Action

private func on(_ at: Int, _ source: SquelchSourceID = "cor", _ expected: SA...) -> SquelchStep {
    SquelchStep(input: .on(source, at), expected: expected)
}

private func off(_ at: Int, _ source: SquelchSourceID = "cor", _ expected: SA...) -> SquelchStep {
    SquelchStep(input: .off(source, at), expected: expected)
}

private func tick(_ at: Int, _ expected: SA...) -> SquelchStep {
    SquelchStep(input: .tick(at), expected: expected)
}

private func opened(_ at: Int) -> SA { .opened(at: ms(at)) }
private func closed(_ at: Int, _ duration: Int) -> SA { .closed(at: ms(at), duration: .milliseconds(duration)) }
private func stuck(_ at: Int, limit: Int = 10_000) -> SA { .fault(.stuckOpen(limit: .milliseconds(limit)), at: ms(at)) }
private func cleared(_ at: Int) -> SA { .faultCleared(at: ms(at)) }

private let standard = SquelchConfiguration(debounce: .milliseconds(30), hangTime: .milliseconds(500), receiveTimeout: .seconds(10))

@Suite("Squelch state machine")
struct RadioSquelchTests {
    static let cases: [SquelchCase] = [
        SquelchCase(name: "a blip shorter than the debounce is ignored", configuration: standard, steps: [
            on(0), off(20), tick(1000),
        ]),
        SquelchCase(name: "opens once the input held for the debounce, dated from the activity start", configuration: standard, steps: [
            on(0), tick(29), tick(30, opened(0)),
        ]),
        SquelchCase(name: "closes when the hang time after the drop has passed", configuration: standard, steps: [
            on(0), tick(30, opened(0)), off(1000), tick(1499), tick(1500, closed(1500, 1500)),
        ]),
        SquelchCase(name: "activity returning within the hang time continues the transmission", configuration: standard, steps: [
            on(0), tick(30, opened(0)), off(1000), on(1200), tick(1230), tick(1800), off(2000), tick(2499),
            tick(2500, closed(2500, 2500)),
        ]),
        SquelchCase(name: "a blip inside the hang time does not restart it", configuration: standard, steps: [
            on(0), tick(30, opened(0)), off(1000), on(1200), off(1210), tick(1500, closed(1500, 1500)),
        ]),
        SquelchCase(name: "a drop shorter than the debounce is ignored", configuration: standard, steps: [
            on(0), tick(30, opened(0)), off(1000), on(1010), tick(1600), off(2000), tick(2500, closed(2500, 2500)),
        ]),
        SquelchCase(name: "any of the sources holds the channel open", configuration: standard, steps: [
            on(0, "cor"), tick(30, opened(0)), on(100, "vox"), off(200, "cor"), tick(800), off(1000, "vox"),
            tick(1500, closed(1500, 1500)),
        ]),
        SquelchCase(name: "a return confirmed after the close time starts a new transmission", configuration: standard, steps: [
            on(0), tick(30, opened(0)), off(1000), on(1490), tick(1500, closed(1500, 1500)), tick(1520, opened(1490)),
        ]),
        SquelchCase(name: "stuck open: forced closed with a fault, cleared when the input drops", configuration: standard, steps: [
            on(0), tick(30, opened(0)), tick(9999), tick(10_000, closed(10_000, 10_000), stuck(10_000)), tick(20_000),
            off(25_000), tick(25_029), tick(25_030, cleared(25_030)), on(26_000), tick(26_030, opened(26_000)),
        ]),
        SquelchCase(name: "while faulted, a brief drop does not clear the fault", configuration: standard, steps: [
            on(0), tick(10_000, opened(0), closed(10_000, 10_000), stuck(10_000)), off(25_000), on(25_010), tick(25_100),
            off(25_200), tick(25_230, cleared(25_230)),
        ]),
        SquelchCase(name: "a late tick owes the open and the forced close, in order", configuration: standard, steps: [
            on(0), tick(20_000, opened(0), closed(10_000, 10_000), stuck(10_000)),
        ]),
        SquelchCase(name: "a sample first performs deadlines already due", configuration: standard, steps: [
            on(0), off(2000, "cor", opened(0)), tick(2500, closed(2500, 2500)),
        ]),
        SquelchCase(name: "zero debounce and hang act at once",
            configuration: SquelchConfiguration(debounce: .zero, hangTime: .zero, receiveTimeout: nil), steps: [
                on(0, "cor", opened(0)), off(100, "cor", closed(100, 100)), on(100, "cor", opened(100)),
            ]),
        SquelchCase(name: "a hang time shorter than the debounce waits for the debounce",
            configuration: SquelchConfiguration(debounce: .milliseconds(50), hangTime: .milliseconds(10)), steps: [
                on(0), tick(50, opened(0)), off(100), tick(149), tick(150, closed(150, 150)),
            ]),
        SquelchCase(name: "the guard does not fire during the hang time", configuration: standard, steps: [
            on(0), tick(30, opened(0)), off(9800), tick(10_000), tick(10_300, closed(10_300, 10_300)),
        ]),
        SquelchCase(name: "the guard fires when the drop is not yet confirmed", configuration: standard, steps: [
            on(0), tick(30, opened(0)), off(9990), tick(10_000, closed(10_000, 10_000), stuck(10_000)),
            tick(10_020, cleared(10_020)),
        ]),
        SquelchCase(name: "no guard when the receive time-out is off",
            configuration: SquelchConfiguration(debounce: .milliseconds(30), receiveTimeout: nil), steps: [
                on(0), tick(30, opened(0)), tick(10_000_000),
            ]),
        SquelchCase(name: "a transmission resumed in its hang time keeps its original start for the guard",
            configuration: standard, steps: [
                on(0), tick(30, opened(0)), off(5000), on(5300), tick(5330), tick(10_000, closed(10_000, 10_000), stuck(10_000)),
            ]),
        SquelchCase(name: "the guard counts from the start even if the return is confirmed after it", configuration: standard, steps: [
            on(0), tick(30, opened(0)), off(9800), on(9990), tick(10_020, closed(10_020, 10_020), stuck(10_020)),
        ]),
        SquelchCase(name: "repeated samples of a level change nothing", configuration: standard, steps: [
            on(0), on(10), on(20), tick(30, opened(0)), off(40), off(50), tick(540, closed(540, 540)),
        ]),
        SquelchCase(name: "an instant earlier than one already seen counts as the latest", configuration: standard, steps: [
            on(100), off(50), tick(1000),
        ]),
    ]

    @Test(arguments: cases)
    func scenario(_ scenario: SquelchCase) {
        var machine = SquelchStateMachine<TestInstant>(configuration: scenario.configuration)
        for (index, step) in scenario.steps.enumerated() {
            let actions: [SA]
            switch step.input {
            case .on(let source, let at): actions = machine.sample(source, active: true, at: ms(at))
            case .off(let source, let at): actions = machine.sample(source, active: false, at: ms(at))
            case .tick(let at): actions = machine.tick(at: ms(at))
            }
            #expect(actions == step.expected, "step \(index): \(step.input)")
        }
    }

    @Test func reportsStateAndTheNextDeadline() {
        var machine = SquelchStateMachine<TestInstant>(configuration: standard)
        #expect(machine.nextDeadline == nil)
        _ = machine.sample("cor", active: true, at: ms(0))
        #expect(machine.nextDeadline == ms(30))
        #expect(machine.inputActive && !machine.isOpen)
        _ = machine.tick(at: ms(30))
        #expect(machine.isOpen)
        #expect(machine.nextDeadline == ms(10_000))
        _ = machine.sample("cor", active: false, at: ms(1000))
        #expect(machine.nextDeadline == ms(1500))
        _ = machine.tick(at: ms(1500))
        #expect(!machine.isOpen && machine.nextDeadline == nil)
        _ = machine.sample("cor", active: true, at: ms(2000))
        _ = machine.tick(at: ms(20_000))
        #expect(machine.isFaulted && !machine.isOpen && machine.nextDeadline == nil)
    }

    @Test func removingASourceDropsItsActivity() {
        var machine = SquelchStateMachine<TestInstant>(configuration: standard)
        _ = machine.sample("cm108", active: true, at: ms(0))
        #expect(machine.tick(at: ms(30)) == [opened(0)])
        #expect(machine.removeSource("cm108", at: ms(100)).isEmpty)
        #expect(machine.tick(at: ms(600)) == [closed(600, 600)])
    }

    @Test func faultsBecomeChannelEvents() throws {
        let fault = try #require(stuck(10_000).eventDraft(channel: "north"))
        #expect(fault.kind == .channelFault && fault.kind.rawValue == "channel.fault")
        #expect(fault.source == .channel("north") && fault.priority == .priority)
        #expect(fault.payload == ["reason": "receive_stuck_open", "limit_ms": 10_000])
        #expect(cleared(1).eventDraft(channel: "north")?.kind.rawValue == "channel.fault_cleared")
        #expect(opened(0).eventDraft(channel: "north") == nil)
        #expect(closed(1, 1).eventDraft(channel: "north") == nil)
    }

    @Test func negativeConfigurationValuesCountAsZero() {
        let configuration = SquelchConfiguration(debounce: .milliseconds(-5), hangTime: .milliseconds(-1), receiveTimeout: .seconds(-1))
        #expect(configuration.debounce == .zero && configuration.hangTime == .zero && configuration.receiveTimeout == .zero)
    }
}
