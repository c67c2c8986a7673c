import Foundation
import ParleyCore
import Testing

@Suite("Canonical JSON")
struct JSONValueTests {
    @Test(arguments: [
        (JSONValue.object(["b": 1, "a": "x", "c": .null]), #"{"a":"x","b":1,"c":null}"#),
        (JSONValue.array([true, false, 1.5, -3]), "[true,false,1.5,-3]"),
        (JSONValue.string("line\nbreak \"quoted\" back\\slash\t\u{01}"), #""line\nbreak \"quoted\" back\\slash\t\u0001""#),
        (JSONValue.string("Ünïcødé ✓ 🚓"), "\"Ünïcødé ✓ 🚓\""),
        (JSONValue.double(2.0), "2"),
        (JSONValue.double(.infinity), "null"),
        (JSONValue.object(["z": ["y": 1, "x": 2]]), #"{"z":{"x":2,"y":1}}"#),
        (JSONValue.object([:]), "{}"),
        (JSONValue.string("\u{1b}[0m\r\u{1f}\u{7f}"), #""\u001b[0m\r\u001f\#u{7f}""#),
    ])
    func canonicalTextIsSortedAndCompact(value: JSONValue, expected: String) {
        #expect(value.canonicalString == expected)
    }

    @Test func canonicalTextDoesNotDependOnInsertionOrder() {
        var first: [String: JSONValue] = [:]
        var second: [String: JSONValue] = [:]
        for key in ["k1", "k2", "k3", "K", "a", "é"] { first[key] = .string(key) }
        for key in ["é", "a", "K", "k3", "k2", "k1"] { second[key] = .string(key) }
        #expect(JSONValue.object(first).canonicalString == JSONValue.object(second).canonicalString)
    }

    @Test(arguments: [
        (JSONValue.int(.min), "-9223372036854775808"),
        (JSONValue.int(.max), "9223372036854775807"),
        (JSONValue.int(0), "0"),
        (JSONValue.double(-12.5), "-12.5"),
        (JSONValue.double(-0.0), "0"),
        (JSONValue.double(1e20), "1e+20"),
        (JSONValue.double(-999_999_999_999_999), "-999999999999999"),
        (JSONValue.string(""), #""""#),
        (JSONValue.string("\"\"\\"), #""\"\"\\""#),
        (JSONValue.object(["ab": 1, "a": 2, "é": 3, "z": 4, "B": 5]), #"{"B":5,"a":2,"ab":1,"z":4,"é":3}"#),
    ])
    func numbersEmptyTextsAndKeyPrefixesAreCanonical(value: JSONValue, expected: String) {
        #expect(value.canonicalString == expected)
    }

    /// The encoder builds bytes in runs for speed; the text must be exactly what the plain
    /// String-based encoding gives, or stored payloads would stop matching new ones.
    @Test func canonicalTextMatchesAPlainReferenceEncoding() {
        var random = SplitMix64(seed: 7)
        let alphabet: [Character] = ["a", "b", "Z", " ", "\"", "\\", "\n", "\t", "\u{01}", "\u{1f}", "\u{7f}", "é", "✓", "🚓", "/"]
        func text() -> String {
            String((0..<Int(random.next() % 12)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
        }
        func value(depth: Int) -> JSONValue {
            switch random.next() % (depth > 2 ? 5 : 7) {
            case 0: return .null
            case 1: return .bool(random.next() % 2 == 0)
            case 2: return .int(Int64(bitPattern: random.next()) >> (random.next() % 64))
            case 3: return .double(Double(Int64(bitPattern: random.next()) >> 40) / 64)
            case 4: return .string(text())
            case 5: return .array((0..<Int(random.next() % 4)).map { _ in value(depth: depth + 1) })
            default:
                var members: [String: JSONValue] = [:]
                // Mostly small objects, sometimes past the 16 members sorted in place.
                let count = random.next() % 4 == 0 ? random.next() % 40 : random.next() % 5
                for _ in 0..<Int(count) { members[text()] = value(depth: depth + 1) }
                return .object(members)
            }
        }
        for _ in 0..<2000 {
            let sample = value(depth: 0)
            #expect(sample.canonicalString == Self.reference(sample))
        }
    }

    /// The canonical encoding as first written: String pieces, keys sorted by UTF-8 bytes.
    private static func reference(_ value: JSONValue) -> String {
        switch value {
        case .null: return "null"
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number):
            guard number.isFinite else { return "null" }
            return number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : "\(number)"
        case .string(let string):
            var out = "\""
            for scalar in string.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\r": out += "\\r"
                case "\t": out += "\\t"
                case _ where scalar.value < 0x20: out += "\\u00" + (scalar.value < 0x10 ? "0" : "") + String(scalar.value, radix: 16)
                default: out.unicodeScalars.append(scalar)
                }
            }
            return out + "\""
        case .array(let values): return "[" + values.map(reference).joined(separator: ",") + "]"
        case .object(let members):
            let keys = members.keys.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
            return "{" + keys.map { reference(.string($0)) + ":" + reference(members[$0]!) }.joined(separator: ",") + "}"
        }
    }

    @Test func canonicalTextRoundTripsThroughAStandardParser() throws {
        let value: JSONValue = ["text": "a\"b\\c\nd", "n": 42, "list": [1, "two", nil], "nested": ["ok": true]]
        let parsed = try JSONValue.parse(value.canonicalString)
        #expect(parsed == value)
        let foundation = try JSONSerialization.jsonObject(with: Data(value.canonicalString.utf8)) as? [String: Any]
        #expect(foundation?["n"] as? Int == 42)
    }
}

@Suite("Priorities, grades and timestamps")
struct DomainTests {
    @Test func emergencySortsFirst() {
        #expect([Priority.admin, .routine, .emergency, .priority].sorted() == [.emergency, .priority, .routine, .admin])
    }

    @Test(arguments: [("1", Grade.emergency), ("G2", .priority), ("g3", .scheduled), ("rwd", .resolutionWithoutDeployment), ("emergency", .emergency)])
    func gradesParseFromTheirCommonSpellings(text: String, grade: Grade) {
        #expect(Grade(text: text) == grade)
    }

    @Test func unknownGradeIsRejected() {
        #expect(Grade(text: "G5") == nil)
        #expect(Grade(text: "") == nil)
    }

    @Test func grade1TrafficIsEmergencyPriority() {
        #expect(Grade.emergency.eventPriority == .emergency)
        #expect(Grade.resolutionWithoutDeployment.eventPriority == .routine)
    }

    @Test(arguments: [(Int64(0), "1970-01-01T00:00:00.000Z"), (1_795_456_471_123, "2026-11-23T17:54:31.123Z"), (-1, "1969-12-31T23:59:59.999Z")])
    func timestampsFormatAsUTCWithMilliseconds(millis: Int64, text: String) {
        #expect(Timestamp.iso8601(millis: millis) == text)
    }

    @Test func timestampsParseBack() throws {
        let date = try #require(Timestamp.parse("2026-11-23T17:54:31.123Z"))
        #expect(Timestamp.millis(date) == 1_795_456_471_123)
        #expect(Timestamp.parse("2026-11-23").map(Timestamp.millis) == 1_795_392_000_000)
        #expect(Timestamp.parse("yesterday") == nil)
    }

    @Test(arguments: [
        (Duration.zero, Int32(0)),
        (.seconds(-3), 0),
        (.nanoseconds(1), 1),
        (.milliseconds(1), 1),
        (.microseconds(1001), 2),
        (.milliseconds(1500), 1500),
        (.seconds(3600), 3_600_000),
        (.seconds(Int64.max / 2), Int32.max),
    ])
    func pollTimeoutsRoundUpToWholeMilliseconds(duration: Duration, millis: Int32) {
        #expect(duration.pollMilliseconds == millis)
    }

    @Test func rolesAreOrderedByPower() {
        #expect(Role.engineer < .dispatcher)
        #expect(Role.dispatcher < .admin)
    }
}
