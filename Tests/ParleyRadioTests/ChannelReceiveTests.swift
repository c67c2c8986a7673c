import Foundation
import ParleyConfig
import ParleyCore
import ParleyDSP
import ParleyRadio
import ParleyStore
import Testing

/// The receive path through real libasound (alsa-lib's `file` plugin reading a raw file,
/// paced in real time), the real recorder and a real store; recordings checked with opus-tools.
@Suite("Channel receive path", .serialized)
struct ChannelReceiveTests {
    static func voxChannel(id: String, audio: String) -> ParleyConfiguration.Channel {
        ParleyConfiguration.Channel(
            id: id, capture: .init(source: .rawFile(audio), sampleRate: 16000),
            squelch: .init(
                sources: [.vox(.init(thresholdDBFS: -40, attack: .milliseconds(40), hang: .milliseconds(300)))],
                timing: SquelchConfiguration(debounce: .milliseconds(30), hangTime: .milliseconds(200), receiveTimeout: .seconds(30))),
            preRoll: .milliseconds(300))
    }

    @Test func aVoxTransmissionBecomesOneRecordingOneRowAndOneEvent() async throws {
        let bed = try RadioTestBed()
        var tone = ToneGenerator(frequency: 1000, peakDBFS: -12, sampleRate: 16000)
        let silence = [Int16](repeating: 0, count: 8000)
        try writeRaw(silence + tone.nextInt16(duration: .milliseconds(1500)) + silence + silence + silence, to: bed.path("north.raw"))
        let service = ChannelService(
            channel: Self.voxChannel(id: "north", audio: bed.path("north.raw")), recordingsDirectory: bed.recordings,
            writer: bed.writer, logger: quietLogger)
        try await bed.running(service) {
            try await eventually("a complete transmission row") {
                try bed.store.transmissions(channelID: "north").first?.status == .complete
            }
        }
        let rows = try bed.store.transmissions(channelID: "north")
        try #require(rows.count == 1)
        let row = rows[0]
        #expect(row.direction == .received)
        #expect(row.transmittedBy == nil)
        // The whole 1.5 s of tone with the 300 ms pre-roll before it, then the VOX and squelch
        // hang (500 ms; longer when the machine is loaded and the close is handled late).
        let duration = try #require(row.durationMillis)
        #expect((2000...6000).contains(duration), "duration \(duration) ms")
        #expect(try #require(row.peakDBFS) > -13 && row.peakDBFS! < -11)
        #expect(row.filePath.hasPrefix(bed.recordings + "/"))
        // The file is what the row says: its SHA-256, and a valid Ogg Opus stream of that length.
        let sha = try runProcess("/usr/bin/sha256sum", [row.filePath]).output.prefix(64)
        #expect(String(sha) == row.fileSHA256)
        let info = try runProcess("/usr/bin/opusinfo", [row.filePath])
        #expect(info.status == 0, "\(info.output)")
        #expect(info.output.contains("Playback length"))
        // One start and one completion event, carrying the row's metadata.
        #expect(try bed.events(kind: "radio.transmission_started", channel: "north").count == 1)
        let done = try bed.events(kind: "radio.transmission", channel: "north").filter { $0.kind.rawValue == "radio.transmission" }
        try #require(done.count == 1)
        #expect(done[0].json["duration_ms"] == .int(duration))
        await bed.close()
    }

    @Test func aMissingCaptureDeviceLeavesTheChannelDownWithOneFaultAndItRecovers() async throws {
        let bed = try RadioTestBed()
        let audio = bed.path("later.raw")
        let service = ChannelService(
            channel: Self.voxChannel(id: "west", audio: audio), recordingsDirectory: bed.recordings, writer: bed.writer,
            logger: quietLogger)
        try await bed.running(service) {
            try await eventually("the channel reported down") { service.statusSnapshot.capture == "down" }
            // Several retries (one per second) later, still exactly one fault event: one per change.
            try await Task.sleep(for: .milliseconds(2500))
            let faults = try bed.events(kind: "channel.fault", channel: "west").filter { $0.kind.rawValue == "channel.fault" }
            #expect(faults.count == 1)
            #expect(faults.first?.json["reason"] == .string("capture_down"))
            #expect(service.statusSnapshot.reason?.isEmpty == false)
            // A channel without a transmitter refuses keying, and says why.
            let refused = await service.key(Keyer(id: "alice", priority: .dispatcher), for: nil)
            #expect(refused.outcome == "refused")
            #expect(refused.reason == "no_transmitter")
            // The device appears: the channel comes up and the fault is cleared.
            try writeRaw([Int16](repeating: 0, count: 1600), to: audio)
            try await eventually("the channel came up") { service.statusSnapshot.capture == "up" }
            try await eventually("fault cleared event") {
                try bed.events(kind: "channel.fault_cleared", channel: "west").count == 1
            }
        }
        await bed.close()
    }

    @Test func aTransmissionInProgressAtShutdownIsCompletedNotLeftRecording() async throws {
        let bed = try RadioTestBed()
        var tone = ToneGenerator(frequency: 800, peakDBFS: -10, sampleRate: 16000)
        try writeRaw([Int16](repeating: 0, count: 3200) + tone.nextInt16(duration: .seconds(20)), to: bed.path("east.raw"))
        let service = ChannelService(
            channel: Self.voxChannel(id: "east", audio: bed.path("east.raw")), recordingsDirectory: bed.recordings,
            writer: bed.writer, logger: quietLogger)
        try await bed.running(service) {
            try await eventually("receiving") { service.statusSnapshot.receiving }
            try await Task.sleep(for: .milliseconds(600))
        }
        let rows = try bed.store.transmissions(channelID: "east")
        try #require(rows.count == 1)
        #expect(rows[0].status == .complete)
        #expect(try #require(rows[0].durationMillis) > 300)
        #expect(try runProcess("/usr/bin/opusinfo", [rows[0].filePath]).status == 0)
        await bed.close()
    }
}

/// COR squelch: a CM108 HID input bit read from a stand-in file (the daemon reads hidraw the
/// same way: 4-byte reports, bit 1 = volume down), with the stuck-open guard and keying over
/// incoming traffic.
@Suite("Channel COR squelch", .serialized)
struct ChannelCORTests {
    static func report(active: Bool) -> Data { Data([active ? 0x02 : 0x00, 0, 0, 0]) }

    static func append(_ data: Data, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try handle.seekToEnd()
        try handle.write(contentsOf: data)
    }

    @Test func corOpensAndClosesTransmissionsAStuckOneIsForcedClosedAndKeyingOverTrafficNeedsEmergency() async throws {
        let bed = try RadioTestBed()
        let cor = bed.path("cor.hid")
        let hid = bed.path("ptt.hid")
        _ = FileManager.default.createFile(atPath: cor, contents: nil)
        _ = FileManager.default.createFile(atPath: hid, contents: nil)
        try writeRaw([Int16](repeating: 0, count: 16000 * 30), to: bed.path("south.raw"))
        let channel = ParleyConfiguration.Channel(
            id: "south", capture: .init(source: .rawFile(bed.path("south.raw"))),
            squelch: .init(
                sources: [.cm108(hidraw: cor, bit: 1, inverted: false)],
                timing: SquelchConfiguration(debounce: .milliseconds(30), hangTime: .milliseconds(100), receiveTimeout: .seconds(2))),
            ptt: .init(kind: .cm108(hidraw: hid, gpio: 3, inverted: false)))
        let service = ChannelService(channel: channel, recordingsDirectory: bed.recordings, writer: bed.writer, logger: quietLogger)
        try await bed.running(service) {
            try await eventually("PTT up") { service.statusSnapshot.ptt == "up" }
            // COR up: receiving. A dispatcher may not key over it; an emergency may.
            try Self.append(Self.report(active: true), to: cor)
            try await eventually("receiving") { service.statusSnapshot.receiving }
            let refused = await service.key(Keyer(id: "alice", priority: .dispatcher), for: nil)
            #expect(refused.outcome == "refused")
            #expect(refused.reason == "channel_receiving")
            let emergency = await service.key(Keyer(id: "carol", priority: .emergency), for: nil)
            #expect(emergency.outcome == "keyed")
            #expect(await service.unkey(requester: "carol", force: false).outcome == "unkeyed")
            // COR held past rx_timeout: the transmission is forced closed and a fault raised.
            try await eventually("stuck-open fault") {
                try bed.events(kind: "channel.fault", channel: "south").contains { $0.json["reason"] == .string("receive_stuck_open") }
            }
            #expect(!service.statusSnapshot.receiving)
            #expect(service.statusSnapshot.fault == "receive_stuck_open")
            // COR drops: the fault clears.
            try Self.append(Self.report(active: false), to: cor)
            try await eventually("fault cleared") {
                try bed.events(kind: "channel.fault_cleared", channel: "south").contains { $0.json["reason"] == .string("receive_stuck_open") }
            }
            #expect(service.statusSnapshot.fault == nil)
            // A normal transmission: COR up for half a second.
            try Self.append(Self.report(active: true), to: cor)
            try await eventually("receiving again") { service.statusSnapshot.receiving }
            try await Task.sleep(for: .milliseconds(500))
            try Self.append(Self.report(active: false), to: cor)
            try await eventually("two received rows complete") {
                try bed.store.transmissions(channelID: "south").filter { $0.direction == .received && $0.status == .complete }.count == 2
            }
        }
        let received = try bed.store.transmissions(channelID: "south").filter { $0.direction == .received }
        // Both complete. (Their lengths are audio time while squelch timing is wall time; on a
        // loaded machine the two drift apart, so lengths are not checked here — the forced close is
        // shown by the fault event and by `receiving` going false while COR was still up.)
        #expect(received.count == 2)
        #expect(received.allSatisfy { $0.status == .complete })
        await bed.close()
    }
}
