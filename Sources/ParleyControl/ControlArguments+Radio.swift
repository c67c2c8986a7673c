import ParleyCore

// Arguments of the radio commands: `channels`, `channels.attach`, `key`, `unkey`, `recall`,
// `recall.play`, `recall.export`. Results are in ControlResults+Radio.swift.

public enum ChannelsCommand: ControlCommandTag { public static var command: ControlCommand { .channels } }

public typealias ChannelsArguments = NoArguments<ChannelsCommand>

public struct KeyArguments: ControlCommandArguments {
    public static var command: ControlCommand { .key }
    /// The longest `seconds` accepted: an hour.
    public static let maxSeconds: Double = 3600

    /// The channel's id (`north`).
    public var channel: String
    /// How long the keying lasts before it ends by itself; nil keys until `unkey` (or the
    /// channel's transmit time-out).
    public var seconds: Double?
    public var priority: KeyPriority

    public init(channel: String, seconds: Double? = nil, priority: KeyPriority = .dispatcher) {
        self.channel = channel
        self.seconds = seconds
        self.priority = priority
    }

    public init(from reader: inout ControlArgumentReader) throws {
        channel = try reader.requiredChannel("channel")
        seconds = try reader.seconds("seconds", atMost: Self.maxSeconds)
        priority = try reader.keyPriority("priority") ?? .dispatcher
    }

    /// `seconds` as a duration.
    public var duration: Duration? { seconds.map { .seconds($0) } }

    public var json: [String: JSONValue] {
        var out: [String: JSONValue] = ["channel": .string(channel), "priority": .string(priority.name)]
        if let seconds { out["seconds"] = .double(seconds) }
        return out
    }
}

public struct UnkeyArguments: ControlCommandArguments {
    public static var command: ControlCommand { .unkey }
    public var channel: String
    /// End the keying whoever holds it (a supervisor's unkey); otherwise only the requester's
    /// own keying is ended.
    public var force: Bool

    public init(channel: String, force: Bool = false) {
        self.channel = channel
        self.force = force
    }

    public init(from reader: inout ControlArgumentReader) throws {
        channel = try reader.requiredChannel("channel")
        force = try reader.bool("force") ?? false
    }

    public var json: [String: JSONValue] { ["channel": .string(channel), "force": .bool(force)] }
}

public struct RecallArguments: ControlCommandArguments {
    public static var command: ControlCommand { .recall }
    public static let defaultLimit: Int64 = 10
    public static let maxLimit: Int64 = 500

    public var channel: String
    /// How many of the newest transmissions.
    public var limit: Int64

    public init(channel: String, limit: Int64 = RecallArguments.defaultLimit) {
        self.channel = channel
        self.limit = limit
    }

    public init(from reader: inout ControlArgumentReader) throws {
        channel = try reader.requiredChannel("channel")
        limit = try reader.int("limit", in: 1...Self.maxLimit) ?? Self.defaultLimit
    }

    public var json: [String: JSONValue] { ["channel": .string(channel), "limit": .int(limit)] }
}

public struct ChannelAttachArguments: ControlCommandArguments {
    public static var command: ControlCommand { .channelsAttach }
    public var channel: String
    /// The open incident (id or reference) the channel's transmissions are linked to from now
    /// on; nil (absent or null) detaches the channel.
    public var incident: String?

    public init(channel: String, incident: String?) {
        self.channel = channel
        self.incident = incident
    }

    public init(from reader: inout ControlArgumentReader) throws {
        channel = try reader.requiredChannel("channel")
        incident = try reader.incident("incident")
    }

    public var json: [String: JSONValue] {
        ["channel": .string(channel), "incident": incident.map(JSONValue.string) ?? .null]
    }
}

public struct RecallPlayArguments: ControlCommandArguments {
    public static var command: ControlCommand { .recallPlay }
    /// The transmission's id, as `recall` lists it.
    public var id: Int64

    public init(id: Int64) { self.id = id }

    public init(from reader: inout ControlArgumentReader) throws {
        id = try reader.requiredTransmission("id")
    }

    public var json: [String: JSONValue] { ["id": .int(id)] }
}

public struct RecallExportArguments: ControlCommandArguments {
    public static var command: ControlCommand { .recallExport }
    /// The longest `path` accepted (Linux's `PATH_MAX`).
    public static let maxPathBytes = 4096

    /// The transmission's id, as `recall` lists it.
    public var id: Int64
    /// Where parleyd writes the WAV file: absolute, since the daemon's working directory is
    /// not the client's.
    public var path: String

    public init(id: Int64, path: String) {
        self.id = id
        self.path = path
    }

    public init(from reader: inout ControlArgumentReader) throws {
        id = try reader.requiredTransmission("id")
        let meaning = "an absolute path for the WAV file (text starting with /)"
        guard let path = try reader.string("path", maxBytes: Self.maxPathBytes) else {
            throw ControlError.missingArgument(command: reader.command, field: "path", expected: meaning)
        }
        guard path.hasPrefix("/"), !path.utf8.contains(0) else {
            throw ControlError.badArguments(
                command: reader.command, field: "path", expected: meaning,
                found: ControlArgumentReader.describe(.string(path)))
        }
        self.path = path
    }

    public var json: [String: JSONValue] { ["id": .int(id), "path": .string(path)] }
}

extension ControlArgumentReader {
    static let channelMeaning = "a channel id: 1 to 32 letters, digits, - or _ (parleyctl channels lists them)"

    /// A channel id as configured: 1–32 ASCII letters, digits, `-` or `_`.
    mutating func requiredChannel(_ field: String) throws -> String {
        guard let value = value(field) else {
            throw ControlError.missingArgument(command: command, field: field, expected: Self.channelMeaning)
        }
        guard case .string(let id) = value, (1...32).contains(id.utf8.count),
            id.utf8.allSatisfy({ $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || Self.isASCIIAlphanumeric($0) })
        else {
            throw ControlError.badArguments(
                command: command, field: field, expected: Self.channelMeaning, found: Self.describe(value))
        }
        return id
    }

    /// A number of seconds (integer or fraction), greater than 0 and at most `limit`.
    mutating func seconds(_ field: String, atMost limit: Double) throws -> Double? {
        guard let value = value(field) else { return nil }
        let number: Double? =
            switch value {
            case .int(let whole): Double(whole)
            case .double(let fraction): fraction
            default: nil
            }
        guard let number, number.isFinite, number > 0, number <= limit else {
            throw ControlError.badArguments(
                command: command, field: field,
                expected: "a number of seconds greater than 0 and at most \(Int(limit))", found: Self.describe(value))
        }
        return number
    }

    /// A key priority: `dispatcher`, `emergency`, or `automation` (also `patch`).
    mutating func keyPriority(_ field: String) throws -> KeyPriority? {
        guard let value = value(field) else { return nil }
        guard case .string(let name) = value, let priority = KeyPriority(name: name) else {
            throw ControlError.badArguments(
                command: command, field: field, expected: "one of dispatcher, emergency, automation (or patch)",
                found: Self.describe(value))
        }
        return priority
    }

    /// A transmission id: a positive integer, as `recall` lists it.
    mutating func requiredTransmission(_ field: String) throws -> Int64 {
        let meaning = "a transmission id (a positive integer, as recall lists it)"
        guard let value = value(field) else {
            throw ControlError.missingArgument(command: command, field: field, expected: meaning)
        }
        guard let id = value.intValue, id > 0 else {
            throw ControlError.badArguments(command: command, field: field, expected: meaning, found: Self.describe(value))
        }
        return id
    }

    private static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
