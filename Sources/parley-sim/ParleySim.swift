import ArgumentParser
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

@main
struct ParleySim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parley-sim",
        abstract: "Plays the far end of Parley's devices, for demos and end-to-end tests without hardware.",
        subcommands: [RadioCommand.self, VoiceModemCommand.self, GSMModemCommand.self, TETRACommand.self]
    )
}

/// `parley-sim radio`: a receiver's audio, and optionally its COR, as files a channel reads.
struct RadioCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "radio",
        abstract: "Simulate radio traffic: raw audio appended in real time, COR as CM108 HID reports.",
        discussion: """
            Appends S16LE mono audio to --audio in real time, one 20 ms block at a time: a low noise \
            floor between transmissions, speech during them (espeak-ng + sox, cached) or tone bursts \
            when those are not installed. A channel reads the file with capture: { raw_file: FILE }. \
            With --cor, a 4-byte CM108 input report is appended to that file when a transmission \
            starts (--cor-bit set) and when it ends (cleared): a stand-in for squelch \
            { type: cm108, hidraw: FILE }. The files are created if missing and never truncated while \
            running (parleyd's read position would break); --fresh empties them once at start. \
            Stops on SIGINT/SIGTERM, or after --seconds of audio.
            """
    )

    @Option(help: ArgumentHelp("Raw audio file to append to (created if missing).", valueName: "file"))
    var audio: String

    @Option(help: ArgumentHelp("CM108 HID report file to append COR reports to (created if missing).", valueName: "file"))
    var cor: String?

    @Option(help: "Bit of report byte 0 set while transmitting (0–7; 1 = VOL_DN, the usual wiring).")
    var corBit: Int = 1

    @Option(help: "Sample rate in Hz: 8000, 16000 or 48000.")
    var rate: Int = 16000

    @Option(help: "Stop after this many seconds of audio (default: run until SIGINT/SIGTERM).")
    var seconds: Double?

    @Option(help: ArgumentHelp("Length of a transmission: MIN-MAX seconds, or one value.", valueName: "min-max"))
    var talkSeconds = SecondsRange(2, 5)

    @Option(help: ArgumentHelp("Pause between transmissions: MIN-MAX seconds, or one value.", valueName: "min-max"))
    var gapSeconds = SecondsRange(4, 10)

    @Option(help: "Seed of the traffic pattern, to replay a run (default: random, printed at start).")
    var seed: UInt64?

    @Flag(help: "Empty the audio and COR files at start (only while no parleyd reads them).")
    var fresh = false

    @Option(help: "Label in the output lines (default: the audio file's name without extension).")
    var name: String?

    @Flag(help: "Tone bursts instead of speech, even when espeak-ng and sox are installed.")
    var tones = false

    @Option(
        name: .customLong("noise-dbfs"), parsing: .unconditional,
        help: "RMS of the noise floor in dBFS (−120 writes digital silence).")
    var noiseDBFS: Double = -70

    @Option(help: ArgumentHelp("Where synthesised speech is cached (default: ~/.cache/parley-sim).", valueName: "dir"))
    var cacheDir: String?

    func validate() throws {
        guard [8000, 16000, 48000].contains(rate) else {
            throw ValidationError("--rate \(rate) is not a rate parleyd captures at; use 8000, 16000 or 48000")
        }
        guard (0...7).contains(corBit) else {
            throw ValidationError("--cor-bit \(corBit) is out of range; use 0…7 (bit of report byte 0; 1 = VOL_DN)")
        }
        if let seconds, !(seconds > 0 && seconds.isFinite) {
            throw ValidationError("--seconds must be a positive number of seconds")
        }
        guard (-120 ... -10).contains(noiseDBFS) else {
            throw ValidationError("--noise-dbfs \(noiseDBFS) is out of range; use −120 (silence) to −10")
        }
    }

    /// Set by SIGINT/SIGTERM (a lock-free store, safe in a signal handler); the writing loop
    /// checks it every block.
    static let stopRequested = Atomic<Bool>(false)

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        for stopSignal in [SIGINT, SIGTERM] {
            signal(stopSignal) { _ in RadioCommand.stopRequested.store(true, ordering: .relaxed) }
        }
        let label = name ?? URL(fileURLWithPath: audio).deletingPathExtension().lastPathComponent
        let seed = self.seed ?? UInt64.random(in: 0...UInt64.max)

        // The files first (a reader may be waiting for them), then the speech, which can take
        // a few seconds to synthesise on the first run.
        let audioFile = try AppendFile(path: audio, truncate: fresh)
        let corFile = try cor.map { try AppendFile(path: $0, truncate: fresh) }
        let corMask = UInt8(1) << UInt8(corBit)
        // Start from a known level: a report left "active" by a killed run would hold the squelch open.
        try corFile?.write(Self.corReport(active: false, mask: corMask))

        var speech: [[Int16]] = []
        var voice = "tone bursts"
        if !tones {
            switch SpeechLibrary.load(sampleRate: rate, cacheDirectory: cacheDir ?? SpeechLibrary.defaultCacheDirectory) {
            case .success(let clips):
                speech = clips
                voice = "speech (espeak-ng)"
            case .failure(let problem):
                Self.say("parley-sim: \(label): no speech, using tone bursts: \(problem)", to: STDERR_FILENO)
            }
        }

        let settings = RadioSimulator.Settings(sampleRate: rate, talk: talkSeconds, gap: gapSeconds, noiseDBFS: noiseDBFS)
        var simulator = RadioSimulator(settings: settings, speech: speech, seed: seed)
        var details = "\(rate) Hz, \(voice), talk \(talkSeconds) s, gap \(gapSeconds) s, seed \(seed)"
        if let cor { details += ", COR \(cor) bit \(corBit)" }
        Self.say("parley-sim: \(label): appending to \(audio) (\(details))")

        let blockLimit = seconds.map { Int(($0 * 50).rounded()) }
        var blocksWritten = 0
        let clock = ContinuousClock()
        try await Self.pace(clock: clock, every: .milliseconds(20)) {
            guard !Self.stopRequested.load(ordering: .relaxed), blocksWritten < (blockLimit ?? .max) else { return false }
            let block = simulator.nextBlock()
            for event in block.events {
                switch event {
                case .started(let number, let duration):
                    try corFile?.write(Self.corReport(active: true, mask: corMask))
                    Self.say("parley-sim: \(label): transmission \(number), \(Self.format(duration)) s")
                case .ended:
                    try corFile?.write(Self.corReport(active: false, mask: corMask))
                }
            }
            try audioFile.write(block.samples)
            blocksWritten += 1
            return true
        }

        if simulator.isTransmitting {
            try corFile?.write(Self.corReport(active: false, mask: corMask))
            Self.say("parley-sim: \(label): transmission \(simulator.transmissionCount) cut short")
        }
        let why = Self.stopRequested.load(ordering: .relaxed) ? "stopped by signal" : "done"
        let written = Self.format(.milliseconds(blocksWritten * 20))
        Self.say("parley-sim: \(label): \(why) after \(written) s of audio, \(simulator.transmissionCount) transmission(s)")
    }

    /// Calls `body` once per `interval` on `clock`'s schedule until it returns false. A body run
    /// late is followed at once by the next (so the audio keeps real time), unless the loop has
    /// fallen half a second behind (a suspended machine): then the schedule starts again from now
    /// rather than writing the backlog in one burst.
    static func pace<C: Clock>(
        clock: C, every interval: Duration, _ body: () throws -> Bool
    ) async throws where C.Duration == Duration {
        var due = clock.now
        while try body() {
            due = due.advanced(by: interval)
            let now = clock.now
            if due.duration(to: now) > .milliseconds(500) { due = now }
            try await clock.sleep(until: due, tolerance: nil)
        }
    }

    /// One line on stdout (or stderr), written at once: print's buffer would hold lines back
    /// from a pipe or file. A reader that went away is not an error.
    static func say(_ line: String, to fd: Int32 = STDOUT_FILENO) {
        let bytes = Array((line + "\n").utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }

    /// A CM108 input report (4 bytes) with the COR bit set or clear.
    static func corReport(active: Bool, mask: UInt8) -> [UInt8] {
        [active ? mask : 0, 0, 0, 0]
    }

    static func format(_ duration: Duration) -> String {
        let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
        return String(format: "%.1f", Double(milliseconds) / 1000)
    }
}

/// A file opened for appending (`O_APPEND`: every write lands at the end, whoever else writes),
/// created if missing. Each write is one `write(2)` where the kernel takes it whole, so a reader
/// sees whole blocks and whole reports.
final class AppendFile {
    let path: String
    private let fd: Int32

    init(path: String, truncate: Bool) throws {
        let flags = O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | (truncate ? O_TRUNC : 0)
        var fd: Int32
        repeat { fd = open(path, flags, 0o644) } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            throw SimulatorError(
                "cannot open \(path) for appending: \(String(cString: strerror(errno))) — check the directory exists and is writable")
        }
        self.path = path
        self.fd = fd
    }

    deinit { close(fd) }

    /// Appends 16-bit samples, little-endian.
    func write(_ samples: [Int16]) throws {
        try write(samples.flatMap { sample -> [UInt8] in
            let value = UInt16(bitPattern: sample)
            return [UInt8(value & 0xff), UInt8(value >> 8)]
        })
    }

    func write(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                throw SimulatorError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }
}

extension SecondsRange: ExpressibleByArgument {
    init?(argument: String) {
        self.init(text: argument)
    }

    var defaultValueDescription: String { description }
}
