import Foundation
import ParleyConfig
import ParleyControl
import ParleyCore
import ParleyDSP
import ParleyRadio
import ParleyStore
import Testing

/// Instant recall through the channel set: list, export to WAV (checked with sox), and play
/// to the channel's playback device (alsa-lib's file plugin), from a real recorded transmission.
@Suite("Instant recall", .serialized)
struct RecallTests {
    @Test func aRecordedTransmissionIsListedExportedAndPlayed() async throws {
        let bed = try RadioTestBed()
        var tone = ToneGenerator(frequency: 1000, peakDBFS: -12, sampleRate: 16000)
        let silence = [Int16](repeating: 0, count: 8000)
        try writeRaw(silence + tone.nextInt16(duration: .seconds(1)) + silence + silence + silence, to: bed.path("north.raw"))
        var channel = ChannelReceiveTests.voxChannel(id: "north", audio: bed.path("north.raw"))
        channel.playback = .init(source: .rawFile(bed.path("played.raw")), sampleRate: 8000)
        let service = ChannelService(channel: channel, recordingsDirectory: bed.recordings, writer: bed.writer, logger: quietLogger)
        let channels = RadioChannelSet(services: [service], store: bed.store, writer: bed.writer, logger: quietLogger)
        try await bed.running(service) {
            try await eventually("a complete transmission") { try bed.store.transmissions(channelID: "north").first?.status == .complete }
        }
        let listed = try await channels.recall(channel: "north", limit: 5)
        try #require(listed.transmissions.count == 1)
        let transmission = listed.transmissions[0]
        #expect(transmission.direction == "rx")
        #expect(transmission.status == "complete")

        let wav = bed.path("north-\(transmission.id).wav")
        let exported = try await channels.export(transmission: transmission.id, to: wav)
        #expect(exported.outcome == "exported")
        let info = try runProcess("/usr/bin/sox", ["--i", wav])
        #expect(info.status == 0, "\(info.output)")
        #expect(info.output.contains("Sample Rate    : 16000"))
        #expect(info.output.contains("Channels       : 1"))
        #expect(abs(exported.durationMS - (transmission.durationMS ?? 0)) <= 20)

        // Played at the playback device's own rate (8 kHz): the 1 kHz tone is there.
        let played = try await channels.play(transmission: transmission.id)
        #expect(played.outcome == "played")
        let samples = try Data(contentsOf: URL(fileURLWithPath: bed.path("played.raw"))).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        #expect(abs(samples.count - Int(played.durationMS) * 8) <= 8 * 40)
        // (Not the whole second: on a loaded machine the capture can overrun and lose some.)
        let loud = samples.indices.filter { abs(Int(samples[$0])) > 2000 }
        try #require(loud.count > 1000)
        let middle = samples[loud[loud.count / 2] - 400..<loud[loud.count / 2] + 400]
        #expect(Goertzel.relativePower(of: 1000, in: middle, sampleRate: 8000) > 0.8)

        await #expect(throws: RadioControlError.self) { try await channels.export(transmission: 9999, to: bed.path("x.wav")) }
        await #expect(throws: RadioControlError.self) { try await channels.export(transmission: transmission.id, to: "/nonexistent/dir/x.wav") }
        await #expect(throws: RadioControlError.self) { try await channels.recall(channel: "nowhere", limit: 1) }
        await bed.close()
    }
}
