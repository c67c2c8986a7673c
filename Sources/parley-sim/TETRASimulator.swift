import ArgumentParser
import Foundation
import ParleyDevices

/// The far end of a TETRA PEI, without I/O: a terminal registered on a talkgroup, with other
/// units on the network. It answers the driver's commands as a terminal would (ETSI EN 300
/// 392-5) — OK to set-up commands; `+CTOCP`, `+CTCC` and `+CTXG` after `ATD`; a grant after
/// `AT+CTXD`; `AT+CUTXC` accepted and the call released (`+CTCR`) after its hang time; short
/// data taken with `AT+CMGS` — and plays a script of traffic from other units: group
/// transmissions (`+CTICN`, `+CTXG` with the talker, `+CDTXC`), statuses and texts
/// (`+CTSDSR` and the user data line), and emergencies (an emergency status and an
/// emergency-priority call).
///
/// Time is injected: ``receive(_:at:)`` and ``tick(at:)`` take the time since start.
struct TETRASimulator {
    enum Traffic: Sendable, Equatable {
        case transmission(from: UInt32, seconds: Double)
        case status(from: UInt32, value: UInt16)
        case text(from: UInt32, String)
        /// Status 0 and an emergency-priority transmission.
        case emergency(from: UInt32, seconds: Double)
    }

    struct Settings: Sendable {
        /// The talkgroup.
        var gssi: UInt32
        /// This terminal's own ISSI (the called party of short data).
        var issi: UInt32
        var script: [Traffic]
        /// From the first command the host sends to the first traffic.
        var delay: Duration = .seconds(2)
        /// Between traffic items.
        var gap: Duration = .seconds(3)
        /// Play the script again after this long; nil: once.
        var every: Duration?
        /// How long a group call stays up after its last transmission.
        var hangTime: Duration = .seconds(5)
    }

    private enum Mode: Equatable {
        case command
        /// After `AT+CMGS=<ssi>,<bits>`: collecting the user data until Ctrl-Z.
        case shortData(to: UInt32, bits: Int)
    }

    /// The group call, while up.
    private struct Call {
        var instance: Int
        var hostTransmitting = false
        var talker: UInt32?
        var emergency = false
        /// When it is released if nothing happens.
        var releaseAt: Duration?
    }

    let settings: Settings
    private var mode = Mode.command
    private var line: [UInt8] = []
    private var call: Call?
    private var nextInstance = 1
    private var scriptStart: Duration?
    private var nextItem = 0
    private var nextItemAt: Duration?
    private var talkEndsAt: Duration?
    /// The call priority of the host's last `AT+CTSDC` (its last field), logged when it dials.
    private var setupPriority = "?"
    private var sdsInstance = 0

    init(settings: Settings) {
        self.settings = settings
    }

    // MARK: From the host

    mutating func receive(_ bytes: [UInt8], at now: Duration) -> VoiceModemSimulator.Output {
        var output = VoiceModemSimulator.Output()
        for byte in bytes {
            switch mode {
            case .shortData(let to, let bits):
                if byte == 0x1A {
                    mode = .command
                    let hex = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    line = []
                    sdsInstance = sdsInstance % 255 + 1
                    output.bytes += Array("\r\n+CMGS: \(sdsInstance)\r\n\r\nOK\r\n".utf8)
                    output.log.append("host sent to \(to): \(Self.describe(bits: bits, hex: hex))")
                } else if byte == 0x1B {
                    mode = .command
                    line = []
                } else if byte != 0x0D, byte != 0x0A, line.count < 1024 {
                    line.append(byte)
                }
            case .command:
                if byte == 0x0D {
                    let command = String(decoding: line, as: UTF8.self).trimmingCharacters(in: .whitespaces).uppercased()
                    line = []
                    if !command.isEmpty { output.append(execute(command, at: now)) }
                } else if byte != 0x0A, line.count < 256 {
                    line.append(byte)
                }
            }
        }
        return output
    }

    private mutating func execute(_ command: String, at now: Duration) -> VoiceModemSimulator.Output {
        if scriptStart == nil {
            scriptStart = now
            nextItemAt = now + settings.delay
        }
        let ok = "\r\nOK\r\n"
        if command.hasPrefix("AT+CTSDC=") {
            setupPriority = command.split(separator: ",").last.map(String.init) ?? "?"
            return .init(bytes: Array(ok.utf8))
        }
        if command.hasPrefix("ATD") {
            guard let gssi = UInt32(command.dropFirst(3).trimmingCharacters(in: .whitespaces)) else {
                return .init(bytes: Array("\r\n+CME ERROR: 27\r\n".utf8))
            }
            let instance = call?.instance ?? takeInstance()
            call = Call(instance: instance, hostTransmitting: true)
            talkEndsAt = nil
            return .init(
                bytes: Array((ok + "\r\n+CTOCP: \(instance),0,0,0,0,1,1,1,\(gssi)\r\n\r\n+CTCC: \(instance),1,1,0,0,1,1\r\n"
                    + "\r\n+CTXG: \(instance),0,0,0\r\n").utf8),
                log: ["host set up the group call to \(gssi) (call \(instance), call priority \(setupPriority)) and transmits"])
        }
        if command.hasPrefix("AT+CTXD=") {
            let fields = command.dropFirst(8).split(separator: ",")
            guard let instance = fields.first.flatMap({ Int($0) }), var current = call, current.instance == instance else {
                return .init(bytes: Array("\r\n+CME ERROR: 3\r\n".utf8), log: ["host demanded transmission on a call that is not up"])
            }
            var bytes = ok
            var log = ["host transmits on call \(instance) (priority \(fields.dropFirst().first ?? "?"))"]
            if current.talker != nil {  // the host takes the floor over a unit
                bytes += "\r\n+CDTXC: \(instance),0\r\n"
                log.append("unit \(current.talker!) cut off")
                current.talker = nil
                talkEndsAt = nil
            }
            current.hostTransmitting = true
            current.releaseAt = nil
            call = current
            return .init(bytes: Array((bytes + "\r\n+CTXG: \(instance),0,0,0\r\n").utf8), log: log)
        }
        if command.hasPrefix("AT+CUTXC=") {
            guard let instance = Int(command.dropFirst(9)), var current = call, current.instance == instance else {
                return .init(bytes: Array("\r\n+CME ERROR: 3\r\n".utf8), log: ["host ceased transmitting on a call that is not up"])
            }
            current.hostTransmitting = false
            current.releaseAt = now + settings.hangTime
            call = current
            return .init(bytes: Array(ok.utf8), log: ["host stopped transmitting on call \(instance)"])
        }
        if command.hasPrefix("AT+CMGS=") {
            let fields = command.dropFirst(8).split(separator: ",")
            guard fields.count == 2, let to = UInt32(fields[0]), let bits = Int(fields[1]) else {
                return .init(bytes: Array("\r\n+CME ERROR: 35\r\n".utf8))
            }
            mode = .shortData(to: to, bits: bits)
            return .init()
        }
        return .init(bytes: Array(ok.utf8))
    }

    private mutating func takeInstance() -> Int {
        defer { nextInstance = nextInstance % 999 + 1 }
        return nextInstance
    }

    // MARK: Time

    /// Traffic, transmission ends and call releases due by `now`.
    mutating func tick(at now: Duration) -> VoiceModemSimulator.Output {
        var output = VoiceModemSimulator.Output()
        guard mode == .command else { return output }
        if let end = talkEndsAt, now >= end, var current = call, let talker = current.talker {
            talkEndsAt = nil
            current.talker = nil
            current.releaseAt = now + settings.hangTime
            call = current
            output.bytes += Array("\r\n+CDTXC: \(current.instance),0\r\n".utf8)
            output.log.append("unit \(talker) stopped transmitting")
        }
        if let current = call, let release = current.releaseAt, now >= release {
            call = nil
            output.bytes += Array("\r\n+CTCR: \(current.instance),13\r\n".utf8)
            output.log.append("group call \(current.instance) released (hang time over)")
        }
        if let due = nextItemAt, now >= due, !settings.script.isEmpty, talkEndsAt == nil, !(call?.hostTransmitting ?? false) {
            output.append(play(settings.script[nextItem], at: now))
            nextItem += 1
            if nextItem < settings.script.count {
                nextItemAt = now + settings.gap
            } else {
                nextItem = 0
                nextItemAt = settings.every.map { now + $0 }
            }
        }
        return output
    }

    private mutating func play(_ traffic: Traffic, at now: Duration) -> VoiceModemSimulator.Output {
        switch traffic {
        case .transmission(let from, let seconds):
            return transmit(from: from, seconds: seconds, emergency: false, at: now)
        case .emergency(let from, let seconds):
            var output = shortData(from: from, service: SDSPDU.statusService, octets: [0, 0], log: "emergency status from \(from)")
            output.append(transmit(from: from, seconds: seconds, emergency: true, at: now))
            return output
        case .status(let from, let value):
            return shortData(from: from, service: SDSPDU.statusService, octets: [UInt8(value >> 8), UInt8(value & 0xFF)],
                             log: "status \(value) (0x\(String(value, radix: 16, uppercase: true))) from \(from)")
        case .text(let from, let text):
            let payload = (try? SDSPDU.text(text, reference: UInt8(truncatingIfNeeded: nextItem))) ?? SDSPDU.status(0x8000)
            return shortData(from: from, service: payload.aiService, octets: payload.octets, log: "text from \(from): \(text.debugDescription)")
        }
    }

    /// A unit talks on the group call (set up by it if none is up).
    private mutating func transmit(from: UInt32, seconds: Double, emergency: Bool, at now: Duration) -> VoiceModemSimulator.Output {
        var text = ""
        var current: Call
        if let existing = call, !emergency || existing.emergency {
            current = existing
        } else {
            current = Call(instance: call?.instance ?? takeInstance(), emergency: emergency)
            text += "\r\n+CTICN: \(current.instance),0,0,0,\(from),1,1,0,1,1,0,\(settings.gssi),\(emergency ? 15 : 0)\r\n"
        }
        current.talker = from
        current.releaseAt = nil
        call = current
        talkEndsAt = now + .milliseconds(Int(seconds * 1000))
        text += "\r\n+CTXG: \(current.instance),3,0,0,0,\(from)\r\n"
        return .init(bytes: Array(text.utf8),
                     log: ["unit \(from) transmits for \(seconds) s on call \(current.instance)\(emergency ? " (emergency)" : "")"])
    }

    private func shortData(from: UInt32, service: Int, octets: [UInt8], log: String) -> VoiceModemSimulator.Output {
        let text = "\r\n+CTSDSR: \(service),\(from),0,\(settings.issi),0,\(octets.count * 8)\r\n\(SDSPDU.hex(octets))\r\n"
        return .init(bytes: Array(text.utf8), log: [log])
    }

    /// What the host sent, as far as it decodes (for the log).
    static func describe(bits: Int, hex: String) -> String {
        let service = bits == 16 ? SDSPDU.statusService : SDSPDU.sdsType4Service
        switch try? SDSPDU.decode(aiService: service, bits: bits, hex: hex) {
        case .status(let value)?: return "status \(value)"
        case .text(let text)?: return "text \(text.text.debugDescription)"
        case .report(let report)?: return "delivery report for message \(report.reference)"
        default: return "\(bits) bits: \(hex)"
        }
    }
}

/// `parley-sim tetra`: a TETRA terminal on a pseudo-terminal, with traffic from other units.
struct TETRACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tetra",
        abstract: "Simulate a TETRA terminal's PEI (EN 300 392-5) and other units' traffic on a pseudo-terminal.",
        discussion: """
            Opens a pty and points --link at its slave (a channel's tetra-pei device). Answers the \
            driver's commands as a terminal would: OK to its set-up, +CTCC and +CTXG after ATD, a \
            grant after AT+CTXD, AT+CUTXC accepted and the call released after --hang-time; short \
            data the host sends (AT+CMGS) is printed. Starting --delay seconds after the first \
            command, plays the traffic given with --talker, --status, --text and --emergency, in \
            that order, --gap seconds apart, again every --every seconds if given. Stops on \
            SIGINT/SIGTERM and removes the link.
            """
    )

    @Option(help: ArgumentHelp("Symlink to create to the pty (its directory is created).", valueName: "path"))
    var link: String

    @Option(help: "The talkgroup (GSSI).")
    var gssi: UInt32 = 1001

    @Option(help: "This terminal's own ISSI (the addressee of statuses and texts).")
    var issi: UInt32 = 9999

    @Option(help: ArgumentHelp("A unit that transmits on the talkgroup (repeatable).", valueName: "issi"))
    var talker: [UInt32] = []

    @Option(help: "Seconds each transmission lasts.")
    var talkSeconds: Double = 3

    @Option(help: ArgumentHelp("A status from a unit, ISSI:VALUE (VALUE decimal or 0x hex; repeatable).", valueName: "issi:value"))
    var status: [String] = []

    @Option(help: ArgumentHelp("A text message from a unit, ISSI:TEXT (repeatable).", valueName: "issi:text"))
    var text: [String] = []

    @Option(help: ArgumentHelp("A unit raising an emergency: status 0 and an emergency call (repeatable).", valueName: "issi"))
    var emergency: [UInt32] = []

    @Option(help: "Seconds from the host's first command to the first traffic.")
    var delay: Double = 2

    @Option(help: "Seconds between traffic items.")
    var gap: Double = 3

    @Option(help: "Play the traffic again every this many seconds (default: once).")
    var every: Double?

    @Option(help: "Seconds a group call stays up after its last transmission.")
    var hangTime: Double = 5

    func validate() throws {
        for identity in [gssi, issi] + talker + emergency where identity > TETRAIdentity.maxSSI {
            throw ValidationError("\(identity) is not a TETRA short subscriber identity (at most 16777215)")
        }
        _ = try statuses()
        _ = try texts()
        guard delay >= 0, gap >= 0, talkSeconds > 0, hangTime >= 0, (every ?? 1) > 0 else {
            throw ValidationError("--delay, --gap, --talk-seconds, --hang-time and --every are seconds ≥ 0")
        }
    }

    private func statuses() throws -> [(UInt32, UInt16)] {
        try status.map { item in
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            let value = parts.count == 2
                ? (parts[1].hasPrefix("0x") ? UInt16(parts[1].dropFirst(2), radix: 16) : UInt16(parts[1])) : nil
            guard let from = parts.first.flatMap({ UInt32($0) }), let value else {
                throw ValidationError("--status \(item.debugDescription) is not ISSI:VALUE (e.g. 2001:32770 or 2001:0x8002)")
            }
            return (from, value)
        }
    }

    private func texts() throws -> [(UInt32, String)] {
        try text.map { item in
            let parts = item.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, let from = UInt32(parts[0]), !parts[1].isEmpty else {
                throw ValidationError("--text \(item.debugDescription) is not ISSI:TEXT")
            }
            return (from, parts[1])
        }
    }

    func run() throws {
        var script: [TETRASimulator.Traffic] = talker.map { .transmission(from: $0, seconds: talkSeconds) }
        script += try statuses().map { .status(from: $0.0, value: $0.1) }
        script += try texts().map { .text(from: $0.0, $0.1) }
        script += emergency.map { .emergency(from: $0, seconds: talkSeconds) }
        var simulator = TETRASimulator(settings: .init(
            gssi: gssi, issi: issi, script: script, delay: .seconds(delay), gap: .seconds(gap),
            every: every.map { .seconds($0) }, hangTime: .seconds(hangTime)))
        let label = URL(fileURLWithPath: link).deletingPathExtension().lastPathComponent
        let port = try SimulatedModemPort(link: link)
        defer { port.close() }
        RadioCommand.say("parley-sim: \(label): TETRA terminal (talkgroup \(gssi)) on \(port.slavePath), linked from \(link)")
        port.serve { bytes, now in
            var output = simulator.receive(bytes, at: now)
            output.append(simulator.tick(at: now))
            for line in output.log { RadioCommand.say("parley-sim: \(label): \(line)") }
            return output.bytes
        }
        RadioCommand.say("parley-sim: \(label): stopped")
    }
}
