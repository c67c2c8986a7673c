import Foundation
import ParleyAudio
import ParleyDSP
import SystemPackage
import Testing

/// A crash mid-transmission leaves a file that decodes up to the last flushed page, and
/// RecordingRepair reports and seals it.
struct RecordingCrashSafetyTests {
    /// Records `seconds` of tone and copies the file as it stands on disk at that moment —
    /// exactly what a kill -9 would leave — then lets the recorder go without finishing.
    static func snapshotMidTransmission(_ scratch: TemporaryDirectory, seconds: Double, flush: Duration) throws -> String {
        let recorder = RecorderTests.recorder(scratch, rate: .hz16000, preRoll: .zero, flush: flush)
        let path = try recorder.start(at: RecorderTests.opened)
        RecorderTests.feedTone(recorder, frequency: 1000, duration: .milliseconds(Int64(seconds * 1000)), rate: .hz16000)
        let snapshot = scratch.file("crashed.opus")
        try FileManager.default.copyItem(atPath: path.string, toPath: snapshot)
        return snapshot
    }

    @Test(arguments: [
        // (seconds recorded, flush interval, expected decodable seconds: the last whole flush,
        //  less the one packet held back and the 6.5 ms look-ahead)
        (2.5, Duration.seconds(1), 2.0),
        (3.99, .seconds(1), 3.0),
        (1.5, .milliseconds(200), 1.4),
        (0.5, .seconds(1), 0.0),
    ])
    func aCrashedRecordingDecodesUpToTheLastFlush(seconds: Double, flush: Duration, expected: Double) throws {
        let scratch = TemporaryDirectory()
        let crashed = try Self.snapshotMidTransmission(scratch, seconds: seconds, flush: flush)

        let inspection = try RecordingRepair.inspect(FilePath(crashed))
        #expect(!inspection.isComplete)
        let decodable = Double(inspection.duration.components.attoseconds) * 1e-18 + Double(inspection.duration.components.seconds)
        #expect(decodable <= expected + 0.001)
        #expect(decodable >= max(0, expected - 0.030))
        #expect(inspection.comments["PARLEY_CHANNEL"] == "north")

        // (A crash before the first flush leaves the headers only: no audio to decode.)
        let decoded = expected > 0 ? try opusdecSamples(crashed, rate: 16000, scratch: scratch) : []
        #expect(abs(Double(decoded.count) / 16000 - decodable) <= 0.021)
        if decoded.count > 8000 {
            #expect(Goertzel.relativePower(of: 1000, in: Array(decoded[1600..<(decoded.count - 800)]), sampleRate: 16000) > 0.9)
        }

        let sealed = try RecordingRepair.seal(FilePath(crashed))
        #expect(sealed.isComplete)
        #expect(sealed.duration == inspection.duration)
        #expect(sealed.sha256 != inspection.sha256)
        if expected > 0 {
            let (length, info) = try opusinfoLength(crashed)
            #expect(!info.contains("WARNING") && !info.contains("ERROR"), "\(info)")
            #expect(abs((length ?? -1) - decodable) < 0.0015)
        }
    }

    @Test func aTornLastPageIsCutWhenSealing() throws {
        let scratch = TemporaryDirectory()
        let crashed = try Self.snapshotMidTransmission(scratch, seconds: 2.5, flush: .seconds(1))
        let intact = try RecordingRepair.inspect(FilePath(crashed))
        // A page whose write was cut short: a header and part of a body.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: crashed))
        handle.seekToEndOfFile()
        handle.write(Data("OggS".utf8) + Data(repeating: 0x11, count: 60))
        try handle.close()

        let torn = try RecordingRepair.inspect(FilePath(crashed))
        #expect(torn.trailingBytes == 64)
        #expect(torn.validBytes == intact.validBytes)
        #expect(torn.duration == intact.duration)
        let sealed = try RecordingRepair.seal(FilePath(crashed))
        #expect(sealed.trailingBytes == 0 && sealed.isComplete)
        #expect(try runTool(["opusdec", "--quiet", crashed, scratch.file("out.raw")]).status == 0)
    }

    @Test func aRecorderReleasedWithoutFinishingLeavesADecodableFile() throws {
        let scratch = TemporaryDirectory()
        var path: FilePath?
        do {
            let recorder = RecorderTests.recorder(scratch, rate: .hz8000, preRoll: .zero)
            path = try recorder.start(at: RecorderTests.opened)
            RecorderTests.feedTone(recorder, frequency: 1000, duration: .milliseconds(1_500), rate: .hz8000)
        }
        let inspection = try RecordingRepair.inspect(try #require(path))
        #expect(!inspection.isComplete)
        #expect(inspection.duration > .milliseconds(950) && inspection.duration <= .seconds(1))
        #expect(try runTool(["opusdec", "--quiet", path!.string, scratch.file("out.raw")]).status == 0)
    }

    @Test func aCompleteRecordingIsLeftAloneBySeal() throws {
        let scratch = TemporaryDirectory()
        let recorder = RecorderTests.recorder(scratch, rate: .hz48000, preRoll: .zero)
        let path = try recorder.start(at: RecorderTests.opened)
        RecorderTests.feedTone(recorder, frequency: 1000, duration: .milliseconds(700), rate: .hz48000)
        let result = try recorder.finish()
        let sealed = try RecordingRepair.seal(path)
        #expect(sealed.isComplete)
        #expect(sealed.sha256 == result.sha256)
        #expect(sealed.duration == .milliseconds(700))
    }

    @Test func aFileThatIsNotOggOpusIsNamedAsSuch() throws {
        let scratch = TemporaryDirectory()
        let junk = scratch.file("junk.opus")
        try Data("not an ogg file at all".utf8).write(to: URL(fileURLWithPath: junk))
        #expect {
            try RecordingRepair.inspect(FilePath(junk))
        } throws: { error in
            "\(error)".contains("not a usable Ogg Opus recording")
        }
        #expect(throws: RecordingError.self) { try RecordingRepair.inspect(FilePath(scratch.file("missing.opus"))) }
    }
}
