import ArgumentParser
import Foundation
import ParleyDSP
import Synchronization

/// `parley-bench tty`: character error rate of Parley's Baudot receiver and of minimodem on the
/// same noisy audio, in one run, plus Parley's decode speed.
///
/// For each speed (45.45 and 50 bit/s), each signal-to-noise ratio and each trial: the fixed
/// text is modulated by Parley's `BaudotModulator` at 8000 Hz (1400/1800 Hz; 2 stop bits at
/// 45.45, 1.5 at 50), framed by a second of noise alone before and after, and white Gaussian
/// noise from a seeded `NoiseGenerator` is added so that the tone's power over the noise power
/// across the whole 0–4 kHz band is the SNR. The sum is rounded to 16-bit samples; those same
/// samples are written to a WAV file for minimodem and decoded by `BaudotDemodulator` in
/// process. The character error rate is the Levenshtein distance between the text sent and
/// the text received (substitutions, deletions and insertions — characters made up from noise
/// count too) over the length of the text sent, pooled over the trials.
struct TTYBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tty",
        abstract: "Baudot TTY character error rate in white noise, Parley against minimodem on the same audio, and decode speed.")

    @Option(help: "Signal-to-noise ratios in dB over the whole 0–4 kHz band, comma-separated (write --snr=-14,-8 for negative values).")
    var snr: String = "-14,-12,-10,-8,-6,-3,0,6"

    @Option(help: "Speeds: 45 (45.45 bit/s), 50, or both comma-separated.")
    var rates: String = "45,50"

    @Option(help: "Noise seeds (trials) per speed and SNR.")
    var trials: Int = 5

    @Option(help: "First noise seed; trial seeds follow from it. Use another value to check the figures are not tuned to the defaults.")
    var seed: UInt64 = 1

    @Option(help: "Seconds of noise alone decoded by both receivers to count characters made up from noise.")
    var noiseSeconds: Double = 300

    @Option(help: "Seconds of audio decoded (single thread) to measure Parley's speed.")
    var speedSeconds: Double = 1800

    @Option(help: "minimodem processes run at once.")
    var jobs: Int = 2

    @Option(help: "The minimodem executable.")
    var minimodem: String = "/usr/bin/minimodem"

    @Option(help: "Extra arguments for minimodem's receiver, space-separated (e.g. \"-c 1.0\" for its most permissive squelch).")
    var minimodemOptions: String = ""

    @Flag(help: "Print the results as JSON instead of a table.")
    var json = false

    func run() throws {
        let snrs = try signalToNoiseRatios(snr, example: "-14,-8,0,6")
        let speeds = try rates.split(separator: ",").map { text -> BaudotRate in
            switch text.trimmingCharacters(in: .whitespaces) {
            case "45", "45.45": return .baud45
            case "50": return .baud50
            default: throw ValidationError("--rates takes 45 and/or 50, e.g. 45,50; got \(text)")
            }
        }
        guard !snrs.isEmpty, !speeds.isEmpty, trials > 0, jobs > 0 else {
            throw ValidationError("--snr, --rates, --trials and --jobs must not be empty or zero")
        }
        guard FileManager.default.isExecutableFile(atPath: minimodem) else {
            throw ValidationError("\(minimodem) is not an executable: install minimodem (apt-get install minimodem) or pass --minimodem PATH")
        }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("parley-bench-tty-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let runner = MinimodemRunner(executable: minimodem, extraOptions: minimodemOptions.split(separator: " ").map(String.init), jobs: jobs)
        let load = (try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8))?.trimmingCharacters(in: .newlines) ?? "?"
        if !json {
            print("parley-bench tty: \(TTYBenchText.text.count)-character text, 8000 Hz, 1400/1800 Hz, white noise over 0–4 kHz,")
            print("  \(trials) trials per cell from seed \(seed), 1 s of noise alone before and after each; cpus=\(ProcessInfo.processInfo.activeProcessorCount) loadavg=\(load)")
            print("  minimodem: \(runner.version)\(minimodemOptions.isEmpty ? "" : " with \(minimodemOptions)")")
            print("")
            print("rate     SNR dB   Parley CER   minimodem CER   target")
        }

        var cells: [TTYBenchCell] = []
        for rate in speeds {
            for value in snrs {
                let cell = try measure(rate: rate, snr: value, runner: runner, scratch: scratch)
                cells.append(cell)
                if !json { print(cell.row) }
            }
        }
        let noise = try noiseAlone(runner: runner, scratch: scratch)
        let speed = parleySpeed()
        let cerMet = cells.allSatisfy(\.met)
        let speedMet = speed.cpuTimesRealTime >= 500
        if json {
            let report = TTYBenchReport(
                loadAverage: load, seed: seed, trials: trials, textLength: TTYBenchText.text.count,
                minimodem: runner.version, minimodemOptions: minimodemOptions, cells: cells, noiseAlone: noise, speed: speed,
                minimodemTimesRealTime: runner.timesRealTime, targetMet: cerMet && speedMet)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        } else {
            print("")
            print(String(format: "noise alone, %.0f s: Parley (both speeds at once) %d false characters; minimodem %d at 45.45, %d at 50",
                noise.seconds, noise.parleyCharacters, noise.minimodem45Characters, noise.minimodem50Characters))
            print(String(format: "Parley speed: %.0f s of audio decoded, %.0f × real time per core (thread CPU time), %.0f × wall; minimodem %.0f × real time (CPU of its processes over the audio they decoded)",
                speed.audioSeconds, speed.cpuTimesRealTime, speed.wallTimesRealTime, runner.timesRealTime))
            print("target: CER no higher than minimodem's at every SNR and lower where minimodem's is above zero — \(cerMet ? "met" : "MISSED")")
            print("target: ≥ 500 × real time per core — \(speedMet ? "met" : "MISSED")")
        }
        if !(cerMet && speedMet) {
            FileHandle.standardError.write(Data("parley-bench tty: target missed (see the rows marked MISSED)\n".utf8))
            throw ExitCode(1)
        }
    }

    // MARK: Measurements

    private func measure(rate: BaudotRate, snr: Double, runner: MinimodemRunner, scratch: URL) throws -> TTYBenchCell {
        let reference = Array(TTYBenchText.text)
        var files: [URL] = []
        var parleyErrors = 0
        for trial in 0..<trials {
            let samples = TTYBenchSignal.noisy(rate: rate, snr: snr, seed: trialSeed(rate: rate, snr: snr, trial: trial))
            let file = scratch.appendingPathComponent("\(rate == .baud45 ? 45 : 50)-\(snr)-\(trial).wav")
            try TTYBenchSignal.writeWAV(samples, sampleRate: 8000, to: file)
            files.append(file)
            let text = BaudotDemodulator.text(of: Self.parleyDecode(samples))
            parleyErrors += levenshtein(reference, Array(text))
        }
        defer { for file in files { try? FileManager.default.removeItem(at: file) } }
        let decoded = try runner.decode(files, rate: rate)
        let minimodemErrors = decoded.reduce(0) { $0 + levenshtein(reference, Array($1)) }
        let total = Double(reference.count * trials)
        return TTYBenchCell(rate: rate == .baud45 ? 45.45 : 50, snr: snr, parleyCER: Double(parleyErrors) / total, minimodemCER: Double(minimodemErrors) / total)
    }

    /// Pure noise, in one-minute files, through both receivers (minimodem once per speed,
    /// Parley once, listening for both): every character out is made up.
    private func noiseAlone(runner: MinimodemRunner, scratch: URL) throws -> TTYBenchNoise {
        let minutes = max(1, Int((noiseSeconds / 60).rounded(.up)))
        let perFile = Int(noiseSeconds / Double(minutes) * 8000)
        var files: [URL] = []
        var parley = 0
        defer { for file in files { try? FileManager.default.removeItem(at: file) } }
        for minute in 0..<minutes {
            var noise = NoiseGenerator(seed: seed &* 7919 &+ 0xA11CE &+ UInt64(minute), standardDeviation: TTYBenchSignal.noiseLevel)
            let samples = TTYBenchSignal.int16(noise.samples(perFile))
            let file = scratch.appendingPathComponent("noise-\(minute).wav")
            try TTYBenchSignal.writeWAV(samples, sampleRate: 8000, to: file)
            files.append(file)
            parley += Self.parleyDecode(samples).compactMap(\.character).count
        }
        let at45 = try runner.decode(files, rate: .baud45).reduce(0) { $0 + $1.count }
        let at50 = try runner.decode(files, rate: .baud50).reduce(0) { $0 + $1.count }
        return TTYBenchNoise(seconds: Double(perFile * minutes) / 8000, parleyCharacters: parley, minimodem45Characters: at45, minimodem50Characters: at50)
    }

    /// Decodes `speedSeconds` of noisy audio (both speeds, 0 dB) on this thread.
    private func parleySpeed() -> TTYBenchSpeed {
        let pieces = [BaudotRate.baud45, .baud50].map { TTYBenchSignal.noisy(rate: $0, snr: 0, seed: seed &+ 99) }
        let pieceSeconds = Double(pieces.reduce(0) { $0 + $1.count }) / 8000
        let repetitions = max(1, Int((speedSeconds / pieceSeconds).rounded()))
        var demodulator = BaudotDemodulator(configuration: .init(sampleRate: 8000))
        var characters = 0
        let cpuStart = threadCPUSeconds()
        let wallStart = ContinuousClock.now
        for _ in 0..<repetitions {
            for piece in pieces {
                // 20 ms blocks, as a channel's capture stream delivers them.
                var index = 0
                while index < piece.count {
                    let end = min(index + 160, piece.count)
                    characters += demodulator.process(piece[index..<end]).count
                    index = end
                }
            }
        }
        let cpu = threadCPUSeconds() - cpuStart
        let wall = (ContinuousClock.now - wallStart) / .seconds(1)
        let audio = pieceSeconds * Double(repetitions)
        precondition(characters > 0, "the speed run decoded nothing")
        return TTYBenchSpeed(audioSeconds: audio, cpuSeconds: cpu, cpuTimesRealTime: audio / cpu, wallTimesRealTime: audio / wall)
    }

    /// Parley's receiver on `samples` fed in 20 ms blocks, as a channel's capture stream
    /// delivers them, listening for both speeds.
    static func parleyDecode(_ samples: [Int16]) -> [BaudotDemodulator.Received] {
        var demodulator = BaudotDemodulator(configuration: .init(sampleRate: 8000))
        var frames: [BaudotDemodulator.Received] = []
        var index = 0
        while index < samples.count {
            let end = min(index + 160, samples.count)
            frames += demodulator.process(samples[index..<end])
            index = end
        }
        return frames
    }

    private func trialSeed(rate: BaudotRate, snr: Double, trial: Int) -> UInt64 {
        let snrPart = UInt64(bitPattern: Int64((snr * 100).rounded()))
        return seed &+ UInt64(trial) &* 1_000_003 &+ snrPart &* 7 &+ (rate == .baud45 ? 0 : 0x5000_0000)
    }
}

// MARK: - Signal

/// The text sent in every trial: an emergency TTY call, letters, figures and punctuation that
/// both US TTY receivers can print, on one line (no CR/LF, whose rendering differs).
enum TTYBenchText {
    static let text = """
        HELLO THIS IS 911 WHAT IS YOUR EMERGENCY GA MY HUSBAND FELL DOWN THE STAIRS AT 4:35 AND \
        HE IS NOT BREATHING WELL. WE ARE AT 1207 NORTH OAK ST, APT 3B, SPRINGFIELD. MY PHONE IS \
        555-0142. HE IS 67; HE TAKES 2 PILLS (10 MG) A DAY. THE DOOR CODE IS #4821 & THE GATE IS \
        OPEN! CAN YOU SEND AN AMBULANCE? GA OK HELP IS ON THE WAY, 8 MINUTES. TELL HIM "DO NOT \
        MOVE". IS HE AWAKE? GA YES HE CAN TALK BUT HIS LEFT ARM HURTS. HE OWES NOTHING $0 FOR \
        THE RIDE? GA DO NOT WORRY ABOUT COST. UNLOCK THE DOOR, TURN ON THE PORCH LIGHT AND STAY \
        WITH HIM. I WILL STAY ON THE LINE UNTIL THEY ARRIVE GA THANK YOU 'QUICK' JUMPY VIXENS \
        GA SK
        """
}

enum TTYBenchSignal {
    /// Noise standard deviation (−20 dBFS) up to +10 dB SNR; the tone's amplitude is set from
    /// it for each SNR, so that no SNR clips the 16-bit samples.
    static let noiseLevel = 0.1

    /// The text at `rate` with a second of noise alone on either side, white noise at `snr`
    /// dB below the tone's power over the whole band, as 16-bit samples.
    static func noisy(rate: BaudotRate, snr: Double, seed: UInt64) -> [Int16] {
        // A sine of amplitude A has power A²/2. Above +10 dB the tone stays at 0.45 and the
        // noise is made quieter instead, so that tone plus noise peaks stay below full scale.
        let amplitude = min(0.45, (2 * noiseLevel * noiseLevel * pow(10, snr / 10)).squareRoot())
        var modulator = BaudotModulator(configuration: .init(sampleRate: 8000, rate: rate, amplitude: amplitude))
        let transmission = modulator.modulate(TTYBenchText.text)
        precondition(transmission.unencodable.isEmpty, "the bench text must be sendable in US TTY Baudot")
        let quiet = [Float](repeating: 0, count: 8000)
        let deviation = NoiseGenerator.standardDeviation(signalPower: amplitude * amplitude / 2, snr: snr)
        var noise = NoiseGenerator(seed: seed, standardDeviation: deviation)
        return int16(noise.add(to: quiet + transmission.samples + quiet))
    }

    static func int16(_ samples: [Float]) -> [Int16] {
        samples.map { Int16(max(-32768, min(32767, (Double($0) * 32768).rounded()))) }
    }

    /// 16-bit mono PCM WAV.
    static func writeWAV(_ samples: [Int16], sampleRate: Int, to url: URL) throws {
        var data = Data(capacity: 44 + samples.count * 2)
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        data.append(contentsOf: Array("RIFF".utf8))
        append(UInt32(36 + samples.count * 2))
        data.append(contentsOf: Array("WAVEfmt ".utf8))
        append(UInt32(16))
        append(UInt16(1))  // PCM
        append(UInt16(1))  // mono
        append(UInt32(sampleRate))
        append(UInt32(sampleRate * 2))
        append(UInt16(2))
        append(UInt16(16))
        data.append(contentsOf: Array("data".utf8))
        append(UInt32(samples.count * 2))
        for sample in samples { append(sample) }
        try data.write(to: url)
    }
}

// MARK: - minimodem

/// Runs minimodem's receiver on WAV files, a few processes at a time.
final class MinimodemRunner: Sendable {
    let executable: String
    let extraOptions: [String]
    let jobs: Int
    /// Seconds of audio given to minimodem so far.
    private let audioSeconds = Mutex(0.0)

    init(executable: String, extraOptions: [String], jobs: Int) {
        self.executable = executable
        self.extraOptions = extraOptions
        self.jobs = jobs
    }

    var version: String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--version"]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return "minimodem (version unknown)" }
        let out = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: out, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? "minimodem"
    }

    /// Seconds of audio minimodem decoded per second of its processes' CPU time (user +
    /// system of all finished children: this bench starts no other long-lived child).
    var timesRealTime: Double {
        let cpu = ProcessUsage.now(RUSAGE_CHILDREN).cpuSeconds
        return cpu > 0 ? audioSeconds.withLock { $0 } / cpu : 0
    }

    /// minimodem's receive arguments for each speed (US TTY, 1400/1800 Hz).
    static func arguments(_ rate: BaudotRate) -> [String] {
        switch rate {
        case .baud45: ["tdd"]
        case .baud50: ["--baudot", "-M", "1400", "-S", "1800", "--stopbits", "1.5", "50"]
        }
    }

    /// What minimodem prints for each file, in order.
    func decode(_ files: [URL], rate: BaudotRate) throws -> [String] {
        let state = Mutex((next: 0, results: [Result<String, any Error>](repeating: .success(""), count: files.count)))
        DispatchQueue.concurrentPerform(iterations: min(jobs, files.count)) { _ in
            while true {
                let index = state.withLock { state in
                    defer { state.next += 1 }
                    return state.next
                }
                guard index < files.count else { return }
                let result = Result { try decodeOne(files[index], rate: rate) }
                state.withLock { $0.results[index] = result }
            }
        }
        return try state.withLock { $0.results }.map { try $0.get() }
    }

    private func decodeOne(_ file: URL, rate: BaudotRate) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["--rx", "-q", "-R", "8000", "-f", file.path] + extraOptions + Self.arguments(rate)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw ValidationError("minimodem failed on \(file.path) (status \(process.terminationStatus)): run it by hand to see why")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 44
        audioSeconds.withLock { $0 += Double(size - 44) / 2 / 8000 }
        return String(decoding: data, as: UTF8.self)
    }
}

// MARK: - Results

struct TTYBenchCell: Codable {
    var rate: Double
    var snr: Double
    var parleyCER: Double
    var minimodemCER: Double

    /// No higher than minimodem's, and lower where minimodem's is above zero.
    var met: Bool {
        minimodemCER > 0 ? parleyCER < minimodemCER : parleyCER == 0
    }

    var row: String {
        let name = (rate == 50 ? "50" : "45.45").padding(toLength: 6, withPad: " ", startingAt: 0)
        return String(format: "%@ %7.1f %11.2f %% %13.2f %%   %@", name, snr, parleyCER * 100, minimodemCER * 100, met ? "met" : "MISSED")
    }
}

struct TTYBenchNoise: Codable {
    /// Seconds of noise alone given to each receiver (to minimodem once per speed).
    var seconds: Double
    var parleyCharacters: Int
    var minimodem45Characters: Int
    var minimodem50Characters: Int
}

struct TTYBenchSpeed: Codable {
    var audioSeconds: Double
    var cpuSeconds: Double
    var cpuTimesRealTime: Double
    var wallTimesRealTime: Double
}

struct TTYBenchReport: Codable {
    var loadAverage: String
    var seed: UInt64
    var trials: Int
    var textLength: Int
    var minimodem: String
    var minimodemOptions: String
    var cells: [TTYBenchCell]
    var noiseAlone: TTYBenchNoise
    var speed: TTYBenchSpeed
    var minimodemTimesRealTime: Double
    var targetMet: Bool
}

/// Edit distance (substitutions, insertions, deletions, each 1) between two character arrays.
func levenshtein(_ a: [Character], _ b: [Character]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
        }
        swap(&previous, &current)
    }
    return previous[b.count]
}

/// `--snr`'s comma-separated list of dB values (for the tty and ani benches).
func signalToNoiseRatios(_ text: String, example: String) throws -> [Double] {
    try text.split(separator: ",").map { item -> Double in
        guard let value = Double(item.trimmingCharacters(in: .whitespaces)) else {
            throw ValidationError("--snr must list numbers in dB, e.g. --snr=\(example); got \(item)")
        }
        return value
    }
}
