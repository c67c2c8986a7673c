import Foundation
import ParleyConfig
import ParleyControl
import ParleyCore
import ParleyDevices
import ParleyDSP
import ParleyRadio
import ParleyStore
import Synchronization
import Testing

/// Keying through floor control to a real PTT driver: the CM108 driver writing its HID reports
/// to a stand-in file (a hidraw node accepts the same writes), and hamlib's real `rigctld`.
@Suite("Channel keying", .serialized)
struct ChannelKeyingTests {
    static func channel(
        id: String, bed: RadioTestBed, ptt: ParleyConfiguration.PTT?, keying: FloorControlConfiguration = FloorControlConfiguration()
    ) throws -> ParleyConfiguration.Channel {
        // Silence to capture: keying needs no traffic, and a busy channel would refuse it.
        try writeRaw([Int16](repeating: 0, count: 16000), to: bed.path("\(id).raw"))
        return ParleyConfiguration.Channel(
            id: id, capture: .init(source: .rawFile(bed.path("\(id).raw"))), ptt: ptt, keying: keying)
    }

    static func lastReport(_ path: String) throws -> [UInt8] {
        Array(try Data(contentsOf: URL(fileURLWithPath: path)).suffix(5))
    }

    static let keyed = CM108PTT.report(gpio: .default, keyed: true)
    static let released = CM108PTT.report(gpio: .default, keyed: false)

    @Test func floorControlDecidesAndTheLineFollowsEveryOutcome() async throws {
        let bed = try RadioTestBed()
        let hid = bed.path("ptt.hid")
        _ = FileManager.default.createFile(atPath: hid, contents: nil)
        let service = ChannelService(
            channel: try Self.channel(id: "south", bed: bed, ptt: .init(kind: .cm108(hidraw: hid, gpio: 3, inverted: false))),
            recordingsDirectory: bed.recordings, writer: bed.writer, logger: quietLogger)
        let alice = Keyer(id: "alice", priority: .dispatcher)
        let bob = Keyer(id: "bob", priority: .dispatcher)
        let carol = Keyer(id: "carol", priority: .emergency)
        try await bed.running(service) {
            try await eventually("PTT up") { service.statusSnapshot.ptt == "up" }
            // Opening resets the line, whatever a crash left.
            #expect(try Self.lastReport(hid) == Self.released)

            let first = await service.key(alice, for: nil)
            #expect(first.outcome == "keyed")
            #expect(try Self.lastReport(hid) == Self.keyed)
            #expect(service.statusSnapshot.keyedBy == "alice")

            let equal = await service.key(bob, for: nil)
            #expect(equal.outcome == "refused")
            #expect(equal.reason == "floor_held")
            #expect(equal.holder == "alice")

            let emergency = await service.key(carol, for: nil)
            #expect(emergency.outcome == "keyed")
            #expect(emergency.preempted == "alice")
            #expect(try Self.lastReport(hid) == Self.keyed)

            let notHolder = await service.unkey(requester: "alice", force: false)
            #expect(notHolder.outcome == "refused")
            #expect(notHolder.holder == "carol")

            let done = await service.unkey(requester: "carol", force: false)
            #expect(done.outcome == "unkeyed")
            #expect(try Self.lastReport(hid) == Self.released)
            #expect(service.statusSnapshot.keyedBy == nil)

            // Keyed when the channel stops: the line is dropped on the way out.
            #expect(await service.key(bob, for: nil).outcome == "keyed")
            #expect(try Self.lastReport(hid) == Self.keyed)
        }
        #expect(try Self.lastReport(hid) == Self.released)
        let kinds = try bed.store.events(matching: EventFilter(kind: "radio", source: "channel:south")).map(\.kind.rawValue)
            .filter { !$0.hasPrefix("radio.transmission") }
        #expect(kinds == [
            "radio.key", "radio.key_refused", "radio.preempted", "radio.key", "radio.unkey", "radio.key", "radio.unkey",
        ])
        // Every keying is a transmission row: direction tx, who keyed, emergency flag, a recording.
        let sent = try bed.store.transmissions(channelID: "south").reversed().filter { $0.direction == .transmitted }
        #expect(sent.map(\.transmittedBy) == ["alice", "carol", "bob"])
        #expect(sent.map(\.emergency) == [false, true, false])
        #expect(sent.allSatisfy { $0.status == .complete })
        let last = try #require(try bed.events(kind: "radio.unkey", channel: "south").last)
        #expect(last.json["reason"] == .string("shutdown"))
        // Each outcome is also an audit row (a time-out or pre-emption has no command of its own).
        let audited = try bed.store.audit(limit: 50).map(\.entry).filter { $0.detail == "channel south" }
        #expect(audited.map(\.command) == kinds)
        #expect(audited.map(\.outcome) == [.ok, .refused, .ok, .ok, .ok, .ok, .ok])
        // The emergency keying's events are stored at emergency priority.
        let preemption = try #require(try bed.events(kind: "radio.preempted", channel: "south").first)
        #expect(preemption.priority == .emergency)
        await bed.close()
    }

    @Test func theTransmitTimeoutWarnsThenUnkeys() async throws {
        let bed = try RadioTestBed()
        let hid = bed.path("ptt.hid")
        _ = FileManager.default.createFile(atPath: hid, contents: nil)
        let keying = FloorControlConfiguration(transmitTimeout: .seconds(1), timeoutWarning: .milliseconds(500))
        let service = ChannelService(
            channel: try Self.channel(id: "tot", bed: bed, ptt: .init(kind: .cm108(hidraw: hid, gpio: 3, inverted: false)), keying: keying),
            recordingsDirectory: bed.recordings, writer: bed.writer, logger: quietLogger)
        try await bed.running(service) {
            try await eventually("PTT up") { service.statusSnapshot.ptt == "up" }
            #expect(await service.key(Keyer(id: "alice", priority: .dispatcher), for: nil).outcome == "keyed")
            try await eventually("time-out") { try !bed.events(kind: "radio.tot", channel: "tot").filter { $0.kind.rawValue == "radio.tot" }.isEmpty }
            try await eventually("the line dropped") { try Self.lastReport(hid) == Self.released }
            #expect(service.statusSnapshot.keyedBy == nil)
        }
        let kinds = try bed.store.events(matching: EventFilter(kind: "radio", source: "channel:tot")).map(\.kind.rawValue)
            .filter { !$0.hasPrefix("radio.transmission") }
        #expect(kinds == ["radio.key", "radio.tot_warning", "radio.tot"])
        #expect(try bed.store.audit(limit: 50).map(\.entry.command) == kinds)
        await bed.close()
    }

    /// A stand-in PTT (the channel's own logic is under test here, not a device): its key fails
    /// while `failing` is set, as a rig answering `RPRT -n` or an unplugged adapter would.
    final class FlakyPTT: PTTDriver, Sendable {
        let type = PTTType.serial
        let failing: Mutex<Bool>
        let log = Mutex<[String]>([])
        init(failing: Bool) { self.failing = Mutex(failing) }
        func key() async throws(DeviceError) {
            log.withLock { $0.append("key") }
            if failing.withLock({ $0 }) { throw .ioFailed("TIOCMBIS", path: "/dev/flaky", errno: .noSuchFileOrDirectory) }
        }
        func unkey() async throws(DeviceError) { log.withLock { $0.append("unkey") } }
        func releaseAll() async throws(DeviceError) { log.withLock { $0.append("release") } }
        func close() async { log.withLock { $0.append("close") } }
    }

    @Test func aFailingPTTRaisesOneFaultNeverStaysKeyedAndIsRetried() async throws {
        let bed = try RadioTestBed()
        let device = FlakyPTT(failing: true)
        let service = ChannelService(
            channel: try Self.channel(id: "flaky", bed: bed, ptt: .init(kind: .serial(port: "/dev/flaky", lines: [.init(.rts)]))),
            recordingsDirectory: bed.recordings, writer: bed.writer, logger: quietLogger,
            openPTT: { device })
        try await bed.running(service) {
            try await eventually("PTT up") { service.statusSnapshot.ptt == "up" }
            let result = await service.key(Keyer(id: "alice", priority: .dispatcher), for: nil)
            #expect(result.outcome == "refused")
            #expect(result.reason == "channel_down")
            // The driver was closed (closing drops the line) and nobody holds the floor.
            #expect(device.log.withLock { $0 }.contains("close"))
            #expect(service.statusSnapshot.keyedBy == nil)
            #expect(service.statusSnapshot.ptt == "down")
            let faults = try bed.events(kind: "channel.fault", channel: "flaky").filter { $0.kind.rawValue == "channel.fault" }
            #expect(faults.count == 1)
            #expect(faults.first?.json["reason"] == .string("ptt_down"))
            // Reopened a second later, reset, and keying works again.
            device.failing.withLock { $0 = false }
            try await eventually("PTT back") { service.statusSnapshot.ptt == "up" }
            #expect(try bed.events(kind: "channel.fault_cleared", channel: "flaky").count == 1)
            #expect(await service.key(Keyer(id: "alice", priority: .dispatcher), for: nil).outcome == "keyed")
        }
        #expect(device.log.withLock { $0 }.last == "close")
        await bed.close()
    }

    @Test func aRigctldThatIsNotRunningIsAFaultUntilItStartsThenKeysTheRig() async throws {
        let rigctld = "/usr/bin/rigctld"
        try #require(FileManager.default.isExecutableFile(atPath: rigctld), "rigctld is not installed (apt install libhamlib-utils)")
        let bed = try RadioTestBed()
        let port = Int.random(in: 40000...59000)
        let service = ChannelService(
            channel: try Self.channel(id: "rig", bed: bed, ptt: .init(kind: .rigctld(host: "127.0.0.1", port: port))),
            recordingsDirectory: bed.recordings, writer: bed.writer, logger: quietLogger)
        let rig = Process()
        rig.executableURL = URL(fileURLWithPath: rigctld)
        rig.arguments = ["-m", "1", "-P", "RIG", "-T", "127.0.0.1", "-t", String(port)]
        rig.standardOutput = FileHandle.nullDevice
        rig.standardError = FileHandle.nullDevice
        defer {
            if rig.isRunning {
                kill(rig.processIdentifier, SIGKILL)
                rig.waitUntilExit()
            }
        }
        try await bed.running(service) {
            try await eventually("PTT down") { service.statusSnapshot.ptt == "down" }
            #expect(await service.key(Keyer(id: "alice", priority: .dispatcher), for: nil).reason == "channel_down")
            try rig.run()
            try await eventually("PTT up once rigctld runs") { service.statusSnapshot.ptt == "up" }
            #expect(await service.key(Keyer(id: "alice", priority: .dispatcher), for: nil).outcome == "keyed")
            let observer = try RigctldPTT(port: port, logger: quietLogger)
            #expect(try await observer.isKeyed() == true)
            #expect(await service.unkey(requester: "alice", force: false).outcome == "unkeyed")
            #expect(try await observer.isKeyed() == false)
            await observer.close()
        }
        await bed.close()
    }

    @Test func anEmergencyKeyingTransmitsTheAlertToneAndRecordsWhatWasSent() async throws {
        let bed = try RadioTestBed()
        let hid = bed.path("ptt.hid")
        _ = FileManager.default.createFile(atPath: hid, contents: nil)
        var channel = try Self.channel(id: "alarm", bed: bed, ptt: .init(kind: .cm108(hidraw: hid, gpio: 3, inverted: false)))
        channel.transmitAudio = .init(source: .rawFile(bed.path("tx.raw")), sampleRate: 16000)
        let service = ChannelService(channel: channel, recordingsDirectory: bed.recordings, writer: bed.writer, logger: quietLogger)
        try await bed.running(service) {
            try await eventually("PTT up") { service.statusSnapshot.ptt == "up" }
            let keyed = await service.key(Keyer(id: "carol", priority: .emergency), for: .milliseconds(1500))
            #expect(keyed.outcome == "keyed")
            #expect(keyed.seconds == 1.5)
            try await eventually("the keying to end by itself") {
                try bed.events(kind: "radio.unkey", channel: "alarm").first?.json["reason"] == .string("duration_elapsed")
            }
            try await eventually("the tx row") {
                try bed.store.transmissions(channelID: "alarm").first?.status == .complete
            }
        }
        #expect(try Self.lastReport(hid) == Self.released)
        let row = try #require(try bed.store.transmissions(channelID: "alarm").first)
        #expect(row.direction == .transmitted)
        #expect(row.transmittedBy == "carol")
        #expect(row.emergency)
        let duration = try #require(row.durationMillis)
        #expect((1300...4000).contains(duration), "\(duration) ms")
        #expect(try runProcess("/usr/bin/opusinfo", [row.filePath]).status == 0)
        // What reached the transmitter: the alert tone (1500 Hz, then 1000 Hz) first.
        let sent = try Data(contentsOf: URL(fileURLWithPath: bed.path("tx.raw"))).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        try #require(sent.count >= 16000)
        let first = sent[0..<1600]
        let second = sent[1600..<3200]
        #expect(Goertzel.power(of: 1500, in: first, sampleRate: 16000) > 10 * Goertzel.power(of: 1000, in: first, sampleRate: 16000))
        #expect(Goertzel.power(of: 1000, in: second, sampleRate: 16000) > 10 * Goertzel.power(of: 1500, in: second, sampleRate: 16000))
        // The emergency keying's row is stored at emergency priority.
        #expect(try bed.events(kind: "radio.transmission_started", channel: "alarm").first?.priority == .emergency)
        await bed.close()
    }
}

extension ChannelKeyingTests {
    @Test func aDispatcherKeyingTransmitsTheDispatcherMicrophone() async throws {
        let bed = try RadioTestBed()
        let hid = bed.path("ptt.hid")
        _ = FileManager.default.createFile(atPath: hid, contents: nil)
        var tone = ToneGenerator(frequency: 700, peakDBFS: -10, sampleRate: 16000)
        try writeRaw(tone.nextInt16(duration: .seconds(5)), to: bed.path("mic.raw"))
        var channel = try Self.channel(id: "console", bed: bed, ptt: .init(kind: .cm108(hidraw: hid, gpio: 3, inverted: false)))
        channel.transmitAudio = .init(source: .rawFile(bed.path("tx.raw")), sampleRate: 16000)
        channel.dispatcherAudio = .init(source: .rawFile(bed.path("mic.raw")), sampleRate: 16000)
        let service = ChannelService(channel: channel, recordingsDirectory: bed.recordings, writer: bed.writer, logger: quietLogger)
        try await bed.running(service) {
            try await eventually("PTT up") { service.statusSnapshot.ptt == "up" }
            #expect(await service.key(Keyer(id: "dave", priority: .dispatcher), for: .seconds(1)).outcome == "keyed")
            try await eventually("the tx row") { try bed.store.transmissions(channelID: "console").first?.status == .complete }
        }
        let sent = try Data(contentsOf: URL(fileURLWithPath: bed.path("tx.raw"))).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        try #require(sent.count >= 8000)
        // The microphone's 700 Hz, not silence and not a tone of ours, went to the transmitter.
        let middle = sent[(sent.count / 2 - 1600)..<(sent.count / 2 + 1600)]
        #expect(Goertzel.power(of: 700, in: middle, sampleRate: 16000) > 100 * Goertzel.power(of: 1500, in: middle, sampleRate: 16000))
        #expect(AudioLevel(middle).rmsDBFS > -20)
        let row = try #require(try bed.store.transmissions(channelID: "console").first)
        #expect(row.transmittedBy == "dave")
        #expect(!row.emergency)
        #expect(try #require(row.rmsDBFS) > -20, "the recording holds what was sent")
        await bed.close()
    }
}

/// Attaching a channel to an incident links its transmissions to it.
@Suite("Channel incident attachment", .serialized)
struct ChannelAttachmentTests {
    @Test func transmissionsWhileAttachedAreLinkedToTheIncident() async throws {
        let bed = try RadioTestBed()
        let hid = bed.path("ptt.hid")
        _ = FileManager.default.createFile(atPath: hid, contents: nil)
        let channel = try ChannelKeyingTests.channel(id: "ops", bed: bed, ptt: .init(kind: .cm108(hidraw: hid, gpio: 3, inverted: false)))
        let service = ChannelService(channel: channel, recordingsDirectory: bed.recordings, writer: bed.writer, logger: quietLogger)
        let channels = RadioChannelSet(services: [service], store: bed.store, writer: bed.writer, logger: quietLogger)
        let (incident, _) = try await bed.writer.perform(
            priority: .priority,
            IncidentOperations.open(contactChannel: .radio, category: "Public Safety / Concern for safety", grade: .priority, summary: "test", by: "alice"))
        try await bed.running(service) {
            try await eventually("PTT up") { service.statusSnapshot.ptt == "up" }
            let attached = try await channels.attach(channel: "ops", incident: incident.reference, by: "alice")
            #expect(attached.incident == incident.reference)
            #expect(service.statusSnapshot.incident == incident.reference)
            #expect(await service.key(Keyer(id: "alice", priority: .dispatcher), for: nil).outcome == "keyed")
            try await Task.sleep(for: .milliseconds(100))
            #expect(await service.unkey(requester: "alice", force: false).outcome == "unkeyed")
            try await eventually("the tx row") { try bed.store.transmissions(channelID: "ops").first?.status == .complete }
            let detached = try await channels.attach(channel: "ops", incident: nil, by: "alice")
            #expect(detached.previous == incident.reference)
            #expect(service.statusSnapshot.incident == nil)
            await #expect(throws: RadioControlError.self) { try await channels.attach(channel: "ops", incident: "PLY-19990101-0001", by: "alice") }
            await #expect(throws: RadioControlError.self) { try await channels.attach(channel: "nowhere", incident: nil, by: "alice") }
        }
        let row = try #require(try bed.store.transmissions(channelID: "ops").first)
        #expect(row.incidentID == incident.id)
        // The incident's own event history shows the attachment and the transmission.
        let kinds = try bed.store.events(matching: EventFilter(incidentID: incident.id)).map(\.kind.rawValue)
        #expect(kinds.contains("channel.attached"))
        #expect(kinds.contains("radio.transmission"))
        await bed.close()
    }
}
