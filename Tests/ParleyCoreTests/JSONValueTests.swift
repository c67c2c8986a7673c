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

    @Test func rolesAreOrderedByPower() {
        #expect(Role.engineer < .dispatcher)
        #expect(Role.dispatcher < .admin)
    }
}
