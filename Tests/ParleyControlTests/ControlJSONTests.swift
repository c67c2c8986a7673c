import Foundation
import ParleyControl
import ParleyCore
import Testing

@Suite("Control JSON reader")
struct ControlJSONTests {
    static let valid: [(text: String, value: JSONValue)] = [
        ("null", .null), ("true", true), (" false ", false), ("0", 0), ("-12", -12),
        ("9223372036854775807", .int(Int64.max)), ("-9223372036854775808", .int(Int64.min)),
        ("9223372036854775808", .double(9223372036854775808)), ("1.5", 1.5), ("-2e3", .double(-2000)), ("1E-2", 0.01),
        (#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00""#, .string("a\"b\\c/d\n\té😀")), (#""€""#, "€"),
        ("[]", []), ("[1,[2,[3]]]", [1, [2, [3]]]), ("{}", [:]),
        (#"{"a":1,"b":[true,null],"a":2}"#, ["a": 2, "b": [true, nil]]),
        ("\t{ \"v\" : 1 }\r\n", ["v": 1]),
    ]

    @Test(arguments: valid)
    func validDocumentsReadAsFoundationReadsThem(testCase: (text: String, value: JSONValue)) throws {
        #expect(try ControlJSON.parse(testCase.text) == testCase.value)
        #expect((try? JSONSerialization.jsonObject(with: Data(testCase.text.utf8), options: .fragmentsAllowed)) != nil)
    }

    static let invalid: [(text: String, reason: String)] = [
        ("", "ends early"), ("{", "member name"), ("{\"a\"}", "':'"), ("{\"a\":1,}", "member name"), ("[1,]", "unexpected ']'"),
        ("[1 2]", "',' or ']'"), ("01", "after the JSON value"), ("1.", "after '.'"), ("1e", "exponent"), ("-", "needs digits"),
        ("tru", "end of input"), ("nul1", "unexpected"), ("\"abc", "unterminated"), ("\"a\u{1}b\"", "control character"),
        (#""\x""#, "invalid escape"), (#""\u12""#, "four hex digits"), (#""\ud800""#, "surrogate"), (#""\udc00x""#, "surrogate"),
        ("1e400", "out of range"), ("{\"a\":1} x", "after the JSON value"), ("'a'", "unexpected"),
        (String(repeating: "[", count: 65) + String(repeating: "]", count: 65), "nested deeper"),
    ]

    @Test(arguments: invalid)
    func invalidDocumentsAreRefusedSayingWhereAndWhy(testCase: (text: String, reason: String)) {
        do {
            let value = try ControlJSON.parse(testCase.text)
            Issue.record("accepted \(testCase.text) as \(value)")
        } catch {
            #expect(error.reason.contains(testCase.reason), "\(error)")
        }
    }

    @Test func invalidUTF8InsideAStringIsRefused() {
        #expect(throws: ControlJSON.SyntaxError.self) { try ControlJSON.parse([0x22, 0xC3, 0x28, 0x22]) }
        #expect(throws: ControlJSON.SyntaxError.self) { try ControlJSON.parse([0x22, 0xFF, 0x22]) }
    }

    @Test func canonicalTextReadsBackToTheSameValue() throws {
        let value: JSONValue = ["z": [1, 2.5, "x\u{1}y", nil, true], "a": ["nested": ["deep": "é"]], "n": -7]
        #expect(try ControlJSON.parse(value.canonicalString) == value)
    }
}
