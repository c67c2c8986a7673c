import ParleyCore

/// A strict JSON reader (RFC 8259) straight into `JSONValue`.
///
/// Faster than going through `JSONDecoder` (which the generic `JSONValue` decoding makes try
/// every type in turn), bounded in nesting depth, and it reports where a document goes wrong —
/// which is what a person typing requests into `socat` needs. Integers that fit in 64 bits
/// become `.int`; other numbers `.double`.
public enum ControlJSON {
    /// Deepest nesting of arrays and objects accepted.
    public static let maxDepth = 64

    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        /// Byte offset of the problem in the input.
        public var offset: Int
        public var reason: String
        public var description: String { "\(reason) at byte \(offset)" }
    }

    public static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { buffer throws(SyntaxError) in
            var reader = Reader(bytes: buffer)
            reader.skipSpace()
            let value = try reader.value(depth: 0)
            reader.skipSpace()
            guard reader.offset == buffer.count else { throw reader.error("unexpected text after the JSON value") }
            return value
        }
    }

    public static func parse(_ text: String) throws(SyntaxError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    private struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        var offset = 0

        func error(_ reason: String) -> SyntaxError { SyntaxError(offset: offset, reason: reason) }

        var current: UInt8? { offset < bytes.count ? bytes[offset] : nil }

        mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { offset += 1 }
        }

        mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
            guard let byte = current else { throw error("the JSON ends early") }
            switch byte {
            case UInt8(ascii: "{"): return try object(depth: depth + 1)
            case UInt8(ascii: "["): return try array(depth: depth + 1)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try number()
            default: throw error("unexpected \(Self.show(byte))")
            }
        }

        mutating func literal(_ word: StaticString) throws(SyntaxError) {
            let count = word.utf8CodeUnitCount
            guard offset + count <= bytes.count else { throw error("unexpected end of input") }
            for index in 0..<count where bytes[offset + index] != word.utf8Start[index] {
                throw error("unexpected \(Self.show(bytes[offset]))")
            }
            offset += count
        }

        mutating func object(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= ControlJSON.maxDepth else { throw error("nested deeper than \(ControlJSON.maxDepth) levels") }
            offset += 1
            var members: [String: JSONValue] = [:]
            skipSpace()
            if current == UInt8(ascii: "}") {
                offset += 1
                return .object(members)
            }
            while true {
                skipSpace()
                guard current == UInt8(ascii: "\"") else { throw error("expected a member name in quotes") }
                let key = try string()
                skipSpace()
                guard current == UInt8(ascii: ":") else { throw error("expected ':' after a member name") }
                offset += 1
                skipSpace()
                members[key] = try value(depth: depth)
                skipSpace()
                switch current {
                case UInt8(ascii: ","): offset += 1
                case UInt8(ascii: "}"):
                    offset += 1
                    return .object(members)
                default: throw error("expected ',' or '}' in an object")
                }
            }
        }

        mutating func array(depth: Int) throws(SyntaxError) -> JSONValue {
            guard depth <= ControlJSON.maxDepth else { throw error("nested deeper than \(ControlJSON.maxDepth) levels") }
            offset += 1
            var elements: [JSONValue] = []
            skipSpace()
            if current == UInt8(ascii: "]") {
                offset += 1
                return .array(elements)
            }
            while true {
                skipSpace()
                elements.append(try value(depth: depth))
                skipSpace()
                switch current {
                case UInt8(ascii: ","): offset += 1
                case UInt8(ascii: "]"):
                    offset += 1
                    return .array(elements)
                default: throw error("expected ',' or ']' in an array")
                }
            }
        }

        mutating func string() throws(SyntaxError) -> String {
            offset += 1  // opening quote
            let start = offset
            // Fast path: no escapes.
            while let byte = current, byte != UInt8(ascii: "\""), byte != UInt8(ascii: "\\") {
                guard byte >= 0x20 else { throw error("control character \(Self.show(byte)) inside a string") }
                offset += 1
            }
            guard let stop = current else { throw error("unterminated string") }
            if stop == UInt8(ascii: "\"") {
                offset += 1
                return try text(bytes[start..<(offset - 1)], at: start)
            }
            var out = Array(bytes[start..<offset])
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    offset += 1
                    return try text(out[...], at: start)
                case UInt8(ascii: "\\"):
                    offset += 1
                    try escape(into: &out)
                case 0..<0x20:
                    throw error("control character \(Self.show(byte)) inside a string")
                default:
                    out.append(byte)
                    offset += 1
                }
            }
            throw error("unterminated string")
        }

        func text<C: Collection<UInt8>>(_ utf8: C, at start: Int) throws(SyntaxError) -> String {
            guard let text = String(validating: utf8, as: UTF8.self) else {
                throw SyntaxError(offset: start, reason: "a string is not valid UTF-8")
            }
            return text
        }

        mutating func escape(into out: inout [UInt8]) throws(SyntaxError) {
            guard let byte = current else { throw error("unterminated string") }
            offset += 1
            switch byte {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800..<0xDC00).contains(scalar) {
                    guard current == UInt8(ascii: "\\"), offset + 1 < bytes.count, bytes[offset + 1] == UInt8(ascii: "u")
                    else { throw error("a \\u escape is half of a surrogate pair") }
                    offset += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else { throw error("a \\u escape is half of a surrogate pair") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(scalar) {
                    throw error("a \\u escape is half of a surrogate pair")
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(unicode)).utf8))
            default:
                offset -= 1
                throw error("invalid escape \\\(Self.show(byte))")
            }
        }

        mutating func hex4() throws(SyntaxError) -> UInt32 {
            guard offset + 4 <= bytes.count else { throw error("a \\u escape needs four hex digits") }
            var value: UInt32 = 0
            for _ in 0..<4 {
                let byte = bytes[offset]
                let digit: UInt8
                switch byte {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
                default: throw error("a \\u escape needs four hex digits")
                }
                value = value << 4 | UInt32(digit)
                offset += 1
            }
            return value
        }

        mutating func number() throws(SyntaxError) -> JSONValue {
            let start = offset
            if current == UInt8(ascii: "-") { offset += 1 }
            guard let first = current, Self.isDigit(first) else { throw error("a number needs digits") }
            offset += 1
            if first != UInt8(ascii: "0") {
                while let byte = current, Self.isDigit(byte) { offset += 1 }
            }
            var integral = true
            if current == UInt8(ascii: ".") {
                integral = false
                offset += 1
                guard let byte = current, Self.isDigit(byte) else { throw error("a number needs digits after '.'") }
                while let byte = current, Self.isDigit(byte) { offset += 1 }
            }
            if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
                integral = false
                offset += 1
                if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { offset += 1 }
                guard let byte = current, Self.isDigit(byte) else { throw error("a number needs digits in its exponent") }
                while let byte = current, Self.isDigit(byte) { offset += 1 }
            }
            let text = String(decoding: bytes[start..<offset], as: UTF8.self)
            if integral, let value = Int64(text) { return .int(value) }
            guard let value = Double(text), value.isFinite else { throw SyntaxError(offset: start, reason: "number out of range") }
            return .double(value)
        }

        static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

        static func show(_ byte: UInt8) -> String {
            if byte >= 0x21, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
            return "byte 0x" + String(byte, radix: 16)
        }
    }
}
