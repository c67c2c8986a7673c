import ArgumentParser
import Foundation
import ParleyDSP
import ParleyDevices
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The far end of a voice line, without I/O: an ITU-T V.253 voice modem with a caller on the
/// other side. It answers the driver's commands, rings (caller ID, then `RING` every 3 s) until
/// `ATA`, streams the caller's audio (silence, optionally TTY text as Baudot tones, silence) in
/// real time while `AT+VRX` runs, swallows what the host plays after `AT+VTX`, and can clear the
/// call from the far end (`<DLE>b`, busy tone).
///
/// Time is injected: ``receive(_:at:)`` and ``tick(at:)`` take the time since start, and the
/// audio due by then comes out of ``tick(at:)`` (8000 bytes a second).
struct VoiceModemSimulator {
    struct Settings: Sendable {
        /// Rings per call before the caller gives up; nil rings until answered.
        var rings: Int?
        /// `NMBR` value: digits, `P` (withheld) or `O` (unavailable).
        var number: String
        var name: String?
        /// Text the caller types on a textphone once the call is answered.
        var ttyText: String?
        var ttyRate: BaudotRate = .baud45
        /// Text the caller types on a V.21 textphone (channel 1, the calling side) after any TTY text.
        var v21Text: String?
        /// Delay from the end of initialisation (and from each call's end) to the first ring.
        var firstCallAfter: Duration = .seconds(2)
        /// Another call this long after each call ends (or is abandoned); nil: one call only.
        var repeatEvery: Duration?
        /// The caller clears (busy tone) this long after answer; nil: waits for the host.
        var hangUpAfter: Duration?
        /// Line noise (unprintable bytes, as a wrong baud rate or a bad cable gives) before
        /// each call's caller ID.
        var lineNoise = false
    }

    /// What the simulator wants written to the host, and said on its own output.
    struct Output: Sendable, Equatable {
        var bytes: [UInt8] = []
        var log: [String] = []

        mutating func append(_ other: Output) {
            bytes += other.bytes
            log += other.log
        }
    }

    static let sampleRate = 8000
    static let dle: UInt8 = 0x10
    static let etx: UInt8 = 0x03
    static let can: UInt8 = 0x18

    private enum Phase: Equatable {
        /// On hook; `nextRingAt` is the next ring of a call (nil: no call coming).
        case onHook
        /// Off hook, command mode.
        case command
        /// `AT+VRX` running: audio flows to the host.
        case receiving(startedAt: Duration, sentBytes: Int)
        /// `AT+VTX` running: audio flows from the host.
        case transmitting
    }

    let settings: Settings
    /// The caller's audio for one call, unsigned 8-bit: a second of silence, then the TTY text,
    /// then the V.21 text.
    let callAudio: [UInt8]
    private var phase = Phase.onHook
    private var initialised = false
    private var nextRingAt: Duration?
    private var ringsSent = 0
    private var callNumber = 0
    private var answeredAt: Duration?
    private var farEndCleared = false
    private var audioPosition = 0
    private var commandLine: [UInt8] = []
    private var afterDLE = false
    private var transmitted: [UInt8] = []

    init(settings: Settings) {
        self.settings = settings
        var audio = [UInt8](repeating: 128, count: Self.sampleRate)
        if let text = settings.ttyText {
            var modulator = BaudotModulator(
                configuration: .init(sampleRate: Double(Self.sampleRate), rate: settings.ttyRate))
            audio += modulator.modulate(text).samples.map(Self.unsignedByte)
        }
        if let text = settings.v21Text {
            var modulator = V21Modulator(configuration: .init(sampleRate: Double(Self.sampleRate), channel: .channel1))
            audio += modulator.modulate(text).samples.map(Self.unsignedByte)
        }
        callAudio = audio
    }

    /// What a voice modem at the wrong speed, or on a noisy cable, might send: unprintable bytes
    /// ending in a line end.
    static let lineNoise: [UInt8] = [0x0D, 0x0A, 0xFF, 0xFE, 0x80, 0x13, 0x7F, 0xC3, 0x91, 0x0D, 0x0A]

    /// A sample (full scale 1.0) as unsigned 8-bit linear PCM.
    static func unsignedByte(_ sample: Float) -> UInt8 {
        UInt8(clamping: Int(sample * 127) + 128)
    }

    var isOnHook: Bool { phase == .onHook }

    // MARK: From the host

    mutating func receive(_ bytes: [UInt8], at now: Duration) -> Output {
        var output = Output()
        for byte in bytes {
            output.append(receive(byte, at: now))
        }
        return output
    }

    private mutating func receive(_ byte: UInt8, at now: Duration) -> Output {
        switch phase {
        case .receiving:
            // Only shielded codes mean anything from the host during receive.
            if afterDLE {
                afterDLE = false
                if byte == UInt8(ascii: "!") {
                    phase = .command
                    return Output(bytes: [Self.dle, Self.etx] + Array("\r\nOK\r\n".utf8))
                }
            } else if byte == Self.dle {
                afterDLE = true
            }
            return Output()
        case .transmitting:
            if afterDLE {
                afterDLE = false
                switch byte {
                case Self.dle: transmitted.append(Self.dle)
                case Self.can: transmitted = []
                case Self.etx:
                    phase = .command
                    var output = Output(bytes: Array("\r\nOK\r\n".utf8))
                    output.log.append(describeTransmission())
                    transmitted = []
                    return output
                default: break
                }
            } else if byte == Self.dle {
                afterDLE = true
            } else {
                transmitted.append(byte)
            }
            return Output()
        case .onHook, .command:
            if byte == 0x0D {
                let command = String(decoding: commandLine, as: UTF8.self).trimmingCharacters(in: .whitespaces).uppercased()
                commandLine = []
                return command.isEmpty ? Output() : execute(command, at: now)
            }
            if byte != 0x0A, commandLine.count < 256 { commandLine.append(byte) }
            return Output()
        }
    }

    private mutating func execute(_ command: String, at now: Duration) -> Output {
        let ok = Array("\r\nOK\r\n".utf8)
        switch command {
        case "ATA":
            guard phase == .onHook, ringsSent > 0 else { return Output(bytes: Array("\r\nERROR\r\n".utf8)) }
            phase = .command
            answeredAt = now
            farEndCleared = false
            audioPosition = 0
            nextRingAt = nil
            return Output(bytes: Array("\r\nVCON\r\n".utf8), log: ["call \(callNumber) answered"])
        case "AT+VRX":
            guard phase == .command else { return Output(bytes: Array("\r\nERROR\r\n".utf8)) }
            phase = .receiving(startedAt: now, sentBytes: 0)
            afterDLE = false
            return Output(bytes: Array("\r\nCONNECT\r\n".utf8))
        case "AT+VTX":
            guard phase == .command else { return Output(bytes: Array("\r\nERROR\r\n".utf8)) }
            phase = .transmitting
            afterDLE = false
            transmitted = []
            return Output(bytes: Array("\r\nCONNECT\r\n".utf8))
        case "ATH", "ATH0":
            let wasOffHook = phase != .onHook
            endCall(at: now)
            return Output(bytes: ok, log: wasOffHook ? ["call \(callNumber) hung up by the host"] : [])
        case "ATZ":
            endCall(at: now)
            return Output(bytes: ok)
        case _ where command.hasPrefix("ATD!"):
            let number = command.dropFirst(4)
            return Output(bytes: ok, log: ["call \(callNumber) transferred to \(number)"])
        case _ where command.hasPrefix("AT+VSM="):
            if !initialised {
                initialised = true
                nextRingAt = now + settings.firstCallAfter
            }
            return Output(bytes: ok, log: ["host initialised the modem"])
        default:
            return Output(bytes: ok)
        }
    }

    private mutating func endCall(at now: Duration) {
        let hadCall = phase != .onHook
        phase = .onHook
        answeredAt = nil
        ringsSent = 0
        if hadCall, let repeatEvery = settings.repeatEvery { nextRingAt = now + repeatEvery }
    }

    private func describeTransmission() -> String {
        let samples = transmitted.map { Float(Int($0) - 128) / 128 }
        var demodulator = BaudotDemodulator(configuration: .init(sampleRate: Double(Self.sampleRate)))
        let text = BaudotDemodulator.text(of: demodulator.process(samples))
        // The answering side sends V.21 on channel 2.
        var v21 = V21Demodulator(configuration: .init(sampleRate: Double(Self.sampleRate), channels: [.channel2]))
        let v21Text = V21Demodulator.text(of: v21.process(samples))
        let seconds = String(format: "%.1f", Double(transmitted.count) / Double(Self.sampleRate))
        return "call \(callNumber): host played \(seconds) s" + (text.isEmpty ? "" : " of TTY: \(text.debugDescription)")
            + (v21Text.isEmpty ? "" : " of V.21: \(v21Text.debugDescription)")
    }

    // MARK: Time

    /// Rings due by `now`, and the receive audio due by `now` (shielded).
    mutating func tick(at now: Duration) -> Output {
        var output = Output()
        if phase == .onHook, let due = nextRingAt, now >= due {
            output.append(ring(at: now))
        }
        if case .receiving(let startedAt, let sent) = phase {
            if let answeredAt, let after = settings.hangUpAfter, !farEndCleared, now - answeredAt >= after {
                farEndCleared = true
                output.bytes += [Self.dle, UInt8(ascii: "b")]
                output.log.append("call \(callNumber): caller hung up (busy tone)")
            }
            let elapsed = now - startedAt
            let due = Int(elapsed.components.seconds) * Self.sampleRate
                + Int(elapsed.components.attoseconds / (1_000_000_000_000_000_000 / Int64(Self.sampleRate)))
            if due > sent {
                var chunk: [UInt8] = []
                chunk.reserveCapacity(due - sent)
                for _ in sent..<due {
                    chunk.append(audioPosition < callAudio.count ? callAudio[audioPosition] : 128)
                    audioPosition += 1
                }
                output.bytes += VoiceModemShielding.encode(chunk)
                phase = .receiving(startedAt: startedAt, sentBytes: due)
            }
        }
        return output
    }

    private mutating func ring(at now: Duration) -> Output {
        var output = Output()
        if ringsSent == 0 {
            callNumber += 1
            if settings.lineNoise {
                output.bytes += Self.lineNoise
                output.log.append("call \(callNumber): \(Self.lineNoise.count) bytes of line noise sent")
            }
            // UK style: caller ID before the first ring.
            var lines = ["DATE = 0101", "TIME = 1200", "NMBR = \(settings.number)"]
            if let name = settings.name { lines.append("NAME = \(name)") }
            output.bytes += Array(("\r\n" + lines.joined(separator: "\r\n") + "\r\n").utf8)
            output.log.append("call \(callNumber) ringing from \(settings.number)")
        }
        if let rings = settings.rings, ringsSent >= rings {
            output.log.append("call \(callNumber) not answered after \(rings) rings; the caller gave up")
            ringsSent = 0
            nextRingAt = settings.repeatEvery.map { now + $0 }
            return output
        }
        ringsSent += 1
        output.bytes += Array("\r\nRING\r\n".utf8)
        nextRingAt = now + .seconds(3)
        return output
    }
}

/// `parley-sim voice-modem`: a voice modem with a caller, on a pseudo-terminal.
struct VoiceModemCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "voice-modem",
        abstract: "Simulate a V.253 voice modem and its callers on a pseudo-terminal.",
        discussion: """
            Opens a pty and points --link at its slave (a voice line's modem.device). Answers the \
            driver's set-up, then rings with caller ID until answered (ATA → VCON); AT+VRX streams \
            the caller's audio in real time (8-bit unsigned, 8 kHz, DLE-shielded): a second of \
            silence, the --tty text as Baudot tones, the --v21 text as V.21 tones (channel 1), then \
            silence. What the host plays (AT+VTX) is decoded as TTY and as V.21 (channel 2) and printed. Stops on SIGINT/SIGTERM and removes the link.
            """
    )

    @Option(help: ArgumentHelp("Symlink to create to the pty (its directory is created).", valueName: "path"))
    var link: String

    @Option(help: "Rings per call before the caller gives up (default: ring until answered).")
    var rings: Int?

    @Option(help: ArgumentHelp("The caller's number (caller ID NMBR).", valueName: "number"))
    var cli: String?

    @Flag(help: "The caller withholds their number (NMBR = P).")
    var withheld = false

    @Option(help: "The caller's name (caller ID NAME).")
    var name: String?

    @Option(help: ArgumentHelp("Text the caller types on a textphone once answered.", valueName: "text"))
    var tty: String?

    @Option(help: ArgumentHelp("Text the caller types on a V.21 textphone once answered (after any --tty text).", valueName: "text"))
    var v21: String?

    @Option(help: "TTY speed: 45 (45.45 baud, US TTY) or 50.")
    var ttyRate: Int = 45

    @Option(help: "Seconds from the modem's set-up to the first ring.")
    var delay: Double = 2

    @Option(help: "Ring again this many seconds after each call ends (default: one call).")
    var repeatEvery: Double?

    @Option(help: "The caller hangs up (busy tone) this many seconds after answer.")
    var hangUpAfter: Double?

    @Flag(help: "Send line noise (unprintable bytes) before each call's caller ID, as a modem at the wrong speed would.")
    var lineNoise = false

    func validate() throws {
        guard ttyRate == 45 || ttyRate == 50 else { throw ValidationError("--tty-rate must be 45 or 50") }
        if cli != nil && withheld { throw ValidationError("give --cli or --withheld, not both") }
        for (flag, value) in [("--delay", delay), ("--repeat-every", repeatEvery ?? 1), ("--hang-up-after", hangUpAfter ?? 1)] {
            guard value >= 0, value.isFinite else { throw ValidationError("\(flag) must be a number of seconds ≥ 0") }
        }
        if let rings, rings < 1 { throw ValidationError("--rings must be at least 1") }
    }

    func run() throws {
        let settings = VoiceModemSimulator.Settings(
            rings: rings, number: withheld ? "P" : (cli ?? "O"), name: name, ttyText: tty,
            ttyRate: ttyRate == 50 ? .baud50 : .baud45, v21Text: v21, firstCallAfter: .seconds(delay),
            repeatEvery: repeatEvery.map { .seconds($0) }, hangUpAfter: hangUpAfter.map { .seconds($0) }, lineNoise: lineNoise)
        var simulator = VoiceModemSimulator(settings: settings)
        let label = URL(fileURLWithPath: link).deletingPathExtension().lastPathComponent
        let port = try SimulatedModemPort(link: link)
        defer { port.close() }
        RadioCommand.say("parley-sim: \(label): voice modem on \(port.slavePath), linked from \(link)")
        port.serve { bytes, now in
            var output = simulator.receive(bytes, at: now)
            output.append(simulator.tick(at: now))
            for line in output.log { RadioCommand.say("parley-sim: \(label): \(line)") }
            return output.bytes
        }
        RadioCommand.say("parley-sim: \(label): stopped")
    }
}

/// A pty whose slave a symlink points at, served until SIGINT/SIGTERM: the simulator is called
/// with what the host wrote (possibly nothing) every 20 ms and returns what to write back.
///
/// The simulator keeps the slave open itself, in raw mode: reads on the master do not fail while
/// the host has it closed, and nothing is echoed before the host sets the line up.
final class SimulatedModemPort {
    let link: String
    let pty: PseudoTerminal
    private let slave: Int32
    var slavePath: String { pty.slavePath }

    static let stopRequested = Atomic<Bool>(false)

    init(link: String) throws {
        do {
            pty = try PseudoTerminal()
        } catch {
            throw SimulatorError("cannot open a pseudo-terminal: \(error) — is /dev/pts mounted?")
        }
        self.link = link
        slave = open(pty.slavePath, O_RDWR | O_NOCTTY | O_CLOEXEC)
        guard slave >= 0 else { throw SimulatorError("cannot open \(pty.slavePath): \(String(cString: strerror(errno)))") }
        var settings = termios()
        tcgetattr(slave, &settings)
        cfmakeraw(&settings)
        tcsetattr(slave, TCSANOW, &settings)
        let directory = (link as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        unlink(link)  // A link left by a killed run.
        guard symlink(pty.slavePath, link) == 0 else {
            throw SimulatorError("cannot link \(link) to \(pty.slavePath): \(String(cString: strerror(errno))) — check the directory is writable")
        }
        // Non-blocking, so a host that stops reading cannot wedge the simulator (see write).
        let master = pty.master.rawValue
        _ = fcntl(master, F_SETFL, fcntl(master, F_GETFL) | O_NONBLOCK)
        signal(SIGPIPE, SIG_IGN)
        for stopSignal in [SIGINT, SIGTERM] {
            signal(stopSignal) { _ in SimulatedModemPort.stopRequested.store(true, ordering: .relaxed) }
        }
    }

    func close() {
        unlink(link)
        Glibc.close(slave)
        pty.close()
    }

    /// Runs until a stop signal. `step` gets the bytes read and the time since start.
    func serve(_ step: ([UInt8], Duration) -> [UInt8]) {
        let master = pty.master.rawValue
        let start = ContinuousClock.now
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !Self.stopRequested.load(ordering: .relaxed) {
            var entry = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            var input: [UInt8] = []
            if poll(&entry, 1, 20) > 0 {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(master, $0.baseAddress, $0.count) }
                if count > 0 { input = Array(buffer[..<count]) }
            }
            let output = step(input, ContinuousClock.now - start)
            write(output, to: master)
        }
    }

    /// Writes all of `bytes`, waiting up to a second for room; after that the rest is dropped
    /// (the host is not reading: a line with nobody listening loses its audio, as a real one would).
    private func write(_ bytes: [UInt8], to fd: Int32) {
        var offset = 0
        var waits = 0
        while offset < bytes.count, !Self.stopRequested.load(ordering: .relaxed), waits < 200 {
            let written = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if written < 0 {
                guard errno == EINTR || errno == EAGAIN else { return }
                waits += 1
                usleep(5_000)
                continue
            }
            offset += written
        }
    }
}
