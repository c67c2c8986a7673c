import ParleyCore

/// Reads a request's `args` object field by field, so that every problem is reported with the
/// field's name and what it should have been; `finish()` refuses fields nobody read (typos).
public struct ControlArgumentReader: Sendable {
    public let command: String
    private let members: [String: JSONValue]
    private var read: Set<String> = []

    public init(command: String, arguments: [String: JSONValue]) {
        self.command = command
        self.members = arguments
    }

    /// The raw value of `field`, marking it read; nil when absent or JSON `null`.
    public mutating func value(_ field: String) -> JSONValue? {
        read.insert(field)
        guard let value = members[field], value != .null else { return nil }
        return value
    }

    public mutating func string(_ field: String, maxBytes: Int = 4000) throws -> String? {
        guard let value = value(field) else { return nil }
        guard case .string(let text) = value else {
            throw mismatch(field, "text (a JSON string)", value)
        }
        guard text.utf8.count <= maxBytes else {
            throw ControlError.badArguments(
                command: command, field: field, expected: "at most \(maxBytes) bytes of text",
                found: "\(text.utf8.count) bytes")
        }
        return text
    }

    public mutating func requiredString(_ field: String, _ meaning: String, maxBytes: Int = 4000) throws -> String {
        guard let text = try string(field, maxBytes: maxBytes) else {
            throw ControlError.missingArgument(command: command, field: field, expected: meaning)
        }
        return text
    }

    public mutating func int(_ field: String, in range: ClosedRange<Int64> = Int64.min...Int64.max) throws -> Int64? {
        guard let value = value(field) else { return nil }
        let expected =
            range == Int64.min...Int64.max
            ? "an integer" : "an integer from \(range.lowerBound) to \(range.upperBound)"
        guard let number = value.intValue else { throw mismatch(field, expected, value) }
        guard range.contains(number) else { throw mismatch(field, expected, value) }
        return number
    }

    public mutating func bool(_ field: String) throws -> Bool? {
        guard let value = value(field) else { return nil }
        guard case .bool(let flag) = value else { throw mismatch(field, "true or false", value) }
        return flag
    }

    /// A priority name: `emergency`, `priority`, `routine` or `admin`.
    public mutating func priority(_ field: String) throws -> Priority? {
        guard let value = value(field) else { return nil }
        guard case .string(let name) = value, let priority = Priority(name: name) else {
            throw mismatch(field, "one of emergency, priority, routine, admin", value)
        }
        return priority
    }

    /// A grade: `1`…`4` or `"G1"`…`"G4"` (also `"emergency"`, `"priority"`, `"scheduled"`, `"rwd"`).
    public mutating func grade(_ field: String) throws -> Grade? {
        guard let value = value(field) else { return nil }
        let expected = "a grade: 1 to 4 or \"G1\" to \"G4\""
        switch value {
        case .string(let text):
            guard let grade = Grade(text: text) else { throw mismatch(field, expected, value) }
            return grade
        default:
            guard let number = value.intValue, let grade = Grade(rawValue: Int(clamping: number)) else {
                throw mismatch(field, expected, value)
            }
            return grade
        }
    }

    /// A UTC time: ISO 8601 text (`2026-11-23T17:54:31Z`, `2026-11-23`) or integer milliseconds.
    public mutating func time(_ field: String) throws -> Int64? {
        guard let value = value(field) else { return nil }
        let expected = "ISO 8601 UTC time (2026-11-23T17:54:31Z or 2026-11-23) or integer milliseconds since 1970"
        switch value {
        case .string(let text):
            guard text.utf8.count <= 64, let date = Timestamp.parse(text) else { throw mismatch(field, expected, value) }
            return Timestamp.millis(date)
        default:
            guard let millis = value.intValue else { throw mismatch(field, expected, value) }
            return millis
        }
    }

    /// An incident: its numeric id or its reference (`PLY-20261123-0001`).
    public mutating func incident(_ field: String) throws -> String? {
        guard let value = value(field) else { return nil }
        let expected = "an incident id (integer) or reference (text like PLY-20261123-0001)"
        switch value {
        case .string(let text):
            guard !text.isEmpty, text.utf8.count <= 64 else { throw mismatch(field, expected, value) }
            return text
        default:
            guard let id = value.intValue else { throw mismatch(field, expected, value) }
            return String(id)
        }
    }

    public mutating func requiredIncident(_ field: String) throws -> String {
        guard let incident = try incident(field) else {
            throw ControlError.missingArgument(
                command: command, field: field, expected: "the incident's id or reference (PLY-20261123-0001)")
        }
        return incident
    }

    /// Refuses any field not read so far.
    public func finish() throws {
        let known = read.sorted()
        for field in members.keys.sorted() where !read.contains(field) {
            throw ControlError.unknownArgument(command: command, field: field, known: known)
        }
    }

    private func mismatch(_ field: String, _ expected: String, _ value: JSONValue) -> ControlError {
        ControlError.badArguments(command: command, field: field, expected: expected, found: Self.describe(value))
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool(let flag): flag ? "true" : "false"
        case .int(let number): "integer \(number)"
        case .double(let number): "number \(number)"
        case .string(let text): "text \"\(text.prefix(40))\(text.count > 40 ? "…" : "")\""
        case .array: "an array"
        case .object: "an object"
        }
    }
}
