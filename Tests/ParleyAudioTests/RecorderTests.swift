import Foundation
import ParleyAudio
import ParleyTestSupport
import ParleyDSP
import SystemPackage
import Testing

/// Recordings checked with the reference tools (opus-tools' opusinfo and opusdec).
struct RecorderTests {
    static func recorder(_ scratch: TemporaryDirectory, rate: SampleRate, preRoll: Duration = .milliseconds(300),
                         flush: Duration = .seconds(1)) -> TransmissionRecorder {
        TransmissionRecorder(
            configuration: .init(channel: "north", sampleRate: rate, directory: scratch.filePath.appending("recordings"),
                                 preRoll: preRoll, flushInterval: flush),
            logger: LogCapture().logger())
    }

    static let opened = Date(timeIntervalSince1970: 1_795_456_471.123)  // 2026-11-23T17:54:31.123Z

    /// Feeds `duration` of a tone in odd-sized blocks (as a capture device might).
    static func feedTone(_ recorder: TransmissionRecorder, frequency: Double, duration: Duration, rate: SampleRate,
                         amplitude: Double = 0.5) {
        var tone = ToneGenerator(frequency: frequency, amplitude: amplitude, sampleRate: Double(rate.rawValue))
        var remaining = rate.samples(in: duration)
        var size = 97
        while remaining > 0 {
            let count = min(size, remaining)
            recorder.append(tone.nextInt16(count))
            remaining -= count
            size = size == 97 ? rate.rawValue / 50 : 97
        }
    }

    @Test(arguments: SampleRate.supported)
    func aToneRecordsWithTheRightLengthAndFrequency(rate: SampleRate) throws {
        let scratch = TemporaryDirectory()
        let recorder = Self.recorder(scratch, rate: rate, preRoll: .zero)
        let path = try recorder.start(at: Self.opened)
        #expect(path.string.hasSuffix("recordings/2026/11/23/north-20261123T175431.123Z.opus"))
        Self.feedTone(recorder, frequency: 1000, duration: .milliseconds(2_345), rate: rate)
        let result = try recorder.finish()

        #expect(result.duration == .milliseconds(2_345))
        #expect(result.sampleCount == rate.samples(in: .milliseconds(2_345)))
        #expect(result.startedAt == Self.opened && result.preRoll == .zero)
        #expect(abs(result.endedAt.timeIntervalSince(result.startedAt) - 2.345) < 0.001)
        #expect(abs(result.level.peakDBFS - -6.02) < 0.1)
        #expect(abs(result.level.rmsDBFS - -9.03) < 0.1)
        #expect(result.frameCount >= 118)  // 2.345 s / 20 ms, plus the look-ahead padding
        #expect(result.failure == nil)

        let (seconds, info) = try opusinfoLength(path.string)
        #expect(!info.contains("WARNING") && !info.contains("ERROR"), "\(info)")
        #expect(info.contains("Original sample rate: \(rate.rawValue) Hz"))
        #expect(info.contains("Packet duration:   20.0ms (max)"))
        #expect(abs((seconds ?? 0) - 2.345) <= 0.020, "opusinfo: \(info)")

        let decoded = try opusdecSamples(path.string, rate: 16000, scratch: scratch)
        #expect(abs(decoded.count - 16000 * 2345 / 1000) <= 320)
        let middle = Array(decoded[4000..<20000])
        #expect(Goertzel.relativePower(of: 1000, in: middle, sampleRate: 16000) > 0.9)
        #expect(Goertzel.relativePower(of: 1200, in: middle, sampleRate: 16000) < 0.05)

        let sha = try runTool(["sha256sum", path.string]).output.prefix(64)
        #expect(result.sha256 == String(sha))
        let size = try FileManager.default.attributesOfItem(atPath: path.string)[.size] as? Int
        #expect(result.byteCount == size)

        let inspection = try RecordingRepair.inspect(path)
        #expect(inspection.isComplete)
        #expect(inspection.duration == .milliseconds(2_345))
        #expect(inspection.sha256 == result.sha256)
        #expect(inspection.comments["PARLEY_CHANNEL"] == "north")
        #expect(inspection.comments["PARLEY_OPENED"] == "20261123T175431.123Z")
        #expect(abs(inspection.level.rmsDBFS - result.level.rmsDBFS) < 1.5)
    }

    @Test func thePreRollPrecedesTheSquelchOpening() throws {
        let scratch = TemporaryDirectory()
        let rate = SampleRate.hz16000
        let recorder = Self.recorder(scratch, rate: rate)
        // Two seconds of idle channel (only the last 300 ms may survive), then the squelch opens.
        Self.feedTone(recorder, frequency: 2000, duration: .milliseconds(1_700), rate: rate)
        Self.feedTone(recorder, frequency: 500, duration: .milliseconds(300), rate: rate)
        let path = try recorder.start(at: Self.opened)
        Self.feedTone(recorder, frequency: 1000, duration: .seconds(1), rate: rate)
        let result = try recorder.finish()

        #expect(result.preRoll == .milliseconds(300))
        #expect(result.duration == .milliseconds(1_300))
        #expect(result.openedAt == Self.opened)
        #expect(abs(result.openedAt.timeIntervalSince(result.startedAt) - 0.3) < 1e-6)
        let decoded = try opusdecSamples(path.string, rate: 16000, scratch: scratch)
        let preRoll = Array(decoded[400..<4400])  // 25…275 ms
        let live = Array(decoded[5600..<20000])
        #expect(Goertzel.relativePower(of: 500, in: preRoll, sampleRate: 16000) > 0.8)
        #expect(Goertzel.relativePower(of: 2000, in: preRoll, sampleRate: 16000) < 0.05)
        #expect(Goertzel.relativePower(of: 1000, in: live, sampleRate: 16000) > 0.9)
    }

    /// A squelch confirmed late (debounce, or a stalled task handling frames in a burst) still
    /// records from the pre-roll before the activity began.
    @Test func startReachesBackToWhereTheActivityBegan() throws {
        let scratch = TemporaryDirectory()
        let rate = SampleRate.hz16000
        let recorder = Self.recorder(scratch, rate: rate)
        Self.feedTone(recorder, frequency: 2000, duration: .milliseconds(1_000), rate: rate)
        Self.feedTone(recorder, frequency: 500, duration: .milliseconds(300), rate: rate)   // the pre-roll
        Self.feedTone(recorder, frequency: 1000, duration: .milliseconds(800), rate: rate)  // activity, before start
        let path = try recorder.start(at: Self.opened, reachingBack: .milliseconds(800))
        Self.feedTone(recorder, frequency: 1000, duration: .milliseconds(500), rate: rate)
        let result = try recorder.finish()

        #expect(result.preRoll == .milliseconds(300))
        #expect(result.duration == .milliseconds(1_600))
        #expect(abs(result.openedAt.timeIntervalSince(result.startedAt) - 0.3) < 1e-6)
        let decoded = try opusdecSamples(path.string, rate: 16000, scratch: scratch)
        #expect(Goertzel.relativePower(of: 500, in: Array(decoded[400..<4400]), sampleRate: 16000) > 0.8)
        #expect(Goertzel.relativePower(of: 1000, in: Array(decoded[5600..<24000]), sampleRate: 16000) > 0.9)
        // Never further back than the limit.
        Self.feedTone(recorder, frequency: 1000, duration: .seconds(5), rate: rate)
        try recorder.start(at: Self.opened.addingTimeInterval(10), reachingBack: .seconds(60))
        let capped = try recorder.finish()
        #expect(capped.duration == .milliseconds(300) + TransmissionRecorder.maxReachBack)
    }

    @Test func aShortIdleTimeGivesAShorterPreRoll() throws {
        let scratch = TemporaryDirectory()
        let recorder = Self.recorder(scratch, rate: .hz8000)
        Self.feedTone(recorder, frequency: 500, duration: .milliseconds(120), rate: .hz8000)
        try recorder.start(at: Self.opened)
        Self.feedTone(recorder, frequency: 1000, duration: .milliseconds(500), rate: .hz8000)
        let result = try recorder.finish()
        #expect(result.preRoll == .milliseconds(120))
        #expect(result.duration == .milliseconds(620))
    }

    @Test func consecutiveTransmissionsGetTheirOwnFiles() throws {
        let scratch = TemporaryDirectory()
        let recorder = Self.recorder(scratch, rate: .hz16000)
        var paths: [FilePath] = []
        for index in 0..<3 {
            try recorder.start(at: Self.opened.addingTimeInterval(Double(index) * 86_400))
            #expect(recorder.isRecording)
            Self.feedTone(recorder, frequency: 1000, duration: .milliseconds(400), rate: .hz16000)
            paths.append(try recorder.finish().path)
            #expect(!recorder.isRecording)
            Self.feedTone(recorder, frequency: 300, duration: .milliseconds(500), rate: .hz16000)
        }
        #expect(paths.map { $0.removingLastComponent().lastComponent?.string } == ["23", "24", "25"])
        // The same opening instant twice never overwrites a recording.
        try recorder.start(at: Self.opened)
        let again = try recorder.finish()
        #expect(again.path != paths[0])
        #expect(FileManager.default.fileExists(atPath: paths[0].string))
    }

    @Test func aDayDirectoryRemovedBetweenTransmissionsIsRecreated() throws {
        let scratch = TemporaryDirectory()
        let recorder = Self.recorder(scratch, rate: .hz16000)
        let first = try recorder.start(at: Self.opened)
        _ = try recorder.finish()
        try FileManager.default.removeItem(atPath: first.removingLastComponent().string)
        let second = try recorder.start(at: Self.opened.addingTimeInterval(5))
        Self.feedTone(recorder, frequency: 1000, duration: .milliseconds(200), rate: .hz16000)
        #expect(try recorder.finish().duration == .milliseconds(200))
        #expect(FileManager.default.fileExists(atPath: second.string))
    }

    @Test func misuseIsReportedNotIgnored() throws {
        let scratch = TemporaryDirectory()
        let recorder = Self.recorder(scratch, rate: .hz16000)
        #expect(throws: RecordingError.notRecording) { try recorder.finish() }
        try recorder.start(at: Self.opened)
        #expect(throws: RecordingError.self) { try recorder.start(at: Self.opened) }
    }

    @Test func anUncreatableDirectoryIsAStorageError() throws {
        let scratch = TemporaryDirectory()
        _ = FileManager.default.createFile(atPath: scratch.file("recordings"), contents: Data())  // a file where a directory should be
        let recorder = Self.recorder(scratch, rate: .hz16000)
        #expect {
            try recorder.start(at: Self.opened)
        } throws: { error in
            (error as? RecordingError)?.isStorageFailure == true && "\(error)".contains("cannot create recording")
        }
    }
}
