import Foundation
@testable import ParleyAudio
import ParleyTestSupport
import SystemPackage
import Testing

struct RecordingPathTests {
    @Test(arguments: [
        ("north", 1_795_456_471.123, "/var/lib/parley/recordings/2026/11/23/north-20261123T175431.123Z.opus"),
        ("ch 2/ops", 0.0, "/var/lib/parley/recordings/1970/01/01/ch_2_ops-19700101T000000.000Z.opus"),
        ("..", 1_767_225_599.999, "/var/lib/parley/recordings/2025/12/31/channel-20251231T235959.999Z.opus"),
    ])
    func layout(channel: String, seconds: Double, expected: String) {
        let path = RecordingPath.file(root: "/var/lib/parley/recordings", channel: channel, openedAt: Date(timeIntervalSince1970: seconds))
        #expect(path.string == expected)
    }
}

struct PreRollBufferTests {
    @Test(arguments: [
        // (capacity, block sizes appended, expected survivors: the newest `capacity` samples)
        (5, [3], 3),
        (5, [3, 3], 5),
        (5, [12], 5),
        (5, [1, 1, 1, 1, 1, 1, 1], 5),
        (5, [4, 4, 4], 5),
        (0, [10], 0),
        (300, [160, 160, 160], 300),
    ])
    func keepsTheNewestSamplesInOrder(capacity: Int, blocks: [Int], survivors: Int) {
        var buffer = PreRollBuffer(capacity: capacity)
        var all: [Int16] = []
        for size in blocks {
            let block = ramp(size, from: all.count + 1)
            all += block
            block.withUnsafeBufferPointer { buffer.append($0) }
        }
        #expect(buffer.drain() == Array(all.suffix(survivors)))
        #expect(buffer.drain().isEmpty)
    }
}

struct OpusHeadersTests {
    @Test(arguments: [(312, 16000), (104, 8000), (0, 48000)])
    func identificationRoundTrips(preSkip: Int, rate: Int) {
        let packet = OpusHeaders.identification(preSkip: preSkip, inputSampleRate: rate)
        #expect(packet.count == 19)
        #expect(OpusHeaders.parseIdentification(packet) == .init(channels: 1, preSkip: preSkip, inputSampleRate: rate))
    }

    @Test func commentsRoundTrip() {
        let packet = OpusHeaders.comments(vendor: "libopus 1.3.1", ["ENCODER=Parley", "parley_channel=north=2"])
        #expect(OpusHeaders.parseComments(packet) == ["ENCODER": "Parley", "PARLEY_CHANNEL": "north=2"])
        #expect(OpusHeaders.parseComments(Array(packet.prefix(50))) == ["ENCODER": "Parley"])  // truncated: what is there
        #expect(OpusHeaders.parseComments(Array(packet.prefix(20))) == nil)  // cut inside the vendor string
        #expect(OpusHeaders.parseComments(Array("OpusHead".utf8)) == nil)
    }
}

struct RecordingWriteFailureTests {
    @Test func aDiskFullMidTransmissionKeepsWhatWasWrittenAndReportsIt() throws {
        let scratch = TemporaryDirectory()
        let log = LogCapture()
        let recorder = TransmissionRecorder(
            configuration: .init(channel: "north", sampleRate: .hz16000, directory: scratch.filePath, preRoll: .zero),
            logger: log.logger())
        let path = try recorder.start(at: RecorderTests.opened)
        RecorderTests.feedTone(recorder, frequency: 1000, duration: .milliseconds(1_500), rate: .hz16000)
        // The disk fills: from now on every write(2) to the recording fails with ENOSPC.
        let full = open("/dev/full", O_WRONLY)
        let descriptor = try #require(recorder.currentDescriptor)
        #expect(dup2(full, descriptor.rawValue) == descriptor.rawValue)
        close(full)
        RecorderTests.feedTone(recorder, frequency: 1000, duration: .seconds(2), rate: .hz16000)
        let result = try recorder.finish()

        #expect(result.failure?.isStorageFailure == true)
        #expect("\(result.failure!)".contains("free disk space"))
        #expect(result.samplesLost > 16000)
        #expect(log.count("Recording write failed") == 1)
        // The row describes what the file really holds: the first flushed second.
        #expect(result.duration > .milliseconds(950) && result.duration <= .seconds(1))
        #expect(result.sha256 == String(try runTool(["sha256sum", path.string]).output.prefix(64)))
        #expect(try runTool(["opusdec", "--quiet", path.string, scratch.file("out.raw")]).status == 0)
    }
}
