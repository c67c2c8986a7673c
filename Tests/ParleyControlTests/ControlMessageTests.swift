import ParleyControl
import ParleyCore
import Testing

@Suite("Control messages")
struct ControlMessageTests {
    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    @Test func responsesAreOneLineOfSortedJSONEchoingTheID() throws {
        let ok = Self.text(try ControlMessage.success(id: .int(7), result: ReloadResult(message: "a/b\nc")))
        #expect(ok == #"{"id":7,"ok":true,"result":{"message":"a/b\nc"},"v":1}"# + "\n")
        let failure = Self.text(ControlMessage.failure(id: nil, ControlError(code: .notFound, message: "gone")))
        #expect(failure == #"{"error":{"code":"not_found","message":"gone"},"id":null,"ok":false,"v":1}"# + "\n")
        let stream = Self.text(try ControlMessage.stream(id: .string("t"), kind: .progress, data: VerifyProgress(checked: 1, total: 2)))
        #expect(stream == #"{"data":{"checked":1,"total":2},"id":"t","stream":"progress","v":1}"# + "\n")
    }

    @Test func clientsReadBackWhatTheDaemonWrites() throws {
        let event = ControlEvent(
            sequence: 3, time: "2026-11-23T17:54:31.123Z", timestampMillis: 1, priority: "emergency",
            kind: "incident.opened", source: "operator:alice", incident: 1, payload: ["grade": "G1"], hash: "h")
        let streamed = try ControlReply(line: try ControlMessage.stream(id: .int(1), kind: .event, data: event).dropLast())
        #expect(streamed.kind == .stream("event"))
        #expect(try streamed.decode(ControlEvent.self) == event)

        let report = ControlChainReport(intact: false, checked: 4, lastGoodSequence: 4, firstBadSequence: 5, problem: "edited")
        let done = try ControlReply(line: Array(try ControlMessage.success(id: .int(1), result: report).dropLast()))
        #expect(done.kind == .success)
        #expect(try done.decode(ControlChainReport.self) == report)
        #expect(done.body["first_bad_sequence"] == .int(5))

        let refused = try ControlReply(line: Array(ControlMessage.failure(id: .int(2), .shuttingDown).dropLast()))
        #expect(refused.id == .int(2))
        #expect(refused.kind == .failure(.shuttingDown))
        #expect(throws: ControlError.self) { try refused.decode(ReloadResult.self) }
    }

    @Test(arguments: ["", "{}", "[]", "{\"v\":2,\"ok\":true}", "{\"v\":1}", "\u{0}"])
    func clientsRejectMalformedDaemonLines(line: String) {
        #expect(throws: (any Error).self) { try ControlReply(line: Array(line.utf8)) }
    }
}
