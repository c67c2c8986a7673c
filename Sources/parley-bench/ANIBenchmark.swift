import ArgumentParser
import Foundation
import ParleyCore
import ParleyDSP
import Synchronization

/// `parley-bench ani`: DTMF and 5-tone selcall (ZVEI1, CCIR, EEA) detections and false
/// detections of Parley's decoders and of multimon-ng on the same audio, in one run.
///
/// Tone set: for each mode, each signal-to-noise ratio and each trial, a seeded random id —
/// eight DTMF keys (70 ms on, 70 ms off, both tones at −17 dBFS peak), or five selcall digits
/// (repeats sent as the repeat tone, −10.5 dBFS peak) — made by Parley's generators at 8000 Hz
/// with half a second before and after, plus white Gaussian noise from a seeded
/// `NoiseGenerator` at the SNR (the tones' power over the noise power across 0–4 kHz). The sum
/// is rounded to 16-bit samples; those samples are decoded by Parley in process (20 ms blocks)
/// and written to a WAV file that sox resamples to the raw 22050 Hz multimon-ng reads.
/// A detection is a trial whose id is read exactly: for DTMF, all the digits read in the file
/// equal the keys sent; for selcall, one of the ids read is the one sent.
///
/// False-detection set: espeak-ng sentences in several voices (resampled by sox to 8000 Hz),
/// and white noise alone. Every DTMF digit read there is false, and every selcall id. Parley
/// reports only five-tone ids; multimon-ng prints any run of tones, so its lines are read as a
/// gateway would use them: repeat tones resolved, and only five-digit ids kept (also on the
/// tone set).
struct ANIBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ani",
        abstract: "DTMF and 5-tone selcall: detections in noise and false detections on speech and noise, Parley against multimon-ng on the same audio.")

    @Option(help: "Signal-to-noise ratios in dB over the whole 0–4 kHz band, comma-separated (write --snr=-6,0 for negative values).")
    var snr: String = "-6,-3,0,3,6,10,20"

    @Option(help: "Modes: dtmf, zvei1, ccir, eea, comma-separated.")
    var modes: String = "dtmf,zvei1,ccir,eea"

    @Option(help: "Ids (trials) per mode and SNR.")
    var trials: Int = 20

    @Option(help: "First seed; ids and noise follow from it. Use another value to check the figures are not tuned to the defaults.")
    var seed: UInt64 = 1

    @Option(help: "Seconds of white noise alone given to every decoder.")
    var noiseSeconds: Double = 120

    @Option(help: "multimon-ng and sox processes run at once.")
    var jobs: Int = 2

    @Option(help: "The multimon-ng executable.")
    var multimon: String = "/usr/bin/multimon-ng"

    @Option(help: "The sox executable.")
    var sox: String = "/usr/bin/sox"

    @Option(help: "The espeak-ng executable.")
    var espeak: String = "/usr/bin/espeak-ng"

    func run() throws {
        let snrs = try signalToNoiseRatios(snr, example: "-6,0,6")
        let chosen = try modes.split(separator: ",").map { text -> ANIMode in
            guard let mode = ANIMode(rawValue: text.trimmingCharacters(in: .whitespaces).lowercased()) else {
                throw ValidationError("--modes takes dtmf, zvei1, ccir and eea, comma-separated; got \(text)")
            }
            return mode
        }
        guard !snrs.isEmpty, !chosen.isEmpty, trials > 0, jobs > 0 else {
            throw ValidationError("--snr, --modes, --trials and --jobs must not be empty or zero")
        }
        for (tool, package) in [(multimon, "multimon-ng"), (sox, "sox"), (espeak, "espeak-ng")] {
            guard FileManager.default.isExecutableFile(atPath: tool) else {
                throw ValidationError("\(tool) is not an executable: install \(package) (apt-get install \(package))")
            }
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-ani-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let runner = MultimonRunner(multimon: multimon, sox: sox, jobs: jobs)
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.trimmingCharacters(in: .newlines) ?? "?"

        let speech = try ANIBenchSpeech.make(espeak: espeak, sox: sox, scratch: scratch)
        print("parley-bench ani: \(trials) ids per mode and SNR from seed \(seed), 8000 Hz, white noise over 0–4 kHz;")
        print("  DTMF 8 keys at 70 ms on / 70 ms off; selcall 5 digits at the standard's tone length;")
        print(String(format: "  false-detection set: %d espeak-ng clips (%.0f s of speech) and %.0f s of white noise; cpus=%d loadavg=%@",
            speech.files.count, speech.seconds, noiseSeconds, ProcessInfo.processInfo.activeProcessorCount, load))
        print("  multimon-ng: \(runner.version) (raw s16 at 22050 Hz from sox)")
        print("")
        print("mode    SNR dB   Parley read   multimon-ng read   Parley wrong   multimon-ng wrong")

        var rows: [ANIBenchRow] = []
        for mode in chosen {
            for value in snrs {
                let row = try measure(mode: mode, snr: value, runner: runner, scratch: scratch)
                rows.append(row)
                print(row.line(trials: trials))
            }
        }

        print("")
        print("false detections (digits for DTMF, ids for selcall):")
        print("mode    speech: Parley  multimon-ng   noise: Parley  multimon-ng")
        let noise = try noiseFiles(scratch: scratch)
        var falseRows: [ANIBenchFalse] = []
        for mode in chosen {
            let onSpeech = try falseDetections(mode: mode, files: speech.files, runner: runner)
            let onNoise = try falseDetections(mode: mode, files: noise, runner: runner)
            let row = ANIBenchFalse(mode: mode, speechParley: onSpeech.parley, speechMultimon: onSpeech.multimon,
                                    noiseParley: onNoise.parley, noiseMultimon: onNoise.multimon)
            falseRows.append(row)
            print(row.line)
        }

        print("")
        var met = true
        for mode in chosen {
            let read = rows.filter { $0.mode == mode }
            let parley = read.reduce(0) { $0 + $1.parleyRead }, other = read.reduce(0) { $0 + $1.multimonRead }
            let falseRow = falseRows.first { $0.mode == mode }
            let parleyFalse = (falseRow?.speechParley ?? 0) + (falseRow?.noiseParley ?? 0)
            let otherFalse = (falseRow?.speechMultimon ?? 0) + (falseRow?.noiseMultimon ?? 0)
            let ok = parley >= other && parleyFalse <= otherFalse
            met = met && ok
            print("\(mode.name.padding(toLength: 6, withPad: " ", startingAt: 0)): read \(parley) vs \(other) of \(read.count * trials), false \(parleyFalse) vs \(otherFalse) — \(ok ? "met" : "MISSED")")
        }
        print("target: at least multimon-ng's detections and at most its false detections, per mode — \(met ? "met" : "MISSED")")
        if !met {
            FileHandle.standardError.write(Data("parley-bench ani: target missed (see the lines marked MISSED)\n".utf8))
            throw ExitCode(1)
        }
    }

    // MARK: Measurements

    private func measure(mode: ANIMode, snr: Double, runner: MultimonRunner, scratch: URL) throws -> ANIBenchRow {
        var ids: [String] = []
        var files: [URL] = []
        var parleyRead = 0, parleyWrong = 0
        defer { for file in files { try? FileManager.default.removeItem(at: file) } }
        for trial in 0..<trials {
            var random = SplitMix64(seed: trialSeed(mode: mode, snr: snr, trial: trial))
            let id = mode.randomID(&random)
            ids.append(id)
            let samples = ANIBenchSignal.noisy(id: id, mode: mode, snr: snr, seed: random.next())
            let file = scratch.appendingPathComponent("\(mode.rawValue)-\(snr)-\(trial).wav")
            try TTYBenchSignal.writeWAV(samples, sampleRate: 8000, to: file)
            files.append(file)
            let read = mode.parleyRead(samples)
            if mode.isCorrect(read, id) { parleyRead += 1 }
            parleyWrong += mode.wrong(read, id)
        }
        let outputs = try runner.decode(files, demodulator: mode.multimonName)
        var multimonRead = 0, multimonWrong = 0
        for (lines, id) in zip(outputs, ids) {
            let read = mode.multimonRead(lines)
            if mode.isCorrect(read, id) { multimonRead += 1 }
            multimonWrong += mode.wrong(read, id)
        }
        return ANIBenchRow(mode: mode, snr: snr, parleyRead: parleyRead, multimonRead: multimonRead, parleyWrong: parleyWrong, multimonWrong: multimonWrong)
    }

    private func falseDetections(mode: ANIMode, files: [URL], runner: MultimonRunner) throws -> (parley: Int, multimon: Int) {
        var parley = 0
        for file in files {
            let samples = try ANIBenchSignal.readWAV(file)
            parley += mode.parleyRead(samples).count
        }
        let multimon = try runner.decode(files, demodulator: mode.multimonName).reduce(0) { $0 + mode.multimonRead($1).count }
        return (parley, multimon)
    }

    private func noiseFiles(scratch: URL) throws -> [URL] {
        let minutes = max(1, Int((noiseSeconds / 60).rounded(.up)))
        let perFile = Int(noiseSeconds / Double(minutes) * 8000)
        return try (0..<minutes).map { minute in
            var noise = NoiseGenerator(seed: seed &* 7919 &+ 0xA71 &+ UInt64(minute), standardDeviation: 0.1)
            let file = scratch.appendingPathComponent("noise-\(minute).wav")
            try TTYBenchSignal.writeWAV(TTYBenchSignal.int16(noise.samples(perFile)), sampleRate: 8000, to: file)
            return file
        }
    }

    private func trialSeed(mode: ANIMode, snr: Double, trial: Int) -> UInt64 {
        let snrPart = UInt64(bitPattern: Int64((snr * 100).rounded()))
        return seed &+ UInt64(trial) &* 1_000_003 &+ snrPart &* 7 &+ UInt64(mode.index) &* 0x1000_0000
    }
}

// MARK: - Modes

enum ANIMode: String, CaseIterable, Codable {
    case dtmf, zvei1, ccir, eea

    var index: Int { Self.allCases.firstIndex(of: self) ?? 0 }

    var name: String {
        switch self {
        case .dtmf: "DTMF"
        case .zvei1: "ZVEI1"
        case .ccir: "CCIR"
        case .eea: "EEA"
        }
    }

    var multimonName: String { name }

    var standard: SelcallStandard? {
        switch self {
        case .dtmf: nil
        case .zvei1: .zvei1
        case .ccir: .ccir
        case .eea: .eea
        }
    }

    func randomID(_ random: inout SplitMix64) -> String {
        let symbols: [Character] = standard == nil ? DTMF.allKeys : Array("0123456789")
        let count = standard == nil ? 8 : 5
        return String((0..<count).map { _ in symbols[Int(random.next() % UInt64(symbols.count))] })
    }

    /// What Parley reads: for DTMF one string of every digit in the file (empty when none),
    /// for selcall the ids.
    func parleyRead(_ samples: [Int16]) -> [String] {
        if let standard {
            var decoder = SelcallDecoder(configuration: .init(sampleRate: 8000, standard: standard))
            var ids: [String] = []
            var index = 0
            while index < samples.count {
                let end = min(index + 160, samples.count)
                ids += decoder.process(samples[index..<end]).map(\.id)
                index = end
            }
            return ids + decoder.finish().map(\.id)
        }
        var decoder = DTMFDecoder(configuration: .init(sampleRate: 8000))
        var digits = ""
        var index = 0
        while index < samples.count {
            let end = min(index + 160, samples.count)
            digits += String(decoder.process(samples[index..<end]).map(\.digit))
            index = end
        }
        digits += String(decoder.finish().map(\.digit))
        return digits.map { String($0) }
    }

    /// What multimon-ng's lines ("DTMF: 5", "CCIR: 12E45") read, in the same form: DTMF
    /// digits one by one; selcall lines with repeat tones resolved, five-digit ids only.
    func multimonRead(_ lines: [String]) -> [String] {
        if standard == nil { return lines.map { String($0.prefix(1)) } }
        return lines.compactMap { line in
            let id = SelcallStandard.id(fromTones: line)
            return id?.count == 5 ? id : nil
        }
    }

    func isCorrect(_ read: [String], _ id: String) -> Bool {
        standard == nil ? read.joined() == id : read.contains(id)
    }

    /// Ids (selcall) or digits (DTMF) read that were not sent: for DTMF, the digits beyond
    /// those sent and the ones that differ (edit distance less the missing ones).
    func wrong(_ read: [String], _ id: String) -> Int {
        if standard != nil { return read.filter { $0 != id }.count }
        let got = Array(read.joined())
        let distance = levenshtein(Array(id), got)
        let missing = max(0, id.count - got.count)
        return max(0, distance - missing)
    }
}

// MARK: - Signal and speech

enum ANIBenchSignal {
    /// DTMF: each tone 0.14 peak (−17 dBFS), power 0.0196 for the pair. Selcall: 0.3 peak.
    static let dtmfAmplitude = 0.14
    static let selcallAmplitude = 0.3

    static func noisy(id: String, mode: ANIMode, snr: Double, seed: UInt64) -> [Int16] {
        let tones: [Float]
        let power: Double
        if let standard = mode.standard {
            tones = SelcallGenerator(configuration: .init(sampleRate: 8000, standard: standard, amplitude: selcallAmplitude)).samples(for: id)
            power = selcallAmplitude * selcallAmplitude / 2
        } else {
            tones = DTMFGenerator(configuration: .init(
                sampleRate: 8000, toneDuration: .milliseconds(70), pauseDuration: .milliseconds(70),
                rowAmplitude: dtmfAmplitude, columnAmplitude: dtmfAmplitude)).samples(for: id)
            power = dtmfAmplitude * dtmfAmplitude
        }
        let quiet = [Float](repeating: 0, count: 4000)
        var noise = NoiseGenerator(seed: seed, standardDeviation: NoiseGenerator.standardDeviation(signalPower: power, snr: snr))
        return TTYBenchSignal.int16(noise.add(to: quiet + tones + quiet))
    }

    /// Samples of a 16-bit mono WAV with a plain 44-byte header (as `writeWAV` and sox write).
    static func readWAV(_ url: URL) throws -> [Int16] {
        let bytes = [UInt8](try Data(contentsOf: url))
        // Walk the chunks to "data".
        var offset = 12
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16 | Int(bytes[offset + 7]) << 24
            if id == "data" {
                let end = min(bytes.count, offset + 8 + size)
                return stride(from: offset + 8, to: end - 1, by: 2).map { Int16(bitPattern: UInt16(bytes[$0]) | UInt16(bytes[$0 + 1]) << 8) }
            }
            offset += 8 + size + (size & 1)
        }
        throw ValidationError("\(url.path) has no data chunk")
    }
}

/// Control-room speech for the false-detection set, not the sentences the unit tests use.
enum ANIBenchSpeech {
    static let sentences = [
        "Control, this is Tango Four, show us attending the collision on the northbound carriageway.",
        "We have one casualty trapped, request fire and rescue with cutting equipment, over.",
        "Can you run a check on a silver hatchback, index Lima Mike Six Eight, Oscar Papa Quebec.",
        "Units be aware, reports of a male carrying a knife near the railway station, approach with caution.",
        "The caller says smoke is coming from the second floor window and two children are inside.",
        "Roger that, ambulance is eight minutes away, keep pressure on the wound and keep him talking.",
        "Four three two one, confirm you are clear of the incident and available for the next call.",
        "All units, all units, road traffic collision on the ring road, junction nine, lanes one and two blocked.",
        "Received, I have logged that at fourteen twenty seven, the reference is zero nine nine three.",
        "Is the patient breathing normally? Is there any serious bleeding? Stay on the line with me.",
        "Sierra one zero, make your way to the hospital and take a statement from the victim.",
        "Hello? Hello? I can hear you but you are very faint, please say again slowly.",
    ]

    static let voices = ["en-gb", "en-us+f3", "en+m3", "en-gb-scotland+f2"]

    /// Every sentence in every voice, as 8000 Hz WAV files.
    static func make(espeak: String, sox: String, scratch: URL) throws -> (files: [URL], seconds: Double) {
        var files: [URL] = []
        var samples = 0
        for (voiceIndex, voice) in voices.enumerated() {
            for (index, sentence) in sentences.enumerated() {
                let spoken = scratch.appendingPathComponent("speech-\(voiceIndex)-\(index)-22k.wav")
                let file = scratch.appendingPathComponent("speech-\(voiceIndex)-\(index).wav")
                try runTool(espeak, ["-v", voice, "-w", spoken.path, sentence])
                try runTool(sox, [spoken.path, "-r", "8000", "-b", "16", "-c", "1", file.path])
                try? FileManager.default.removeItem(at: spoken)
                samples += try ANIBenchSignal.readWAV(file).count
                files.append(file)
            }
        }
        return (files, Double(samples) / 8000)
    }
}

/// Runs `executable` to completion, its output discarded; throws when it fails.
private func runTool(_ executable: String, _ arguments: [String]) throws {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    process.standardInput = FileHandle.nullDevice
    try process.run()
    process.waitUntilExit()
    guard process.terminationReason == .exit, process.terminationStatus == 0 else {
        throw ValidationError("\(executable) \(arguments.joined(separator: " ")) failed (status \(process.terminationStatus)): run it by hand to see why")
    }
}

// MARK: - multimon-ng

/// Runs sox (to raw signed 16-bit at 22050 Hz) then multimon-ng on WAV files, a few at a time.
final class MultimonRunner: Sendable {
    let multimon: String
    let sox: String
    let jobs: Int

    init(multimon: String, sox: String, jobs: Int) {
        self.multimon = multimon
        self.sox = sox
        self.jobs = jobs
    }

    var version: String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: multimon)
        process.arguments = ["-h"]
        let pipe = Pipe()
        process.standardOutput = FileHandle.nullDevice
        process.standardError = pipe
        guard (try? process.run()) != nil else { return "multimon-ng (version unknown)" }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: out, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "multimon-ng"
    }

    /// The lines multimon-ng prints for each file with `demodulator`, "NAME: " taken off.
    func decode(_ files: [URL], demodulator: String) throws -> [[String]] {
        let state = Mutex((next: 0, results: [Result<[String], any Error>](repeating: .success([]), count: files.count)))
        DispatchQueue.concurrentPerform(iterations: min(jobs, files.count)) { _ in
            while true {
                let index = state.withLock { state in
                    defer { state.next += 1 }
                    return state.next
                }
                guard index < files.count else { return }
                let result = Result { try decodeOne(files[index], demodulator: demodulator) }
                state.withLock { $0.results[index] = result }
            }
        }
        return try state.withLock { $0.results }.map { try $0.get() }
    }

    private func decodeOne(_ file: URL, demodulator: String) throws -> [String] {
        let raw = file.deletingPathExtension().appendingPathExtension("\(demodulator).raw")
        defer { try? FileManager.default.removeItem(at: raw) }
        try runTool(sox, [file.path, "-t", "raw", "-r", "22050", "-e", "signed", "-b", "16", "-c", "1", raw.path])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: multimon)
        process.arguments = ["-q", "-t", "raw", "-a", demodulator, raw.path]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw ValidationError("multimon-ng failed on \(file.path) (status \(process.terminationStatus)): run it by hand to see why")
        }
        let prefix = "\(demodulator): "
        return String(decoding: data, as: UTF8.self).split(separator: "\n")
            .filter { $0.hasPrefix(prefix) }
            .map { String($0.dropFirst(prefix.count)).trimmingCharacters(in: .whitespaces) }
    }
}

// MARK: - Results

struct ANIBenchRow {
    var mode: ANIMode
    var snr: Double
    var parleyRead: Int
    var multimonRead: Int
    var parleyWrong: Int
    var multimonWrong: Int

    func line(trials: Int) -> String {
        String(format: "%@ %7.1f %8d/%-4d %12d/%-4d %12d %18d",
               mode.name.padding(toLength: 6, withPad: " ", startingAt: 0), snr, parleyRead, trials, multimonRead, trials, parleyWrong, multimonWrong)
    }
}

struct ANIBenchFalse {
    var mode: ANIMode
    var speechParley: Int
    var speechMultimon: Int
    var noiseParley: Int
    var noiseMultimon: Int

    var line: String {
        String(format: "%@ %15d %12d %16d %12d", mode.name.padding(toLength: 6, withPad: " ", startingAt: 0), speechParley, speechMultimon, noiseParley, noiseMultimon)
    }
}
