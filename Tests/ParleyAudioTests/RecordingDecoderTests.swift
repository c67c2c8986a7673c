import Foundation
import ParleyAudio
import ParleyTestSupport
import ParleyDSP
import SystemPackage
import Testing

/// Recordings decoded by RecordingDecoder, checked against the recorder's own account and the
/// reference decoder (opus-tools' opusdec); WAV exports checked with sox.
struct RecordingDecoderTests {
    /// A finished recording: `silence`, then `tone` of a 1 kHz tone at half scale.
    static func record(_ scratch: TemporaryDirectory, rate: SampleRate, silence: Duration = .zero,
                       tone: Duration = .milliseconds(2_345), flush: Duration = .seconds(1)) throws -> TransmissionRecording {
        let recorder = RecorderTests.recorder(scratch, rate: rate, preRoll: .zero, flush: flush)
        try recorder.start(at: RecorderTests.opened)
        recorder.append([Int16](repeating: 0, count: rate.samples(in: silence)))
        RecorderTests.feedTone(recorder, frequency: 1000, duration: tone, rate: rate)
        return try recorder.finish()
    }

    /// The middle of `samples` (a quarter trimmed from each end), clear of the codec's onset.
    static func middle(_ samples: [Int16]) -> [Int16] {
        Array(samples[samples.count / 4..<samples.count * 3 / 4])
    }

    // MARK: Decoding

    @Test(arguments: SampleRate.supported)
    func aToneDecodesToTheRecordedLengthAndFrequency(rate: SampleRate) throws {
        let scratch = TemporaryDirectory()
        let recording = try Self.record(scratch, rate: rate)
        let decoded = try RecordingDecoder.decode(recording.path)

        #expect(decoded.samples.count == recording.sampleCount)
        #expect(recording.sampleCount == rate.samples(in: .milliseconds(2_345)))
        #expect(decoded.sampleRate == rate && decoded.inputSampleRate == rate.rawValue)
        #expect(decoded.duration == .milliseconds(2_345))
        #expect(decoded.isComplete)
        #expect(decoded.packetCount == recording.frameCount)
        #expect(decoded.concealedPackets == 0)
        #expect(decoded.comments["PARLEY_CHANNEL"] == "north")
        let middle = Self.middle(decoded.samples)
        let hz = Double(rate.rawValue)
        #expect(Goertzel.relativePower(of: 1000, in: middle, sampleRate: hz) > 0.9)
        #expect(Goertzel.relativePower(of: 1200, in: middle, sampleRate: hz) < 0.05)
        #expect(abs(AudioLevel(middle).rmsDBFS - -9.03) < 1.5)  // not attenuated or amplified

        // The reference decoder, asked for the same rate, gives the same length to within a
        // frame (it decodes at 48 kHz and resamples, so only at 48 kHz are the samples its own).
        let reference = try opusdecSamples(recording.path.string, rate: rate.rawValue, scratch: scratch)
        #expect(abs(reference.count - decoded.samples.count) <= rate.rawValue / 50)
        #expect(Goertzel.relativePower(of: 1000, in: Self.middle(reference), sampleRate: hz) > 0.9)
        if rate == .hz48000 {
            #expect(signalToDifference(decoded.samples, reference) > 40)
        }
    }

    /// The pre-skip removed at the right rate puts the audio where it was recorded: a tone
    /// after 400 ms of silence starts 400 ms in (an unscaled or missing pre-skip moves it by
    /// 6.5 ms or more).
    @Test(arguments: SampleRate.supported)
    func theAudioStartsWhereItWasRecorded(rate: SampleRate) throws {
        let scratch = TemporaryDirectory()
        let recording = try Self.record(scratch, rate: rate, silence: .milliseconds(400), tone: .milliseconds(600))
        let decoded = try RecordingDecoder.decode(recording.path)
        #expect(decoded.samples.count == rate.samples(in: .seconds(1)))
        let onset = try #require(decoded.samples.firstIndex { abs(Int($0)) > 8192 })  // a quarter of full scale
        let onsetMilliseconds = Double(onset) * 1000 / Double(rate.rawValue)
        #expect(abs(onsetMilliseconds - 400) < 1.5, "tone starts at \(onsetMilliseconds) ms")
        #expect(AudioLevel(decoded.samples[..<rate.samples(in: .milliseconds(390))]).peakDBFS < -30)
    }

    @Test(arguments: [(SampleRate.hz48000, SampleRate.hz8000), (.hz8000, .hz48000), (.hz16000, .hz8000)])
    func aRecordingDecodesAtAPlaybackDevicesRate(recorded: SampleRate, played: SampleRate) throws {
        let scratch = TemporaryDirectory()
        let recording = try Self.record(scratch, rate: recorded, tone: .milliseconds(1_500))
        let decoded = try RecordingDecoder.decode(recording.path, sampleRate: played)
        #expect(decoded.sampleRate == played && decoded.inputSampleRate == recorded.rawValue)
        #expect(decoded.samples.count == played.samples(in: .milliseconds(1_500)))
        let middle = Self.middle(decoded.samples)
        #expect(Goertzel.relativePower(of: 1000, in: middle, sampleRate: Double(played.rawValue)) > 0.9)
    }

    /// OpusHead's output gain (Q7.8 dB) is applied, as opusdec applies it. Parley writes 0 dB;
    /// here the header of a recording is patched to −6 dB (and its page checksum redone).
    @Test func theOutputGainInTheHeaderIsApplied() throws {
        let scratch = TemporaryDirectory()
        let recording = try Self.record(scratch, rate: .hz16000, tone: .milliseconds(1_200))
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: recording.path.string)))
        let head = 27 + Int(bytes[26])  // the first page's body: OpusHead
        #expect(String(decoding: bytes[head..<head + 8], as: UTF8.self) == "OpusHead")
        #expect(bytes[head + 16] == 0 && bytes[head + 17] == 0)
        let gain = UInt16(bitPattern: -1541)  // −6.02 dB × 256: half the amplitude
        bytes[head + 16] = UInt8(gain & 0xFF)
        bytes[head + 17] = UInt8(gain >> 8)
        setOggChecksum(&bytes, pageAt: 0)
        let patched = scratch.file("gain.opus")
        try Data(bytes).write(to: URL(fileURLWithPath: patched))

        let plain = try RecordingDecoder.decode(recording.path)
        let quieter = try RecordingDecoder.decode(FilePath(patched))
        #expect(quieter.samples.count == plain.samples.count)
        let worst = zip(plain.samples, quieter.samples).map { abs(Double($0) / 2 - Double($1)) }.max() ?? 0
        #expect(worst <= 1.5)
        let reference = try opusdecSamples(patched, rate: 16000, scratch: scratch)
        #expect(abs(AudioLevel(Self.middle(reference)).rmsDBFS - AudioLevel(Self.middle(quieter.samples)).rmsDBFS) < 0.5)
        #expect(abs(AudioLevel(Self.middle(quieter.samples)).rmsDBFS - -15.05) < 1.5)
    }

    // MARK: Cut-short files

    /// Every way a crash can cut the file: just before, at and just after each page boundary,
    /// and in the middle of each page. What is left decodes (no error) to exactly the audio
    /// of the complete pages — the start of the full decode — unless not even the OpusHead
    /// page is whole.
    @Test func aFileCutAnywhereDecodesUpToItsLastCompletePage() throws {
        let scratch = TemporaryDirectory()
        let recording = try Self.record(scratch, rate: .hz16000, tone: .milliseconds(1_200), flush: .milliseconds(200))
        let full = try RecordingDecoder.decode(recording.path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: recording.path.string))
        let starts = oggPageStarts(bytes)
        #expect(starts.count >= 8, "headers and at least six audio pages")

        var cuts = Set([bytes.count - 1])
        for (index, start) in starts.enumerated().dropFirst() {
            cuts.formUnion([start - 1, start, start + 1, (start + (index + 1 < starts.count ? starts[index + 1] : bytes.count)) / 2])
        }
        var lengths: [Int: Int] = [:]
        for cut in cuts.sorted() {
            let path = scratch.file("cut-\(cut).opus")
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            if cut < starts[1] {
                #expect(throws: RecordingError.self, "cut at \(cut) inside the OpusHead page") {
                    try RecordingDecoder.decode(FilePath(path))
                }
                continue
            }
            let decoded = try RecordingDecoder.decode(FilePath(path))
            let inspection = try RecordingRepair.inspect(FilePath(path))
            #expect(!decoded.isComplete)
            #expect(decoded.samples.count == inspection.sampleCount, "cut at \(cut)")
            #expect(decoded.samples.count < full.samples.count, "cut at \(cut)")
            #expect(decoded.samples == Array(full.samples.prefix(decoded.samples.count)), "cut at \(cut)")
            lengths[cut] = decoded.samples.count
        }
        // Cutting later never gives less audio, and the audio pages each add some.
        let ordered = lengths.sorted { $0.key < $1.key }.map(\.value)
        #expect(ordered == ordered.sorted())
        #expect(Set(ordered).count >= starts.count - 2)
    }

    @Test func aRecordingInterruptedMidTransmissionDecodesWhatWasFlushed() throws {
        let scratch = TemporaryDirectory()
        // What kill -9 leaves 2.5 s into a transmission with a 1 s flush interval: the pages
        // up to 2 s of audio (less the packet held back and the look-ahead).
        let crashed = try RecordingCrashSafetyTests.snapshotMidTransmission(scratch, seconds: 2.5, flush: .seconds(1))
        let flushed = try RecordingDecoder.decode(FilePath(crashed))
        #expect(!flushed.isComplete)
        #expect(flushed.samples.count == (try RecordingRepair.inspect(FilePath(crashed))).sampleCount)
        #expect(flushed.samples.count > 16_000 * 19 / 10 && flushed.samples.count <= 16_000 * 2)
        #expect(Goertzel.relativePower(of: 1000, in: Self.middle(flushed.samples), sampleRate: 16000) > 0.9)

        // …with the last page torn as well (the file cut in the middle of it): one second less.
        let size = try #require(try FileManager.default.attributesOfItem(atPath: crashed)[.size] as? Int)
        let lastPage = try #require(oggPageStarts(try Data(contentsOf: URL(fileURLWithPath: crashed))).last)
        let handle = try #require(FileHandle(forWritingAtPath: crashed))
        try handle.truncate(atOffset: UInt64(lastPage + (size - lastPage) / 2))
        try handle.close()
        let torn = try RecordingDecoder.decode(FilePath(crashed))
        let inspection = try RecordingRepair.inspect(FilePath(crashed))
        #expect(inspection.trailingBytes > 0)
        #expect(!torn.isComplete)
        #expect(torn.samples.count == inspection.sampleCount)
        #expect(torn.samples.count > 16_000 * 9 / 10 && torn.samples.count <= 16_000)
        #expect(torn.samples == Array(flushed.samples.prefix(torn.samples.count)))
        let reference = try opusdecSamples(crashed, rate: 16000, scratch: scratch)
        #expect(abs(reference.count - torn.samples.count) <= 320)
    }

    @Test func aFileThatIsNotAnOggOpusRecordingIsAClearError() throws {
        let scratch = TemporaryDirectory()
        let wav = scratch.file("tone.wav")
        try WAVFile.write(ramp(1000), sampleRate: .hz8000, to: FilePath(wav))
        let empty = scratch.file("empty.opus")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        for path in [wav, empty] {
            let error = #expect(throws: RecordingError.self) { try RecordingDecoder.decode(FilePath(path)) }
            #expect(error?.isStorageFailure == false)
            #expect(error?.description.contains("\(path) is not a usable Ogg Opus recording") == true)
        }
        let missing = scratch.file("missing.opus")
        let error = #expect(throws: RecordingError.self) { try RecordingDecoder.decode(FilePath(missing)) }
        #expect(error?.isStorageFailure == true)
        #expect(error?.description.contains("cannot read recording \(missing)") == true)
    }

    // MARK: Playback

    @Test func aDecodedRecordingPlaysThroughThePlaybackSink() async throws {
        let scratch = TemporaryDirectory()
        let recording = try Self.record(scratch, rate: .hz16000, tone: .milliseconds(1_010))
        let decoded = try RecordingDecoder.decode(recording.path)
        let blocks = Array(decoded.blocks(of: .milliseconds(20)))
        #expect(blocks.count == 51 && blocks.dropLast().allSatisfy { $0.count == 320 } && blocks.last?.count == 160)

        let out = scratch.file("played.raw")
        let sink = PlaybackSink(
            channel: "north", configuration: PlaybackConfiguration(device: .rawFilePlayback(path: out), sampleRate: decoded.sampleRate),
            logger: LogCapture().logger())
        let report = try await sink.run { output in
            for block in decoded.blocks() { try await output.write(block) }
        }
        #expect(report.samplesPlayed == decoded.samples.count && report.samplesDiscarded == 0)
        #expect(try RawPCM.read(out) == decoded.samples)
    }

    // MARK: WAV export

    @Test(arguments: [(SampleRate.hz8000, 0), (.hz8000, 1), (.hz16000, 12_345), (.hz48000, 48_000)])
    func aWAVExportIsReadBySoxSampleForSample(rate: SampleRate, count: Int) throws {
        let scratch = TemporaryDirectory()
        let samples = ramp(count, from: -20_000).map { $0 &* 3 }  // covers negative and positive values
        let path = scratch.file("export.wav")
        try WAVFile.write(samples, sampleRate: rate, to: FilePath(path))

        #expect(try soxInfo("-c", path) == "1")
        #expect(try soxInfo("-r", path) == "\(rate.rawValue)")
        #expect(try soxInfo("-s", path) == "\(count)")
        #expect(try soxInfo("-b", path) == "16")
        #expect(try soxInfo("-e", path) == "Signed Integer PCM")
        // The canonical 44-byte header, field by field (sox ignores some of them).
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        #expect(bytes.count == 44 + 2 * count)
        func text(_ at: Int) -> String { String(decoding: bytes[at..<at + 4], as: UTF8.self) }
        func le(_ at: Int, _ width: Int) -> Int { (0..<width).reduce(0) { $0 | Int(bytes[at + $1]) << (8 * $1) } }
        #expect([text(0), text(8), text(12), text(36)] == ["RIFF", "WAVE", "fmt ", "data"])
        #expect(le(4, 4) == 36 + 2 * count && le(16, 4) == 16 && le(40, 4) == 2 * count)
        let format: [Int] = [le(20, 2), le(22, 2), le(24, 4), le(28, 4), le(32, 2), le(34, 2)]
        #expect(format == [1, 1, rate.rawValue, 2 * rate.rawValue, 2, 16])  // PCM, mono, rate, bytes/s, align, bits
        let raw = scratch.file("back.raw")
        let (status, output) = try runTool(["sox", path, "-t", "raw", "-e", "signed-integer", "-b", "16", "-L", raw])
        #expect(status == 0, "\(output)")
        #expect(try RawPCM.read(raw) == samples)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["back.raw", "export.wav"])
    }

    @Test func aDecodedRecordingExportsToWAV() throws {
        let scratch = TemporaryDirectory()
        let recording = try Self.record(scratch, rate: .hz16000)
        let decoded = try RecordingDecoder.decode(recording.path)
        let path = scratch.file("north.wav")
        try WAVFile.write(decoded.samples, sampleRate: decoded.sampleRate, to: FilePath(path))
        #expect(try soxInfo("-s", path) == "\(recording.sampleCount)")
        #expect(try soxInfo("-D", path) == "2.345000")
    }

    @Test func anExportReplacesAnExistingFileWhole() throws {
        let scratch = TemporaryDirectory()
        let path = FilePath(scratch.file("export.wav"))
        try WAVFile.write(ramp(5000), sampleRate: .hz8000, to: path)
        try WAVFile.write(ramp(10), sampleRate: .hz16000, to: path)
        #expect(try soxInfo("-s", path.string) == "10")
        #expect(try soxInfo("-r", path.string) == "16000")
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["export.wav"])
    }

    @Test func aWAVIntoAMissingDirectoryIsAClearError() throws {
        let scratch = TemporaryDirectory()
        let path = scratch.file("no-such-directory/export.wav")
        let error = #expect(throws: RecordingError.self) { try WAVFile.write(ramp(100), sampleRate: .hz8000, to: FilePath(path)) }
        #expect(error?.isStorageFailure == true)
        #expect(error?.description.contains("cannot write export \(path)") == true)
        #expect(error?.description.contains("the directory does not exist") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).isEmpty)
    }

    @Test func aFailedExportLeavesNoTemporaryFile() throws {
        let scratch = TemporaryDirectory()
        // A directory where the file should go: everything is written, then the rename fails.
        let path = scratch.file("taken.wav")
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let error = #expect(throws: RecordingError.self) { try WAVFile.write(ramp(100), sampleRate: .hz8000, to: FilePath(path)) }
        #expect(error?.isStorageFailure == true)
        #expect(error?.description.contains("a directory has that name") == true)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path) == ["taken.wav"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: path).isEmpty)
    }
}

/// `sox --i OPTION path`, trimmed.
private func soxInfo(_ option: String, _ path: String) throws -> String {
    let (status, output) = try runTool(["sox", "--i", option, path])
    guard status == 0 else { throw ToolFailure(output: output) }
    return output.trimmingCharacters(in: .whitespacesAndNewlines)
}

/// Where each Ogg page begins, walking the page headers (27 bytes, then the segment table).
private func oggPageStarts(_ bytes: Data) -> [Int] {
    let bytes = [UInt8](bytes)
    var starts: [Int] = []
    var offset = 0
    while offset + 27 <= bytes.count, bytes[offset..<offset + 4].elementsEqual("OggS".utf8) {
        let segments = Int(bytes[offset + 26])
        guard offset + 27 + segments <= bytes.count else { break }
        starts.append(offset)
        offset += 27 + segments + bytes[offset + 27..<offset + 27 + segments].reduce(0) { $0 + Int($1) }
    }
    return starts
}

/// Recomputes the CRC of the Ogg page at `offset` (CRC-32, polynomial 0x04C11DB7, over the
/// page with its checksum field zeroed).
private func setOggChecksum(_ bytes: inout [UInt8], pageAt offset: Int) {
    let segments = Int(bytes[offset + 26])
    let length = 27 + segments + bytes[offset + 27..<offset + 27 + segments].reduce(0) { $0 + Int($1) }
    bytes.replaceSubrange(offset + 22..<offset + 26, with: [0, 0, 0, 0])
    var crc: UInt32 = 0
    for byte in bytes[offset..<offset + length] {
        crc ^= UInt32(byte) << 24
        for _ in 0..<8 { crc = crc & 0x8000_0000 != 0 ? crc << 1 ^ 0x04C1_1DB7 : crc << 1 }
    }
    for index in 0..<4 { bytes[offset + 22 + index] = UInt8(truncatingIfNeeded: crc >> (8 * UInt32(index))) }
}

/// Ratio in dB of `a`'s energy to that of `a − b` over their common length.
private func signalToDifference(_ a: [Int16], _ b: [Int16]) -> Double {
    var signal = 0.0
    var difference = 0.0
    for index in 0..<min(a.count, b.count) {
        signal += Double(a[index]) * Double(a[index])
        difference += (Double(a[index]) - Double(b[index])) * (Double(a[index]) - Double(b[index]))
    }
    return 10 * log10(signal / max(difference, 1))
}
