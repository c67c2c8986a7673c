import Foundation
import ParleyAudio
import ParleyTestSupport
import ParleyDSP
import Testing

struct PlaybackSinkTests {
    @Test(arguments: SampleRate.supported)
    func writesEveryBlockToTheDeviceInOrder(rate: SampleRate) async throws {
        let scratch = TemporaryDirectory()
        let out = scratch.file("out.raw")
        var tone = ToneGenerator(frequency: 1000, amplitude: 0.5, sampleRate: Double(rate.rawValue))
        let blocks = [37, rate.rawValue / 50, 1, rate.rawValue / 10, 500].map { tone.nextInt16($0) }
        let log = LogCapture()
        let sink = PlaybackSink(
            channel: "north", configuration: PlaybackConfiguration(device: .rawFilePlayback(path: out), sampleRate: rate, queueCapacity: 2),
            logger: log.logger())
        let report = try await sink.run { output in
            for block in blocks { try await output.write(block) }
        }
        let sent = blocks.flatMap { $0 }
        #expect(report.samplesPlayed == sent.count)
        #expect(report.samplesDiscarded == 0)
        #expect(try RawPCM.read(out) == sent)
        #expect(log.count("Audio playback device up") == 1)
    }

    @Test func aMissingDeviceDiscardsAudioAndLogsOnce() async throws {
        let log = LogCapture()
        let sink = PlaybackSink(
            channel: "south",
            configuration: PlaybackConfiguration(device: .named("parley_no_such_pcm"), sampleRate: .hz8000, retryDelay: .milliseconds(5)),
            logger: log.logger())
        let report = try await sink.run { output in
            for _ in 0..<20 {
                try await output.write([Int16](repeating: 1000, count: 160))
                try await Task.sleep(for: .milliseconds(2))
            }
        }
        #expect(report.samplesPlayed == 0)
        #expect(report.samplesDiscarded == 20 * 160)
        #expect(log.count("Audio playback device down") == 1)
        #expect(log.count("Audio playback device up") == 0)
    }
}
