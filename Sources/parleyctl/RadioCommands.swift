import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ParleyControl
import ParleyCore

struct ChannelsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "channels", abstract: "Show the radio channels and who holds each one's floor.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let reply = try global.connect().call(ChannelsArguments())
        if global.json { return Output.json(reply.body) }
        let channels = try reply.decode(ChannelsResult.self).channels
        guard !channels.isEmpty else {
            print("no radio channels are configured")
            return
        }
        Output.table(
            ["CHANNEL", "NAME", "CAPTURE", "RX", "PTT", "FLOOR", "INCIDENT", "FAULT"],
            channels.map { channel in
                let floor = channel.keyedBy.map { holder in
                    channel.keyPriority.map { "\(holder) (\($0))" } ?? holder
                }
                var fault = channel.fault ?? ""
                if let reason = channel.reason { fault += fault.isEmpty ? reason : ": \(reason)" }
                return [
                    channel.id, channel.name, channel.capture, channel.receiving ? "receiving" : "-", channel.ptt,
                    floor ?? "-", channel.incident ?? "-", fault.isEmpty ? "-" : fault.replacingNewlines(),
                ]
            })
    }
}

struct KeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "key",
        abstract: "Key a channel's transmitter (dispatcher).",
        discussion: """
            Keys until `parleyctl unkey CHANNEL`, the --for time, or the channel's transmit time-out. \
            A refusal (someone else holds the floor, the channel is receiving, …) exits 1 with the reason.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The channel's id (parleyctl channels lists them).")
    var channel: String

    @Option(name: .customLong("for"), help: ArgumentHelp("Unkey by itself after this many seconds (at most 3600).", valueName: "seconds"))
    var seconds: Double?

    @Option(
        help: ArgumentHelp("dispatcher (default), emergency (pre-empts, keys over incoming traffic) or automation.", valueName: "priority"),
        completion: .list(KeyPriority.allCases.map(\.name)), transform: parseKeyPriority)
    var priority: KeyPriority = .dispatcher

    func validate() throws {
        if let seconds, !(seconds > 0 && seconds <= KeyArguments.maxSeconds) {
            throw ValidationError("--for must be more than 0 and at most 3600 seconds")
        }
    }

    func run() throws {
        let reply = try global.connect().call(KeyArguments(channel: channel, seconds: seconds, priority: priority))
        if global.json { Output.json(reply.body) }
        let result = try reply.decode(KeyResult.self)
        guard result.outcome == "keyed" else {
            throw ParleyctlError.declined("key refused on \(result.channel): \(Self.explain(result))")
        }
        if global.json { return }
        var line = "keyed \(result.channel) as \(result.holder ?? "you") (\(result.holderPriority ?? priority.name))"
        if let seconds = result.seconds { line += " for \(RadioOutput.seconds(seconds))" }
        if let preempted = result.preempted { line += ", pre-empting \(preempted)" }
        print(line)
    }

    static func explain(_ result: KeyResult) -> String {
        let holder = result.holder.map { holder in result.holderPriority.map { "\(holder) (\($0))" } ?? holder }
        switch result.reason {
        case "floor_held":
            return "floor_held — \(holder ?? "someone") holds the floor; wait, or key with --priority emergency"
        case "already_holding": return "already_holding — you already hold the floor"
        case "channel_receiving":
            return "channel_receiving — the channel is receiving; wait for it to clear (emergency keys over it)"
        case "channel_down": return "channel_down — the transmitter is down; see parleyctl channels"
        case "no_transmitter": return "no_transmitter — the channel is receive-only"
        case "shutting_down": return "shutting_down — parleyd is stopping"
        case let reason?: return reason + (holder.map { " — held by \($0)" } ?? "")
        case nil: return "no reason given"
        }
    }
}

struct UnkeyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unkey",
        abstract: "Release a channel's transmitter; --force ends whoever holds it (dispatcher).",
        discussion: "Exits 1 when you do not hold the floor (and --force is not given) or nobody does.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The channel's id.")
    var channel: String

    @Flag(help: "End the keying whoever holds it.")
    var force = false

    func run() throws {
        let reply = try global.connect().call(UnkeyArguments(channel: channel, force: force))
        if global.json { Output.json(reply.body) }
        let result = try reply.decode(UnkeyResult.self)
        guard result.outcome == "unkeyed" else {
            let why =
                result.holder.map { "\($0) holds the floor — give --force to end it" } ?? "nobody holds the floor"
            throw ParleyctlError.declined("unkey refused on \(result.channel): \(why)")
        }
        if global.json { return }
        var line = "unkeyed \(result.channel)"
        if let holder = result.holder, force { line += " (was held by \(holder))" }
        if let held = result.heldSeconds { line += " after \(RadioOutput.seconds(held))" }
        print(line)
    }
}

struct AttachCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attach",
        abstract: "Link a channel's transmissions to an open incident, or with --none to none (dispatcher).",
        discussion: "Transmissions that start after this carry the incident; the channel's status shows it.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The channel's id.")
    var channel: String

    @Argument(help: "The incident's reference (PLY-20261123-0001) or id.")
    var incident: String?

    @Flag(help: "Detach the channel from its incident.")
    var none = false

    func validate() throws {
        if none == (incident != nil) {
            throw ValidationError("give an incident, or --none to detach")
        }
    }

    func run() throws {
        let reply = try global.connect().call(ChannelAttachArguments(channel: channel, incident: none ? nil : incident))
        if global.json {
            Output.json(reply.body)
            return
        }
        let result = try reply.decode(AttachResult.self)
        var line = result.incident.map { "\(result.channel) attached to \($0)" } ?? "\(result.channel) detached"
        if let previous = result.previous { line += " (was \(previous))" }
        print(line)
    }
}

struct RecallCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recall",
        abstract: "List a channel's newest recorded transmissions; play or export one (dispatcher).",
        discussion: """
            Without --play or --export, lists the newest transmissions, newest first. --play sends one to \
            the channel's playback device and returns when it has played; --export ID --to FILE has parleyd \
            write it as WAV to FILE (relative to the current directory; parleyd must be able to write there).
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The channel's id (with --play or --export the id alone names the transmission).")
    var channel: String

    @Option(name: [.customShort("n"), .long], help: "How many transmissions to list (1…500, default 10).")
    var limit: Int64?

    @Option(help: ArgumentHelp("Play this transmission to the channel's playback device.", valueName: "id"))
    var play: Int64?

    @Option(help: ArgumentHelp("Write this transmission as WAV (with --to).", valueName: "id"))
    var export: Int64?

    @Option(help: ArgumentHelp("The WAV file --export writes.", valueName: "file"), completion: .file(extensions: ["wav"]))
    var to: String?

    func validate() throws {
        if play != nil, export != nil { throw ValidationError("give --play or --export, not both") }
        if limit != nil, play != nil || export != nil {
            throw ValidationError("-n lists transmissions; it does not go with --play or --export")
        }
        if export != nil, to == nil { throw ValidationError("--export needs --to FILE") }
        if to != nil, export == nil { throw ValidationError("--to goes with --export ID") }
        if let limit, !(1...RecallArguments.maxLimit).contains(limit) { throw ValidationError("-n must be 1…500") }
    }

    func run() throws {
        if let play {
            let reply = try global.connect().call(RecallPlayArguments(id: play))
            return try report(reply)
        }
        if let export, let to {
            let reply = try global.connect().call(RecallExportArguments(id: export, path: try Self.absolute(to)))
            return try report(reply)
        }
        let reply = try global.connect().call(RecallArguments(channel: channel, limit: limit ?? RecallArguments.defaultLimit))
        if global.json { return Output.json(reply.body) }
        let result = try reply.decode(RecallResult.self)
        if result.transmissions.isEmpty { print("no recorded transmissions on \(result.channel)") }
        for transmission in result.transmissions { print(RadioOutput.line(transmission)) }
    }

    private func report(_ reply: ControlReply) throws {
        if global.json { return Output.json(reply.body) }
        let result = try reply.decode(RecallOutputResult.self)
        print("\(result.outcome) #\(result.id) to \(result.target) (\(RadioOutput.seconds(millis: result.durationMS)))")
    }

    /// `file` made absolute against the current directory: parleyd writes it, from its own.
    static func absolute(_ file: String) throws -> String {
        if file.hasPrefix("/") { return file }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else {
            throw ParleyctlError.usage("cannot read the current directory (\(ControlClient.errnoText())) — give --to an absolute path")
        }
        let directory = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let relative = file.hasPrefix("./") ? String(file.dropFirst(2)) : file
        return directory == "/" ? "/" + relative : directory + "/" + relative
    }
}

/// Human-readable radio output.
enum RadioOutput {
    /// `#12 north rx 2026-11-23 21:40:01Z 4.2s peak -6.1 dBFS complete recordings/north/….opus`, with
    /// `by …`, `talker …`, `EMERGENCY` and `incident …` when known.
    static func line(_ transmission: TransmissionResult) -> String {
        var parts = [
            "#\(transmission.id)", transmission.channel, transmission.direction, time(transmission.startedAt),
            transmission.durationMS.map { seconds(millis: $0) } ?? "-",
        ]
        if let peak = transmission.peakDBFS { parts.append("peak \(oneDecimal(peak)) dBFS") }
        parts.append(transmission.status)
        if transmission.emergency { parts.append("EMERGENCY") }
        if let by = transmission.transmittedBy { parts.append("by \(by)") }
        if let talker = transmission.talkerID { parts.append("talker \(talker)") }
        if let incident = transmission.incidentID { parts.append("incident \(incident)") }
        parts.append(transmission.file)
        return parts.joined(separator: " ").replacingNewlines()
    }

    /// `2026-11-23 21:40:01Z`.
    static func time(_ millis: Int64) -> String {
        let iso = Timestamp.iso8601(millis: millis)
        return String(iso.prefix(10)) + " " + String(iso.dropFirst(11).prefix(8)) + "Z"
    }

    /// `4.2s`.
    static func seconds(millis: Int64) -> String { seconds(Double(millis) / 1000) }

    static func seconds(_ value: Double) -> String { oneDecimal(value) + "s" }

    /// `-6.1`, `4.0`: one decimal, rounded half away from zero.
    static func oneDecimal(_ value: Double) -> String {
        guard value.isFinite else { return "\(value)" }
        let tenths = Int64((abs(value) * 10).rounded())
        return (value < 0 && tenths > 0 ? "-" : "") + "\(tenths / 10).\(tenths % 10)"
    }
}

extension ParleyctlError {
    /// 1: the daemon answered, and the answer is no (a refused key or unkey).
    static func declined(_ message: String) -> ParleyctlError {
        ParleyctlError(description: message, exitCode: chainBrokenCode)
    }
}

func parseKeyPriority(_ text: String) throws -> KeyPriority {
    guard let priority = KeyPriority(name: text) else {
        throw ValidationError("unknown priority '\(text)' — use dispatcher, emergency or automation")
    }
    return priority
}
