import Foundation
import ParleyCore
import ParleyDSP

/// The far end of a radio channel, without I/O: a seeded script of gaps and transmissions
/// turned into 20 ms blocks of 16-bit audio, each with the transmission edges that fall on it.
///
/// Between transmissions the audio is a low noise floor; during one it is speech clips (when
/// speech was synthesised) or syllable-like tone bursts, with the noise floor under it. Edges
/// fall on block boundaries, so the COR report for an edge goes out with the block it starts.
struct RadioSimulator {
    struct Settings: Sendable {
        var sampleRate: Int
        var talk: SecondsRange
        var gap: SecondsRange
        /// RMS of the noise floor in dBFS; −120 or below writes digital silence.
        var noiseDBFS: Double
    }

    enum Event: Sendable, Equatable {
        /// Transmission `number` (from 1) starts with this block and lasts `duration`.
        case started(number: Int, duration: Duration)
        /// Transmission `number` ended with the previous block.
        case ended(number: Int)
    }

    struct Block: Sendable {
        var samples: [Int16]
        /// Edges at the start of this block, in order.
        var events: [Event]
    }

    private enum State {
        case gap(blocksLeft: Int)
        case talking(number: Int, audio: [Int16], position: Int)
    }

    let settings: Settings
    let blockSamples: Int
    private let speech: [[Int16]]
    private var random: SplitMix64
    private var state: State
    private var transmissions = 0
    private let noiseAmplitude: Double

    /// - Parameter speech: clips to build transmissions from; empty for tone bursts.
    init(settings: Settings, speech: [[Int16]], seed: UInt64) {
        self.settings = settings
        self.blockSamples = settings.sampleRate / 50
        self.speech = speech.filter { !$0.isEmpty }
        self.random = SplitMix64(seed: seed)
        // Uniform noise of RMS r spans ±r·√3.
        self.noiseAmplitude = settings.noiseDBFS <= -120 ? 0 : 32768 * pow(10, settings.noiseDBFS / 20) * 3.0.squareRoot()
        self.state = .gap(blocksLeft: 0)
        self.state = .gap(blocksLeft: blocks(in: settings.gap))
    }

    /// Whether the last block returned belonged to a transmission.
    var isTransmitting: Bool {
        if case .talking = state { return true }
        return false
    }

    /// The number of the transmission in progress or last started (0 before the first).
    var transmissionCount: Int { transmissions }

    mutating func nextBlock() -> Block {
        var events: [Event] = []
        if case .talking(let number, let audio, let position) = state, position >= audio.count {
            events.append(.ended(number: number))
            state = .gap(blocksLeft: blocks(in: settings.gap))
        }
        if case .gap(let left) = state, left == 0 {
            transmissions += 1
            let count = blocks(in: settings.talk)
            let audio = talkAudio(samples: count * blockSamples)
            events.append(.started(number: transmissions, duration: .milliseconds(count * 20)))
            state = .talking(number: transmissions, audio: audio, position: 0)
        }
        var samples: [Int16]
        switch state {
        case .gap(let left):
            samples = [Int16](repeating: 0, count: blockSamples)
            state = .gap(blocksLeft: left - 1)
        case .talking(let number, let audio, let position):
            samples = Array(audio[position..<(position + blockSamples)])
            state = .talking(number: number, audio: audio, position: position + blockSamples)
        }
        addNoise(&samples)
        return Block(samples: samples, events: events)
    }

    // MARK: Audio

    /// A random number of whole blocks in `range` (at least one).
    private mutating func blocks(in range: SecondsRange) -> Int {
        let seconds = range.lower + (range.upper - range.lower) * random.nextUnit()
        return max(1, Int((seconds * 50).rounded()))
    }

    private mutating func talkAudio(samples count: Int) -> [Int16] {
        speech.isEmpty ? toneBursts(samples: count) : speechAudio(samples: count)
    }

    /// Random clips one after another with short pauses, cut to `count` samples (the cut faded
    /// out over 10 ms so it does not click).
    private mutating func speechAudio(samples count: Int) -> [Int16] {
        var out: [Int16] = []
        out.reserveCapacity(count + settings.sampleRate)
        while out.count < count {
            if !out.isEmpty {
                out += repeatElement(0, count: samples(seconds: 0.15 + 0.15 * random.nextUnit()))
            }
            out += speech[Int(random.next() % UInt64(speech.count))]
        }
        out.removeLast(out.count - count)
        let fade = min(count, samples(seconds: 0.01))
        for index in 0..<fade {
            let position = count - fade + index
            out[position] = Int16(Double(out[position]) * Double(fade - index) / Double(fade))
        }
        return out
    }

    /// Syllables of a tone pair (a low "voice" and a weaker "formant"), each shaped by a
    /// raised-sine envelope, with short gaps between syllables and longer ones between words —
    /// never long enough to close a VOX.
    private mutating func toneBursts(samples count: Int) -> [Int16] {
        var out: [Int16] = []
        out.reserveCapacity(count + settings.sampleRate)
        let rate = Double(settings.sampleRate)
        var syllablesLeftInWord = 1 + Int(random.next() % 3)
        while out.count < count {
            let length = samples(seconds: 0.12 + 0.18 * random.nextUnit())
            let pitch = 140 + 120 * random.nextUnit()
            let peak = -12 - 6 * random.nextUnit()
            var voice = ToneGenerator(frequency: pitch, peakDBFS: peak - 1, sampleRate: rate)
            var formant = ToneGenerator(frequency: 500 + 1500 * random.nextUnit(), peakDBFS: peak - 8, sampleRate: rate)
            let low = voice.next(length)
            let high = formant.next(length)
            for index in 0..<length {
                let envelope = sin(Double.pi * Double(index) / Double(length))
                let value = Double(low[index] + high[index]) * envelope * envelope * 32767
                out.append(Int16(max(-32768, min(32767, value.rounded()))))
            }
            syllablesLeftInWord -= 1
            let pause: Double
            if syllablesLeftInWord == 0 {
                syllablesLeftInWord = 1 + Int(random.next() % 3)
                pause = 0.15 + 0.15 * random.nextUnit()
            } else {
                pause = 0.03 + 0.05 * random.nextUnit()
            }
            out += repeatElement(0, count: samples(seconds: pause))
        }
        out.removeLast(out.count - count)
        return out
    }

    private mutating func addNoise(_ samples: inout [Int16]) {
        guard noiseAmplitude > 0 else { return }
        for index in samples.indices {
            let noise = noiseAmplitude * (2 * random.nextUnit() - 1)
            samples[index] = Int16(max(-32768, min(32767, (Double(samples[index]) + noise).rounded())))
        }
    }

    private func samples(seconds: Double) -> Int {
        Int((seconds * Double(settings.sampleRate)).rounded())
    }
}

/// `--talk-seconds 2-5`, `--gap-seconds 4-10`: a range of seconds (decimals allowed), or one value.
struct SecondsRange: Sendable, Equatable, CustomStringConvertible {
    var lower: Double
    var upper: Double

    init(_ lower: Double, _ upper: Double) {
        self.lower = lower
        self.upper = upper
    }

    init?(text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count),
              let lower = Double(parts[0]), let upper = Double(parts[parts.count - 1]),
              lower.isFinite, upper.isFinite, lower > 0, upper >= lower
        else { return nil }
        self.init(lower, upper)
    }

    var description: String {
        func format(_ value: Double) -> String {
            value == value.rounded() ? String(Int(value)) : String(value)
        }
        return lower == upper ? format(lower) : "\(format(lower))-\(format(upper))"
    }
}

/// `--seed` replays the same traffic.
extension SplitMix64 {
    /// Uniform in 0..<1.
    mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1p-53
    }
}

/// Speech for transmissions: short control-room phrases synthesised with `espeak-ng`,
/// resampled with `sox` and cached as raw S16LE files (synthesis takes a while; the cache
/// makes later starts immediate).
enum SpeechLibrary {
    static let phrases = [
        "Control from unit two four, on scene",
        "Two four, received, show you on scene at one four three two",
        "Control, one one, en route to the hospital with one on board",
        "Any unit free to attend a suspicious vehicle, north car park",
        "Three seven, no further trace, resuming patrol",
        "Control from four two, can I have a vehicle check please",
    ]

    /// The phrases at `sampleRate`, or the reason speech is unavailable.
    static func load(sampleRate: Int, cacheDirectory: String) -> Result<[[Int16]], SimulatorError> {
        guard let espeak = executable(named: "espeak-ng"), let sox = executable(named: "sox") else {
            return .failure(SimulatorError("espeak-ng and sox are not both installed (apt install espeak-ng sox)"))
        }
        do {
            try FileManager.default.createDirectory(atPath: cacheDirectory, withIntermediateDirectories: true)
            return .success(try phrases.map { phrase in
                let clip = try cachedClip(phrase, sampleRate: sampleRate, directory: cacheDirectory, espeak: espeak, sox: sox)
                return trimmed(clip)
            })
        } catch let error as SimulatorError {
            return .failure(error)
        } catch {
            return .failure(SimulatorError("cannot use the speech cache \(cacheDirectory): \(error.localizedDescription)"))
        }
    }

    /// `$XDG_CACHE_HOME/parley-sim`, else `~/.cache/parley-sim`, else under the temporary directory.
    static var defaultCacheDirectory: String {
        let environment = ProcessInfo.processInfo.environment
        if let cache = environment["XDG_CACHE_HOME"], cache.hasPrefix("/") { return cache + "/parley-sim" }
        if let home = environment["HOME"], home.hasPrefix("/") { return home + "/.cache/parley-sim" }
        return NSTemporaryDirectory() + "parley-sim-\(getuid())"
    }

    private static func cachedClip(
        _ phrase: String, sampleRate: Int, directory: String, espeak: String, sox: String
    ) throws -> [Int16] {
        let path = "\(directory)/espeak-\(sampleRate)-\(fnv1a(phrase)).raw"
        if let data = FileManager.default.contents(atPath: path), !data.isEmpty {
            return samples(data)
        }
        // Temporary names of our own, renamed into place: simulators started together may
        // synthesise the same phrase at once.
        let stem = "\(directory)/.tmp-\(getpid())-\(fnv1a(phrase))"
        defer {
            try? FileManager.default.removeItem(atPath: stem + ".wav")
            try? FileManager.default.removeItem(atPath: stem + ".raw")
        }
        try run(espeak, ["-v", "en", "-s", "150", "-w", stem + ".wav", phrase])
        // Peak-normalised to -3 dBFS, so every phrase is well above a VOX threshold.
        try run(sox, [
            stem + ".wav", "-r", "\(sampleRate)", "-c", "1", "-b", "16", "-e", "signed", "-t", "raw", stem + ".raw",
            "gain", "-n", "-3",
        ])
        guard rename(stem + ".raw", path) == 0 else {
            throw SimulatorError("cannot write \(path): \(String(cString: strerror(errno)))")
        }
        guard let data = FileManager.default.contents(atPath: path), !data.isEmpty else {
            throw SimulatorError("sox wrote no audio for \"\(phrase)\"")
        }
        return samples(data)
    }

    /// Without the leading and trailing near-silence espeak-ng leaves, so that a transmission
    /// starts with speech.
    private static func trimmed(_ clip: [Int16]) -> [Int16] {
        let loud = { (sample: Int16) in abs(Int(sample)) > 300 }
        guard let first = clip.firstIndex(where: loud), let last = clip.lastIndex(where: loud) else { return clip }
        return Array(clip[first...last])
    }

    private static func samples(_ data: Data) -> [Int16] {
        data.withUnsafeBytes { raw in
            (0..<(raw.count / 2)).map { index in
                Int16(littleEndian: raw.loadUnaligned(fromByteOffset: index * 2, as: Int16.self))
            }
        }
    }

    private static func run(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        do {
            try process.run()
        } catch {
            throw SimulatorError("cannot run \(executable): \(error.localizedDescription)")
        }
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            let name = (executable as NSString).lastPathComponent
            let detail = message.trimmingCharacters(in: .whitespacesAndNewlines)
            throw SimulatorError("\(name) failed (status \(process.terminationStatus)): \(detail)")
        }
    }

    private static func executable(named name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// FNV-1a, 64-bit, as hex: a stable cache key (Swift's `hashValue` changes per process).
    private static func fnv1a(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return String(hash, radix: 16)
    }
}

/// Something the simulator cannot do, with what to do about it.
struct SimulatorError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
