import ParleyCore
import Testing

typealias FA = FloorControlAction
typealias Floor = FloorControlStateMachine<TestInstant>

private let alice = Keyer(id: "operator:alice", priority: .dispatcher)
private let bob = Keyer(id: "operator:bob", priority: .dispatcher)
private let patch = Keyer(id: "patch:north-south", priority: .automation)
private let alarm = Keyer(id: "console:desk-1", priority: .emergency)

private func floor(
    tot: Duration? = .seconds(60), warning: Duration = .seconds(10), txDelay: Duration = .zero, tail: Duration = .zero,
    refuseWhileReceiving: Bool = true, emergencyOverrides: Bool = true
) -> Floor {
    Floor(configuration: FloorControlConfiguration(
        transmitTimeout: tot, timeoutWarning: warning, txDelay: txDelay, tail: tail,
        refuseWhileReceiving: refuseWhileReceiving, emergencyOverridesReceiving: emergencyOverrides))
}

@Suite("Floor control: keying, release, delay and tail")
struct RadioFloorControlKeyingTests {
    @Test func anIdleChannelKeysAtOnceWithoutATxDelay() {
        var machine = floor()
        #expect(machine.request(alice, at: sec(0)) == [.keyLine, .keyed(alice, duration: nil), .startAudio(alice)])
        #expect(machine.holder == alice && machine.isLineKeyed)
    }

    @Test func theTxDelaySeparatesKeyingFromAudio() {
        var machine = floor(txDelay: .milliseconds(100))
        #expect(machine.request(alice, at: ms(0)) == [.keyLine, .keyed(alice, duration: nil)])
        #expect(machine.nextDeadline == ms(100))
        #expect(machine.tick(at: ms(99)).isEmpty)
        #expect(machine.tick(at: ms(100)) == [.startAudio(alice)])
    }

    @Test func theHolderReleases() {
        var machine = floor()
        _ = machine.request(alice, at: sec(0))
        #expect(machine.release(by: alice.id, at: sec(12)) == [
            .stopAudio(alice), .unkeyed(alice, reason: .released, heldFor: .seconds(12)), .unkeyLine,
        ])
        #expect(machine.holder == nil && !machine.isLineKeyed && machine.nextDeadline == nil)
    }

    @Test func theTailKeepsTheLineUpAfterAudioEnds() {
        var machine = floor(tail: .milliseconds(300))
        _ = machine.request(alice, at: ms(0))
        #expect(machine.release(by: alice.id, at: ms(5000)) == [
            .stopAudio(alice), .unkeyed(alice, reason: .released, heldFor: .seconds(5)),
        ])
        #expect(machine.isLineKeyed && machine.holder == nil && machine.nextDeadline == ms(5300))
        #expect(machine.tick(at: ms(5299)).isEmpty)
        #expect(machine.tick(at: ms(5300)) == [.unkeyLine])
        #expect(!machine.isLineKeyed)
    }

    @Test func aKeyingInsideTheTailReusesTheLineWithoutDelay() {
        var machine = floor(txDelay: .milliseconds(100), tail: .milliseconds(300))
        _ = machine.request(alice, at: ms(0))
        _ = machine.tick(at: ms(100))
        _ = machine.release(by: alice.id, at: ms(2000))
        #expect(machine.request(bob, at: ms(2100)) == [.keyed(bob, duration: nil), .startAudio(bob)])
        #expect(machine.tick(at: ms(2400)).isEmpty)
        #expect(machine.holder == bob)
    }

    @Test func releasingBeforeAudioStartedDropsTheLineWithoutTail() {
        var machine = floor(txDelay: .milliseconds(100), tail: .milliseconds(300))
        _ = machine.request(alice, at: ms(0))
        #expect(machine.release(by: alice.id, at: ms(50)) == [
            .unkeyed(alice, reason: .released, heldFor: .milliseconds(50)), .unkeyLine,
        ])
        #expect(machine.nextDeadline == nil)
    }

    @Test func theSameKeyerAskingAgainIsToldItHoldsTheFloor() {
        var machine = floor()
        _ = machine.request(alice, at: sec(0))
        #expect(machine.request(alice, at: sec(1)) == [.refused(alice, reason: .alreadyHolding)])
        #expect(machine.request(Keyer(id: alice.id, priority: .emergency), at: sec(2))
            == [.refused(Keyer(id: alice.id, priority: .emergency), reason: .alreadyHolding)])
    }

    @Test func anUnkeyFromSomeoneElseIsRefusedUnlessForced() {
        var machine = floor()
        #expect(machine.release(by: bob.id, at: sec(0)) == [.unkeyRefused(requester: bob.id, holder: nil)])
        _ = machine.request(alice, at: sec(0))
        #expect(machine.release(by: bob.id, at: sec(1)) == [.unkeyRefused(requester: bob.id, holder: alice)])
        #expect(machine.holder == alice)
        #expect(machine.release(by: "operator:supervisor", force: true, at: sec(2)) == [
            .stopAudio(alice), .unkeyed(alice, reason: .forced(by: "operator:supervisor"), heldFor: .seconds(2)), .unkeyLine,
        ])
    }

    @Test func timedKeyingEndsAfterItsDuration() {
        var machine = floor(tail: .milliseconds(200))
        #expect(machine.request(alice, for: .seconds(5), at: sec(0)) == [
            .keyLine, .keyed(alice, duration: .seconds(5)), .startAudio(alice),
        ])
        #expect(machine.nextDeadline == sec(5))
        #expect(machine.tick(at: sec(5)) == [.stopAudio(alice), .unkeyed(alice, reason: .durationElapsed, heldFor: .seconds(5))])
        #expect(machine.tick(at: ms(5200)) == [.unkeyLine])
    }

    @Test func anEarlyReleaseCancelsTheTimedKeying() {
        var machine = floor()
        _ = machine.request(alice, for: .seconds(5), at: sec(0))
        _ = machine.release(by: alice.id, at: sec(2))
        #expect(machine.tick(at: sec(10)).isEmpty)
    }
}

@Suite("Floor control: priority and pre-emption")
struct RadioFloorControlPriorityTests {
    static let pairs: [(KeyPriority, KeyPriority)] = KeyPriority.allCases.flatMap { holder in
        KeyPriority.allCases.map { (holder, $0) }
    }

    @Test(arguments: pairs)
    func aHigherPriorityPreemptsAndAnEqualOrLowerIsRefused(holderPriority: KeyPriority, requesterPriority: KeyPriority) {
        let holder = Keyer(id: "holder", priority: holderPriority)
        let requester = Keyer(id: "requester", priority: requesterPriority)
        var machine = floor()
        _ = machine.request(holder, at: sec(0))
        let actions = machine.request(requester, at: sec(3))
        if requesterPriority > holderPriority {
            #expect(actions == [
                .stopAudio(holder), .preempted(holder, by: requester, heldFor: .seconds(3)),
                .keyed(requester, duration: nil), .startAudio(requester),
            ])
            #expect(machine.holder == requester)
        } else {
            #expect(actions == [.refused(requester, reason: .floorHeld(by: holder))])
            #expect(machine.holder == holder)
        }
    }

    @Test func emergencyOutranksDispatcherOutranksAutomation() {
        #expect(KeyPriority.emergency > .dispatcher && KeyPriority.dispatcher > .automation)
        #expect(KeyPriority.emergency.eventPriority == .emergency)
        #expect(KeyPriority.dispatcher.eventPriority == .priority)
        #expect(KeyPriority.automation.eventPriority == .routine)
        #expect(KeyPriority(name: "patch") == .automation && KeyPriority(name: "Emergency") == .emergency)
        #expect(KeyPriority(name: "admin") == nil)
    }

    @Test func aPreemptionDuringTheTxDelayInheritsWhatIsLeftOfIt() {
        var machine = floor(txDelay: .milliseconds(100))
        _ = machine.request(patch, at: ms(0))
        #expect(machine.request(alice, at: ms(40)) == [
            .preempted(patch, by: alice, heldFor: .milliseconds(40)), .keyed(alice, duration: nil),
        ])
        #expect(machine.tick(at: ms(100)) == [.startAudio(alice)])
    }

    @Test func aPreemptingKeyerGetsAFreshTimeOut() {
        var machine = floor()
        _ = machine.request(alice, at: sec(0))
        _ = machine.request(alarm, at: sec(30))
        #expect(machine.tick(at: sec(79)).isEmpty)
        #expect(machine.tick(at: sec(80)) == [.timeoutWarning(alarm, remaining: .seconds(10))])
        #expect(machine.tick(at: sec(90)) == [.stopAudio(alarm), .timedOut(alarm, heldFor: .seconds(60)), .unkeyLine])
    }

    @Test func aPreemptedTimedKeyingDoesNotEndTheWinner() {
        var machine = floor()
        _ = machine.request(patch, for: .seconds(5), at: sec(0))
        _ = machine.request(alice, at: sec(1))
        #expect(machine.tick(at: sec(6)).isEmpty)
        #expect(machine.holder == alice)
    }
}

struct ReceivingCase: Sendable, CustomTestStringConvertible {
    var priority: KeyPriority
    var refuseWhileReceiving: Bool
    var emergencyOverrides: Bool
    var keys: Bool
    var testDescription: String {
        "\(priority), refuse=\(refuseWhileReceiving), emergencyOverrides=\(emergencyOverrides) → \(keys ? "keys" : "refused")"
    }
}

@Suite("Floor control: keying over incoming traffic")
struct RadioFloorControlReceivingTests {
    static let cases: [ReceivingCase] = [
        ReceivingCase(priority: .automation, refuseWhileReceiving: true, emergencyOverrides: true, keys: false),
        ReceivingCase(priority: .dispatcher, refuseWhileReceiving: true, emergencyOverrides: true, keys: false),
        ReceivingCase(priority: .emergency, refuseWhileReceiving: true, emergencyOverrides: true, keys: true),
        ReceivingCase(priority: .emergency, refuseWhileReceiving: true, emergencyOverrides: false, keys: false),
        ReceivingCase(priority: .automation, refuseWhileReceiving: false, emergencyOverrides: true, keys: true),
        ReceivingCase(priority: .dispatcher, refuseWhileReceiving: false, emergencyOverrides: false, keys: true),
    ]

    @Test(arguments: cases)
    func receiving(_ scenario: ReceivingCase) {
        var machine = floor(refuseWhileReceiving: scenario.refuseWhileReceiving, emergencyOverrides: scenario.emergencyOverrides)
        machine.receivingChanged(true)
        let keyer = Keyer(id: "k", priority: scenario.priority)
        let actions = machine.request(keyer, at: sec(0))
        if scenario.keys {
            #expect(actions == [.keyLine, .keyed(keyer, duration: nil), .startAudio(keyer)])
        } else {
            #expect(actions == [.refused(keyer, reason: .channelReceiving)])
        }
    }

    @Test func theChannelKeysAgainOnceReceptionEnds() {
        var machine = floor()
        machine.receivingChanged(true)
        #expect(machine.request(alice, at: sec(0)) == [.refused(alice, reason: .channelReceiving)])
        machine.receivingChanged(false)
        #expect(machine.request(alice, at: sec(1)).first == .keyLine)
    }

    @Test func receptionStartingDuringATransmissionChangesNothing() {
        var machine = floor()
        _ = machine.request(patch, at: sec(0))
        machine.receivingChanged(true)
        #expect(machine.request(alice, at: sec(1)).contains(.preempted(patch, by: alice, heldFor: .seconds(1))))
    }
}

@Suite("Floor control: time-out, device faults, shutdown")
struct RadioFloorControlTimerTests {
    @Test func theTimeOutWarnsThenUnkeysWithoutTail() {
        var machine = floor(tail: .milliseconds(500))
        _ = machine.request(alice, at: sec(0))
        #expect(machine.nextDeadline == sec(50))
        #expect(machine.tick(at: sec(49)).isEmpty)
        #expect(machine.tick(at: sec(50)) == [.timeoutWarning(alice, remaining: .seconds(10))])
        #expect(machine.nextDeadline == sec(60))
        #expect(machine.tick(at: sec(60)) == [.stopAudio(alice), .timedOut(alice, heldFor: .seconds(60)), .unkeyLine])
        #expect(!machine.isLineKeyed && machine.nextDeadline == nil)
    }

    @Test(arguments: [Duration.zero, .seconds(60), .seconds(90)])
    func noWarningWhenItIsOffOrNotShorterThanTheTimeOut(warning: Duration) {
        var machine = floor(warning: warning)
        _ = machine.request(alice, at: sec(0))
        #expect(machine.nextDeadline == sec(60))
        #expect(machine.tick(at: sec(60)) == [.stopAudio(alice), .timedOut(alice, heldFor: .seconds(60)), .unkeyLine])
    }

    @Test func noTimersWhenTheTimeOutIsOff() {
        var machine = floor(tot: nil)
        _ = machine.request(alice, at: sec(0))
        #expect(machine.nextDeadline == nil)
        #expect(machine.tick(at: sec(3600)).isEmpty)
    }

    @Test func aTimedKeyingLongerThanTheTimeOutIsCutByIt() {
        var machine = floor()
        _ = machine.request(alice, for: .seconds(120), at: sec(0))
        #expect(machine.tick(at: sec(200)) == [
            .timeoutWarning(alice, remaining: .seconds(10)), .stopAudio(alice), .timedOut(alice, heldFor: .seconds(60)), .unkeyLine,
        ])
    }

    @Test func aLateTickPerformsEverythingDueInOrder() {
        var machine = floor(txDelay: .milliseconds(100), tail: .milliseconds(300))
        _ = machine.request(alice, for: .seconds(55), at: sec(0))
        #expect(machine.tick(at: sec(100)) == [
            .startAudio(alice), .timeoutWarning(alice, remaining: .seconds(10)), .stopAudio(alice),
            .unkeyed(alice, reason: .durationElapsed, heldFor: .seconds(55)), .unkeyLine,
        ])
    }

    @Test func aRequestFirstPerformsWhatIsDue() {
        var machine = floor()
        _ = machine.request(alice, for: .seconds(5), at: sec(0))
        #expect(machine.request(bob, at: sec(6)) == [
            .stopAudio(alice), .unkeyed(alice, reason: .durationElapsed, heldFor: .seconds(5)), .unkeyLine,
            .keyLine, .keyed(bob, duration: nil), .startAudio(bob),
        ])
    }

    @Test func aDeviceFaultDropsTheKeyingAndRefusesUntilTheDeviceReturns() {
        var machine = floor(tail: .milliseconds(300))
        _ = machine.request(alice, at: sec(0))
        #expect(machine.deviceAvailabilityChanged(up: false, at: sec(4)) == [
            .stopAudio(alice), .unkeyed(alice, reason: .deviceFault, heldFor: .seconds(4)), .unkeyLine,
        ])
        #expect(machine.request(alarm, at: sec(5)) == [.refused(alarm, reason: .channelDown)])
        #expect(machine.deviceAvailabilityChanged(up: true, at: sec(6)).isEmpty)
        #expect(machine.request(alarm, at: sec(7)).first == .keyLine)
    }

    @Test func aDeviceFaultDuringTheTailDropsTheLine() {
        var machine = floor(tail: .milliseconds(300))
        _ = machine.request(alice, at: sec(0))
        _ = machine.release(by: alice.id, at: sec(1))
        #expect(machine.deviceAvailabilityChanged(up: false, at: ms(1100)) == [.unkeyLine])
        #expect(machine.deviceAvailabilityChanged(up: false, at: ms(1200)).isEmpty)
    }

    @Test func shutdownEndsTheKeyingAndAlwaysUnkeys() {
        var keyed = floor()
        _ = keyed.request(alice, at: sec(0))
        #expect(keyed.shutdown(at: sec(2)) == [.stopAudio(alice), .unkeyed(alice, reason: .shutdown, heldFor: .seconds(2)), .unkeyLine])
        #expect(keyed.request(alarm, at: sec(3)) == [.refused(alarm, reason: .shuttingDown)])
        #expect(keyed.nextDeadline == nil)

        var idle = floor()
        #expect(idle.shutdown(at: sec(0)) == [.unkeyLine])
    }
}

@Suite("Floor control: invariants and store events")
struct RadioFloorControlInvariantTests {
    /// Drives the machine with a long pseudo-random sequence of requests, releases, receive
    /// changes, device faults and ticks, and checks the bookkeeping every service relies on.
    @Test(arguments: [1, 2, 3, 42, 2026])
    func everyKeyingEndsExactlyOnceAndTheLineAlternates(seed: UInt64) {
        var random = SplitMix(seed: seed)
        var machine = floor(
            tot: .seconds(Int64(random.next(20...90))), warning: .seconds(10),
            txDelay: .milliseconds(Int64(random.next(0...200))), tail: .milliseconds(Int64(random.next(0...500))))
        let keyers = [alice, bob, patch, alarm, Keyer(id: "automation:marker", priority: .automation)]
        var now = 0
        var lineKeyed = false
        var open: [String: Keyer] = [:]
        var audio: Keyer?
        func check(_ actions: [FA]) {
            for action in actions {
                switch action {
                case .keyLine:
                    #expect(!lineKeyed, "keyLine while keyed")
                    lineKeyed = true
                case .unkeyLine:
                    lineKeyed = false
                case .startAudio(let keyer):
                    #expect(audio == nil && open[keyer.id] != nil)
                    audio = keyer
                case .stopAudio(let keyer):
                    #expect(audio == keyer)
                    audio = nil
                case .keyed(let keyer, _):
                    #expect(open.isEmpty, "two holders")
                    #expect(lineKeyed, "keyed without the line up")
                    open[keyer.id] = keyer
                case .unkeyed(let keyer, _, _), .preempted(let keyer, _, _), .timedOut(let keyer, _):
                    #expect(open.removeValue(forKey: keyer.id) != nil, "ended twice or never keyed")
                    #expect(audio != keyer, "audio still running for an ended keying")
                case .refused, .timeoutWarning, .unkeyRefused:
                    break
                }
            }
            #expect(lineKeyed == machine.isLineKeyed)
            #expect(machine.holder?.id == open.keys.first)
        }
        var deviceUp = true
        for _ in 0..<5000 {
            now += random.next(0...4000)
            switch random.next(0...9) {
            case 0...3:
                let keyer = keyers[random.next(0...(keyers.count - 1))]
                let duration: Duration? = random.next(0...3) == 0 ? .milliseconds(Int64(random.next(0...20_000))) : nil
                check(machine.request(keyer, for: duration, at: ms(now)))
            case 4...5:
                check(machine.release(by: keyers[random.next(0...(keyers.count - 1))].id, force: random.next(0...9) == 0, at: ms(now)))
            case 6:
                machine.receivingChanged(random.next(0...1) == 1)
            case 7:
                deviceUp.toggle()
                check(machine.deviceAvailabilityChanged(up: deviceUp, at: ms(now)))
            default:
                check(machine.tick(at: ms(now)))
            }
        }
        check(machine.shutdown(at: ms(now + 1)))
        #expect(open.isEmpty && !lineKeyed && audio == nil)
    }

    @Test func outcomesBecomeStoreEventsWithTheirPriority() throws {
        let key = try #require(FA.keyed(alarm, duration: .seconds(30)).eventDraft(channel: "north"))
        #expect(key.kind.rawValue == "radio.key" && key.priority == .emergency && key.source == .channel("north"))
        #expect(key.payload == ["keyer": "console:desk-1", "priority": "emergency", "for_ms": 30_000])

        let unkey = try #require(FA.unkeyed(alice, reason: .forced(by: "operator:sup"), heldFor: .milliseconds(1500)).eventDraft(channel: "north"))
        #expect(unkey.kind.rawValue == "radio.unkey" && unkey.priority == .priority)
        #expect(unkey.payload == ["keyer": "operator:alice", "priority": "dispatcher", "reason": "forced", "by": "operator:sup", "held_ms": 1500])

        let preempted = try #require(FA.preempted(patch, by: alarm, heldFor: .seconds(2)).eventDraft(channel: "north"))
        #expect(preempted.kind.rawValue == "radio.preempted" && preempted.priority == .emergency)
        #expect(preempted.payload == [
            "keyer": "patch:north-south", "priority": "automation", "by": "console:desk-1", "by_priority": "emergency", "held_ms": 2000,
        ])

        let refused = try #require(FA.refused(bob, reason: .floorHeld(by: alice)).eventDraft(channel: "north"))
        #expect(refused.kind.rawValue == "radio.key_refused")
        #expect(refused.payload == [
            "keyer": "operator:bob", "priority": "dispatcher", "reason": "floor_held", "holder": "operator:alice", "holder_priority": "dispatcher",
        ])
        #expect(FA.refused(bob, reason: .channelReceiving).eventDraft(channel: "n")?.payload
            == ["keyer": "operator:bob", "priority": "dispatcher", "reason": "channel_receiving"])

        let warning = try #require(FA.timeoutWarning(alice, remaining: .seconds(10)).eventDraft(channel: "north"))
        #expect(warning.kind.rawValue == "radio.tot_warning" && warning.payload["remaining_ms"] == 10_000)
        let timeout = try #require(FA.timedOut(patch, heldFor: .seconds(60)).eventDraft(channel: "north"))
        #expect(timeout.kind.rawValue == "radio.tot" && timeout.priority == .routine && timeout.payload["held_ms"] == 60_000)

        for lineAction in [FA.keyLine, .unkeyLine, .startAudio(alice), .stopAudio(alice), .unkeyRefused(requester: "x", holder: nil)] {
            #expect(lineAction.eventDraft(channel: "north") == nil)
        }
    }
}

/// A small deterministic generator (SplitMix64) so invariant runs are reproducible.
struct SplitMix {
    private var random: SplitMix64
    init(seed: UInt64) { random = SplitMix64(seed: seed) }

    mutating func next(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(random.next() % UInt64(range.count))
    }
}
