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
        #expect((2000...4500).contains(duration), "duration \(duration) ms")
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
