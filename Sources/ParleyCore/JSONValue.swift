import Foundation

/// A JSON value with a canonical encoding (sorted keys, no insignificant whitespace).
///
/// Event payloads are hashed into the event chain, so the bytes must not depend on dictionary
/// ordering: `canonicalString` is the single encoding used both for storage and for hashing.
public enum JSONValue: Sendable, Hashable, Codable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else if let value = try? container.decode([String: JSONValue].self) {
            self = .object(value)
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a JSON value")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    /// The canonical text of this value: object keys sorted by UTF-8 bytes, no spaces.
    public var canonicalString: String {
        // Built as bytes: every event is encoded once by its producer, and appending to a
        // String piece by piece cost more than the SQLite insert of the same event.
        var out: [UInt8] = []
        out.reserveCapacity(128)
        appendCanonical(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    private func appendCanonical(to out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let value): out.append(contentsOf: (value ? "true" : "false").utf8)
        case .int(let value): JSONValue.appendDecimal(value, to: &out)
        case .double(let value):
            if value.isFinite {
                if value == value.rounded(), abs(value) < 1e15 {
                    JSONValue.appendDecimal(Int64(value), to: &out)
                } else {
                    out.append(contentsOf: value.description.utf8)
                }
            } else {
                out.append(contentsOf: "null".utf8)
            }
        case .string(let value): JSONValue.appendEscaped(value, to: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, value) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                value.appendCanonical(to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            if members.count <= Self.smallObject {
                JSONValue.appendSmallObject(members, to: &out)
            } else {
                let sorted = members.sorted { JSONValue.utf8Precedes($0.key, $1.key) }
                for (index, member) in sorted.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    JSONValue.appendMember(member.key, member.value, to: &out)
                }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Members up to which an object's keys are put in order in place (insertion sort of their
    /// positions on the stack) rather than by sorting an array of its members. Event payloads
    /// are small objects, and sorting a copy of them was a third of their producers' encoding.
    private static let smallObject = 16

    private static func appendSmallObject(_ members: [String: JSONValue], to out: inout [UInt8]) {
        withUnsafeTemporaryAllocation(of: [String: JSONValue].Index.self, capacity: members.count) { order in
            var count = 0
            for position in members.indices {
                // Insertion sort: shift the positions of greater keys up one.
                let key = members.keys[position]
                var slot = count
                while slot > 0, utf8Precedes(key, members.keys[order[slot - 1]]) {
                    order[slot] = order[slot - 1]
                    slot -= 1
                }
                order[slot] = position
                count += 1
            }
            for slot in 0..<count {
                if slot > 0 { out.append(UInt8(ascii: ",")) }
                appendMember(members.keys[order[slot]], members.values[order[slot]], to: &out)
            }
        }
    }

    private static func appendMember(_ key: String, _ value: JSONValue, to out: inout [UInt8]) {
        appendEscaped(key, to: &out)
        out.append(UInt8(ascii: ":"))
        value.appendCanonical(to: &out)
    }

    /// Whether `first` sorts before `second` by their UTF-8 bytes (the canonical key order).
    private static func utf8Precedes(_ first: String, _ second: String) -> Bool {
        var first = first, second = second
        return first.withUTF8 { first in
            second.withUTF8 { second in
                let common = min(first.count, second.count)
                if common > 0, let a = first.baseAddress, let b = second.baseAddress {
                    let order = memcmp(a, b, common)
                    if order != 0 { return order < 0 }
                }
                return first.count < second.count
            }
        }
    }

    /// Decimal, as `String(value)` writes it, without making the String.
    private static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var index = digits.count
            repeat {
                index -= 1
                digits[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            out.append(contentsOf: UnsafeBufferPointer(rebasing: digits[index...]))
        }
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    /// A JSON string: bytes that need no escape are copied in runs, the rest escaped.
    private static func appendEscaped(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var runStart = 0
            for index in 0..<bytes.count {
                let byte = bytes[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                appendEscape(byte, to: &out)
                runStart = index + 1
            }
            // UTF-8 passes through unchanged, as the String-based encoder did.
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<bytes.count]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\\"))
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(byte)
        case UInt8(ascii: "\n"): out.append(UInt8(ascii: "n"))
        case UInt8(ascii: "\r"): out.append(UInt8(ascii: "r"))
        case UInt8(ascii: "\t"): out.append(UInt8(ascii: "t"))
        default:
            // Other control characters as \u00XX (lower-case hex).
            out.append(contentsOf: "u00".utf8)
            out.append(hexDigits[Int(byte >> 4)])
            out.append(hexDigits[Int(byte & 0x0f)])
        }
    }

    /// Parses JSON text into a value.
    public static func parse(_ text: String) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var intValue: Int64? {
        switch self {
        case .int(let value): return value
        case .double(let value) where value == value.rounded(): return Int64(exactly: value)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
}
