import ParleyCore

// Arguments of the radio-signalling commands: `units`, `emergencies`, `ack`.

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
