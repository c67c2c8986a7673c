import ParleyCore

// Arguments of the radio-signalling commands: `units`, `emergencies`, `ack`, `sds`.

public enum UnitsCommand: ControlCommandTag { public static var command: ControlCommand { .units } }
public enum EmergenciesCommand: ControlCommandTag { public static var command: ControlCommand { .emergencies } }

public typealias UnitsArguments = NoArguments<UnitsCommand>
public typealias EmergenciesArguments = NoArguments<EmergenciesCommand>

/// `ack`: acknowledge an open emergency by its id (from `emergencies`).
public struct AckArguments: ControlCommandArguments {
    public static var command: ControlCommand { .ack }
    public var emergency: Int64

    public init(emergency: Int64) { self.emergency = emergency }

    public init(from reader: inout ControlArgumentReader) throws {
        guard let id = try reader.int("emergency", in: 1...Int64.max) else {
            throw ControlError.missingArgument(
                command: Self.command.rawValue, field: "emergency", expected: "the emergency's id, a positive integer (see emergencies)")
        }
        emergency = id
    }

    public var json: [String: JSONValue] { ["emergency": .int(emergency)] }
}

/// `sds`: a text to a radio unit, through a channel's TETRA terminal.
public struct SDSArguments: ControlCommandArguments {
    public static var command: ControlCommand { .sds }
    /// The unit's ISSI.
    public var issi: Int64
    public var text: String
    /// The channel whose terminal sends it; optional when only one channel has a terminal.
    public var channel: String?

    public init(issi: Int64, text: String, channel: String? = nil) {
        self.issi = issi
        self.text = text
        self.channel = channel
    }

    public init(from reader: inout ControlArgumentReader) throws {
        guard let issi = try reader.int("issi", in: 1...16_777_215) else {
            throw ControlError.missingArgument(
                command: Self.command.rawValue, field: "issi", expected: "the unit's ISSI, 1 to 16777215")
        }
        self.issi = issi
        // SDS-TL text carries at most a few hundred characters; the terminal refuses more.
        text = try reader.requiredString("text", "the message, 1 to 200 characters", maxBytes: 400)
        guard !text.isEmpty, text.count <= 200 else {
            throw ControlError(code: .badArguments, message: "sds needs argument 'text': the message, 1 to 200 characters")
        }
        channel = try reader.string("channel", maxBytes: 64)
    }

    public var json: [String: JSONValue] {
        var json: [String: JSONValue] = ["issi": .int(issi), "text": .string(text)]
        if let channel { json["channel"] = .string(channel) }
        return json
    }
}
