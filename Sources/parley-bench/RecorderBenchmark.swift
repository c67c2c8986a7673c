import ArgumentParser
import COpus
import Foundation
import Logging
import ParleyAudio
import ParleyCore
import ParleyDSP
import SystemPackage

/// `parley-bench recorder`: what one core can record. For each Opus complexity, in one run and
/// on the same speech:
/// - raw libopus: `opus_encode` of 20 ms frames, packets discarded (the floor);
/// - Parley's pipeline: per 20 ms frame the VOX level check and `TransmissionRecorder.append`
///   (pre-roll, level meter, libopus at the channel's rate, libogg pages, write(2) every
///   second, SHA-256), and per transmission file creation, end padding, fsync of file and
///   directory;
/// - libopusenc, the alternative container path (resamples to 48 kHz), writing the same
///   transmissions to files.
/// Costs are the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so other load on the
/// machine inflates them less than wall time; wall time is printed too.
struct RecorderBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recorder",
        abstract: "Ogg Opus recording cost: raw libopus vs Parley's recorder vs libopusenc, per complexity.")

    @Option(help: "Opus complexities to measure, comma-separated.")
    var complexities: String = "0,3,5,8,10"

    @Option(help: "Seconds of audio encoded by each measurement.")
    var seconds: Double = 60

    @Option(help: "Measurements per path and complexity (the median is reported).")
    var repetitions: Int = 3

    @Option(help: "Length of each recorded transmission, seconds.")
    var transmission: Double = 12

    @Option(help: "Raw S16_LE 16 kHz mono speech to use instead of generating it with espeak-ng + sox.")
    var audio: String?

    @Option(help: "Directory for the scratch recordings (default: a temporary directory).")
    var directory: String?

    func run() throws {
        let list = complexities.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !list.isEmpty, list.allSatisfy({ (0...10).contains($0) }) else {
            throw ValidationError("--complexities must list values 0…10, e.g. 0,3,5,8,10")
        }
        let base = directory.map { URL(fileURLWithPath: $0) } ?? FileManager.default.temporaryDirectory
        let scratch = base.appendingPathComponent("parley-bench-recorder-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }

        let (clip, source) = try speech(scratch: scratch)
        let frames = Self.frames(of: clip, totalSeconds: seconds)
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.trimmingCharacters(in: .newlines) ?? "?"
        print("parley-bench recorder: 16 kHz mono, VOIP, 16 kbit/s, 20 ms frames; \(frames.count / 50) s of audio per measurement,")
        print("  \(transmission) s transmissions with 300 ms pre-roll, median of \(repetitions); cpus=\(ProcessInfo.processInfo.activeProcessorCount) loadavg=\(load)")
        print("  audio: \(source) (\(String(format: "%.1f", Double(clip.count) / 16000)) s clip, looped); \(OpusFrameEncoder.libraryVersion)")
        print("  ×RT = seconds of audio encoded per CPU second of one core; channels/core = pipeline ×RT")
        print("")
        print("cplx  raw libopus ×RT  pipeline ×RT  ratio (≤1.15)  channels/core  libopusenc ×RT  opusenc/pipeline  kbit/s  wall ×RT (pipeline)")
        let defaults = OpusSettings()
        for complexity in list {
            var raw: [Cost] = []
            var pipeline: [Cost] = []
            var opusenc: [Cost] = []
            var bitrate = 0.0
            for repetition in 0..<max(repetitions, 1) {
                let (rawCost, bits) = try measureRaw(frames, complexity: complexity)
                raw.append(rawCost)
                bitrate = bits
                pipeline.append(try measurePipeline(frames, complexity: complexity, sync: false, directory: scratch.appendingPathComponent("p\(complexity)-\(repetition)")))
                opusenc.append(try measureOpusenc(frames, complexity: complexity, directory: scratch.appendingPathComponent("o\(complexity)-\(repetition)")))
            }
            let r = Cost.median(raw), p = Cost.median(pipeline), o = Cost.median(opusenc)
            let mark = complexity == defaults.complexity ? "*" : " "
            print(String(
                format: "%2d%@  %15.1f  %12.1f  %13.3f  %13.0f  %14.1f  %16.2f  %6.1f  %9.1f",
                complexity, mark, r.realtime, p.realtime, p.cpu / r.cpu, p.realtime.rounded(.down), o.realtime, o.cpu / p.cpu,
                bitrate / 1000, p.wallRealtime))
        }
        print("(* = the default complexity, OpusSettings.defaultComplexity)")

        let synced = Cost.median(try (0..<max(repetitions, 1)).map { repetition in
            try measurePipeline(frames, complexity: defaults.complexity, sync: true, directory: scratch.appendingPathComponent("s\(repetition)"))
        })
        print(String(
            format: "pipeline at the default with fsync at every 1 s flush (syncOnFlush): %.1f ×RT CPU, %.1f ×RT wall",
            synced.realtime, synced.wallRealtime))
    }

    // MARK: Measurements

    struct Cost {
        var audioSeconds: Double
        var cpu: Double
        var wall: Double
        var realtime: Double { audioSeconds / cpu }
        var wallRealtime: Double { audioSeconds / wall }

        static func median(_ values: [Cost]) -> Cost {
            values.sorted { $0.cpu < $1.cpu }[values.count / 2]
        }
    }

    static func measure(audioSeconds: Double, _ body: () throws -> Void) rethrows -> Cost {
        let cpu = threadCPUSeconds()
        let wall = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - wall
        return Cost(
            audioSeconds: audioSeconds, cpu: threadCPUSeconds() - cpu,
            wall: elapsed.inSeconds)
    }

    /// The transmissions each path encodes: `preRoll` frames of idle audio, then a transmission.
    private func transmissions(_ frames: [[Int16]]) -> [(preRoll: ArraySlice<[Int16]>, live: ArraySlice<[Int16]>)] {
        let preRoll = 15
        let live = max(Int(transmission * 50), 1)
        var result: [(ArraySlice<[Int16]>, ArraySlice<[Int16]>)] = []
        var index = 0
        while index + preRoll < frames.count {
            let end = min(frames.count, index + preRoll + live)
            result.append((frames[index..<index + preRoll], frames[(index + preRoll)..<end]))
            index = end
        }
        return result
    }

    /// Raw libopus: every frame through one `opus_encode`, nothing else. Also returns the
    /// bit rate produced.
    private func measureRaw(_ frames: [[Int16]], complexity: Int) throws -> (Cost, Double) {
        var error: Int32 = 0
        guard let encoder = opus_encoder_create(16_000, 1, OPUS_APPLICATION_VOIP, &error), error == OPUS_OK else {
            throw ValidationError("opus_encoder_create failed: \(error)")
        }
        defer { opus_encoder_destroy(encoder) }
        _ = parley_opus_set_bitrate(encoder, 16_000)
        _ = parley_opus_set_complexity(encoder, Int32(complexity))
        var packet = [UInt8](repeating: 0, count: 1500)
        var bytes = 0
        let cost = Self.measure(audioSeconds: Double(frames.count) / 50) {
            packet.withUnsafeMutableBufferPointer { out in
                for frame in frames {
                    bytes += Int(frame.withUnsafeBufferPointer { opus_encode(encoder, $0.baseAddress!, 320, out.baseAddress!, 1500) })
                }
            }
        }
        return (cost, Double(bytes * 8) / (Double(frames.count) / 50))
    }

    /// Parley's recording path as a channel runs it, one frame at a time.
    private func measurePipeline(_ frames: [[Int16]], complexity: Int, sync: Bool, directory: URL) throws -> Cost {
        var logger = Logger(label: "parley.bench.recorder")
        logger.logLevel = .warning
        let recorder = TransmissionRecorder(
            configuration: .init(
                channel: "bench", sampleRate: .hz16000, directory: FilePath(directory.path),
                opus: OpusSettings(complexity: complexity), syncOnFlush: sync),
            logger: logger)
        var vox = VoxDetector(configuration: .init())
        var encoded = 0
        var opened = Date(timeIntervalSince1970: 1_795_456_471)
        let plan = transmissions(frames)
        var measured = try Self.measure(audioSeconds: 0) {
            for (preRoll, live) in plan {
                for frame in preRoll {
                    _ = vox.process(frame, sampleRate: 16_000)
                    recorder.append(frame)
                }
                try recorder.start(at: opened)
                for frame in live {
                    _ = vox.process(frame, sampleRate: 16_000)
                    recorder.append(frame)
                }
                encoded += try recorder.finish().sampleCount
                opened += 60
            }
        }
        measured.audioSeconds = Double(encoded) / 16_000
        return measured
    }

    /// libopusenc writing the same transmissions (pre-roll included) to files.
    private func measureOpusenc(_ frames: [[Int16]], complexity: Int, directory: URL) throws -> Cost {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let plan = transmissions(frames)
        let comments = ope_comments_create()
        defer { ope_comments_destroy(comments) }
        var encoded = 0
        var measured = try Self.measure(audioSeconds: 0) {
            for (index, (preRoll, live)) in plan.enumerated() {
                var error: Int32 = 0
                let path = directory.appendingPathComponent("t\(index).opus").path
                guard let encoder = ope_encoder_create_file(path, comments, 16_000, 1, 0, &error), error == OPE_OK else {
                    throw ValidationError("ope_encoder_create_file failed: \(error)")
                }
                _ = parley_ope_set_application_voip(encoder)
                _ = parley_ope_set_bitrate(encoder, 16_000)
                _ = parley_ope_set_complexity(encoder, Int32(complexity))
                _ = parley_ope_set_frame_duration_20ms(encoder)
                for frame in preRoll + live {
                    _ = frame.withUnsafeBufferPointer { ope_encoder_write(encoder, $0.baseAddress, 320) }
                    encoded += frame.count
                }
                _ = ope_encoder_drain(encoder)
                ope_encoder_destroy(encoder)
            }
        }
        measured.audioSeconds = Double(encoded) / 16_000
        return measured
    }

    // MARK: Audio

    /// `totalSeconds` of the clip, looped, cut into 20 ms frames as a capture stream delivers them.
    static func frames(of clip: [Int16], totalSeconds: Double) -> [[Int16]] {
        let count = max(Int(totalSeconds * 50), 1)
        var frames: [[Int16]] = []
        frames.reserveCapacity(count)
        var offset = 0
        for _ in 0..<count {
            var frame = [Int16](repeating: 0, count: 320)
            for index in 0..<320 {
                frame[index] = clip[offset]
                offset = (offset + 1) % clip.count
            }
            frames.append(frame)
        }
        return frames
    }

    /// Speech from espeak-ng (resampled to 16 kHz by sox), else a synthetic speech-like signal.
    private func speech(scratch: URL) throws -> ([Int16], String) {
        if let audio {
            let data = try Data(contentsOf: URL(fileURLWithPath: audio))
            let samples = data.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
            guard samples.count >= 16_000 else { throw ValidationError("--audio must hold at least 1 s of 16 kHz S16_LE") }
            return (samples, "file \(audio)")
        }
        let text = """
            Control from bravo two four, we are on scene at the junction of High Street and Church Lane. \
            Two vehicles involved, one person trapped, requesting fire and ambulance, over. \
            Bravo two four from control, received, fire and ambulance are on their way, estimated eight minutes. \
            Can you confirm the registration of the second vehicle, over. \
            Control, that is Lima Mike one nine, X-ray Yankee Zulu, silver hatchback, over. \
            Received, no markers on that vehicle, units to remain on scene, control out.
            """
        let wav = scratch.appendingPathComponent("speech.wav").path
        let raw = scratch.appendingPathComponent("speech.raw").path
        if Self.runQuietly(["espeak-ng", "-v", "en-gb", "-s", "165", "-w", wav, text]),
            Self.runQuietly(["sox", wav, "-r", "16000", "-c", "1", "-b", "16", "-e", "signed-integer", "-t", "raw", raw, "norm", "-3"]),
            let data = try? Data(contentsOf: URL(fileURLWithPath: raw)), data.count > 32_000
        {
            return (data.withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }, "espeak-ng (en-gb, 165 wpm) + sox → 16 kHz, normalised to −3 dBFS")
        }
        return (Self.syntheticSpeech(seconds: 20), "synthetic speech-like signal (espeak-ng/sox unavailable): voiced harmonics, 4 Hz syllables, pauses")
    }

    private static func runQuietly(_ arguments: [String]) -> Bool {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Harmonics of a wandering 100–160 Hz pitch, shaped into 4 Hz syllables with a pause every
    /// few seconds, plus a little noise: close enough to speech for an encoder's cost.
    static func syntheticSpeech(seconds: Double) -> [Int16] {
        let rate = 16_000.0
        let count = Int(seconds * rate)
        var phase = 0.0
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { index in
            let time = Double(index) / rate
            let pitch = 130 + 30 * sin(2 * .pi * 0.7 * time)
            phase += 2 * .pi * pitch / rate
            var voiced = 0.0
            for harmonic in 1...20 {
                let frequency = pitch * Double(harmonic)
                let formant = exp(-pow((frequency - 700) / 300, 2)) + 0.6 * exp(-pow((frequency - 1500) / 400, 2)) + 0.05
                voiced += formant * sin(Double(harmonic) * phase) / Double(harmonic).squareRoot()
            }
            let syllable = pow(sin(.pi * 4 * time), 2)
            let talking = time.truncatingRemainder(dividingBy: 4) < 3.2 ? 1.0 : 0.0
            let noise = Double.random(in: -1...1, using: &generator) * 0.02
            return Int16(max(-32767, min(32767, (0.25 * voiced * syllable * talking + noise) * 32767)))
        }
    }
}
