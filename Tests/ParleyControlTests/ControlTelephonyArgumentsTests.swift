import ParleyControl
import ParleyCore
import Testing

@Suite("Control request parser: telephony commands")
struct ControlTelephonyArgumentsTests {
    private let parser = ControlRequestParser()

    private func parse(_ line: String) -> Result<ControlRequest, ControlRequestFailure> {
        parser.parse(Array(line.utf8))
    }

    static let valid: [(line: String, arguments: ControlRequest.Arguments)] = [
        (#"{"v":1,"cmd":"lines"}"#, .lines),
        (#"{"v":1,"cmd":"calls","args":{}}"#, .calls),
        (#"{"v":1,"cmd":"answer"}"#, .answer(AnswerArguments())),
        (#"{"v":1,"cmd":"answer","args":{"call":null}}"#, .answer(AnswerArguments())),
        (#"{"v":1,"cmd":"answer","args":{"call":12}}"#, .answer(AnswerArguments(call: 12))),
        (#"{"v":1,"cmd":"answer","args":{"call":12.0}}"#, .answer(AnswerArguments(call: 12))),
        (#"{"v":1,"cmd":"hold","args":{"call":3}}"#, .hold(HoldArguments(call: 3))),
        (#"{"v":1,"cmd":"hangup","args":{"call":9223372036854775807}}"#, .hangup(HangUpArguments(call: .max))),
        (#"{"v":1,"cmd":"transfer","args":{"call":12,"type":"blind","number":"01632960000","to_agency":"Ambulance"}}"#,
            .transfer(TransferArguments(call: 12, TransferRequest(type: .blind, number: "01632960000", toAgency: "Ambulance")))),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"attended","number":"+441632960000,,123#","to_agency":"Fire control","to_person":"Watch manager Singh","partner_reference":"F-2026-118","own_reference":"PLY-20261123-0001"}}"#,
            .transfer(TransferArguments(call: 1, TransferRequest(
                type: .attended, number: "+441632960000,,123#", toAgency: "Fire control", toPerson: "Watch manager Singh",
                partnerReference: "F-2026-118", ownReference: "PLY-20261123-0001")))),
        (#"{"v":1,"cmd":"transfer","args":{"call":2,"type":"conference","number":"*99","to_agency":"Gwasanaeth Tân","to_person":null}}"#,
            .transfer(TransferArguments(call: 2, TransferRequest(type: .conference, number: "*99", toAgency: "Gwasanaeth Tân")))),
        (#"{"v":1,"cmd":"transfer","args":{"call":2,"type":"relay","number":"18000","to_agency":"Relay UK"}}"#,
            .transfer(TransferArguments(call: 2, TransferRequest(type: .relay, number: "18000", toAgency: "Relay UK")))),
        (#"{"v":1,"cmd":"transfer","args":{"call":2,"type":"blind","number":"12345678901234567890123456789012","to_agency":"A"}}"#,
            .transfer(TransferArguments(call: 2, TransferRequest(
                type: .blind, number: "12345678901234567890123456789012", toAgency: "A")))),
        (#"{"v":1,"cmd":"text","args":{"call":12,"text":"Police are on the way GA"}}"#,
            .text(TextArguments(call: 12, text: "Police are on the way GA"))),
        (#"{"v":1,"cmd":"text","args":{"call":12,"text":"Are you hurt?\nType Y or N"}}"#,
            .text(TextArguments(call: 12, text: "Are you hurt?\nType Y or N"))),
        (#"{"v":1,"cmd":"text","args":{"call":12,"text":"ÿ"}}"#, .text(TextArguments(call: 12, text: "ÿ"))),
        (#"{"v":1,"cmd":"calls.attach","args":{"call":12,"incident":"PLY-20261123-0001"}}"#,
            .callsAttach(CallAttachArguments(call: 12, incident: "PLY-20261123-0001"))),
        (#"{"v":1,"cmd":"calls.attach","args":{"call":12,"incident":3}}"#, .callsAttach(CallAttachArguments(call: 12, incident: "3"))),
        (#"{"v":1,"cmd":"calls.attach","args":{"call":12,"incident":null}}"#, .callsAttach(CallAttachArguments(call: 12, incident: nil))),
        (#"{"v":1,"cmd":"calls.attach","args":{"call":12}}"#, .callsAttach(CallAttachArguments(call: 12, incident: nil))),
    ]

    @Test(arguments: valid)
    func validTelephonyRequestsBecomeTypedArguments(testCase: (line: String, arguments: ControlRequest.Arguments)) throws {
        let request = try parse(testCase.line).get()
        #expect(request.arguments == testCase.arguments)
    }

    /// Each bad request and the whole message it must be refused with.
    static let invalid: [(line: String, message: String)] = [
        (#"{"v":1,"cmd":"calls","args":{"all":true}}"#, "calls has no argument 'all' — it takes no arguments"),
        (#"{"v":1,"cmd":"lines","args":{"line":"a"}}"#, "lines has no argument 'line' — it takes no arguments"),
        (#"{"v":1,"cmd":"answer","args":{"call":0}}"#,
            "argument 'call' of answer must be a call id (a positive integer, as parleyctl calls lists it) (got integer 0)"),
        (#"{"v":1,"cmd":"answer","args":{"call":"12"}}"#,
            "argument 'call' of answer must be a call id (a positive integer, as parleyctl calls lists it) (got text \"12\")"),
        (#"{"v":1,"cmd":"answer","args":{"call":1.5}}"#,
            "argument 'call' of answer must be a call id (a positive integer, as parleyctl calls lists it) (got number 1.5)"),
        (#"{"v":1,"cmd":"answer","args":{"id":12}}"#, "answer has no argument 'id' — known: call"),
        (#"{"v":1,"cmd":"hold","args":{}}"#,
            "hold needs argument 'call': a call id (a positive integer, as parleyctl calls lists it)"),
        (#"{"v":1,"cmd":"hangup","args":{"call":-4}}"#,
            "argument 'call' of hangup must be a call id (a positive integer, as parleyctl calls lists it) (got integer -4)"),
        (#"{"v":1,"cmd":"transfer","args":{"type":"blind","number":"999","to_agency":"A"}}"#,
            "transfer needs argument 'call': a call id (a positive integer, as parleyctl calls lists it)"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"number":"999","to_agency":"A"}}"#,
            "transfer needs argument 'type': one of blind, attended, conference, relay"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"cold","number":"999","to_agency":"A"}}"#,
            "argument 'type' of transfer must be one of blind, attended, conference, relay (got text \"cold\")"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"Blind","number":"999","to_agency":"A"}}"#,
            "argument 'type' of transfer must be one of blind, attended, conference, relay (got text \"Blind\")"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","to_agency":"A"}}"#,
            "transfer needs argument 'number': a number to dial: 1 to 32 of the digits 0-9, *, #, + and , (a pause)"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":"","to_agency":"A"}}"#,
            "argument 'number' of transfer must be a number to dial: 1 to 32 of the digits 0-9, *, #, + and , (a pause) (got text \"\")"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":"01632 960000","to_agency":"A"}}"#,
            "argument 'number' of transfer must be a number to dial: 1 to 32 of the digits 0-9, *, #, + and , (a pause) (got text \"01632 960000\")"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":"0800-FIRE","to_agency":"A"}}"#,
            "argument 'number' of transfer must be a number to dial: 1 to 32 of the digits 0-9, *, #, + and , (a pause) (got text \"0800-FIRE\")"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":"123456789012345678901234567890123","to_agency":"A"}}"#,
            "argument 'number' of transfer must be a number to dial: 1 to 32 of the digits 0-9, *, #, + and , (a pause) (got text \"123456789012345678901234567890123\")"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":999,"to_agency":"A"}}"#,
            "argument 'number' of transfer must be a number to dial: 1 to 32 of the digits 0-9, *, #, + and , (a pause) (got integer 999)"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":"999"}}"#,
            "transfer needs argument 'to_agency': who the call goes to: 1 to 64 characters of text without control characters"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":"999","to_agency":"   "}}"#,
            "argument 'to_agency' of transfer must be who the call goes to: 1 to 64 characters of text without control characters (got text \"   \")"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":"999","to_agency":"Fire\ncontrol"}}"#,
            "argument 'to_agency' of transfer must be who the call goes to: 1 to 64 characters of text without control characters (got text \"Fire\ncontrol\")"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":"999","to_agency":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}}"#,
            "argument 'to_agency' of transfer must be who the call goes to: 1 to 64 characters of text without control characters (got text \"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA…\")"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":"999","to_agency":"A","to_person":""}}"#,
            "argument 'to_person' of transfer must be the person the call goes to: 1 to 64 characters of text without control characters (got text \"\")"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":"999","to_agency":"A","partner_reference":7}}"#,
            "argument 'partner_reference' of transfer must be the other agency's reference: 1 to 64 characters of text without control characters (got integer 7)"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":"999","to_agency":"A","own_reference":"\u0007"}}"#,
            "argument 'own_reference' of transfer must be our reference as given to them: 1 to 64 characters of text without control characters (got text \"\u{07}\")"),
        (#"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":"999","to_agency":"A","agency":"B"}}"#,
            "transfer has no argument 'agency' — known: call, number, own_reference, partner_reference, to_agency, to_person, type"),
        (#"{"v":1,"cmd":"text","args":{"call":12}}"#,
            "text needs argument 'text': the message: 1 to 1000 characters, no control characters but newline"),
        (#"{"v":1,"cmd":"text","args":{"text":"hello"}}"#,
            "text needs argument 'call': a call id (a positive integer, as parleyctl calls lists it)"),
        (#"{"v":1,"cmd":"text","args":{"call":12,"text":""}}"#,
            "argument 'text' of text must be the message: 1 to 1000 characters, no control characters but newline, not only spaces (got text \"\")"),
        (#"{"v":1,"cmd":"text","args":{"call":12,"text":" \n "}}"#,
            "argument 'text' of text must be the message: 1 to 1000 characters, no control characters but newline, not only spaces (got text \" \n \")"),
        (#"{"v":1,"cmd":"text","args":{"call":12,"text":"line\r\nline"}}"#,
            "argument 'text' of text must be the message: 1 to 1000 characters, no control characters but newline (got control character U+000D)"),
        (#"{"v":1,"cmd":"text","args":{"call":12,"text":"tab\there"}}"#,
            "argument 'text' of text must be the message: 1 to 1000 characters, no control characters but newline (got control character U+0009)"),
        (#"{"v":1,"cmd":"text","args":{"call":12,"text":"bell\u0007"}}"#,
            "argument 'text' of text must be the message: 1 to 1000 characters, no control characters but newline (got control character U+0007)"),
        (#"{"v":1,"cmd":"text","args":{"call":12,"text":"esc\u001b[2J"}}"#,
            "argument 'text' of text must be the message: 1 to 1000 characters, no control characters but newline (got control character U+001B)"),
        (#"{"v":1,"cmd":"text","args":{"call":12,"text":"c1\u0085"}}"#,
            "argument 'text' of text must be the message: 1 to 1000 characters, no control characters but newline (got control character U+0085)"),
        (#"{"v":1,"cmd":"text","args":{"call":12,"text":["hi"]}}"#,
            "argument 'text' of text must be the message: 1 to 1000 characters, no control characters but newline (got an array)"),
        (#"{"v":1,"cmd":"calls.attach","args":{"incident":"PLY-20261123-0001"}}"#,
            "calls.attach needs argument 'call': a call id (a positive integer, as parleyctl calls lists it)"),
        (#"{"v":1,"cmd":"calls.attach","args":{"call":12,"incident":""}}"#,
            "argument 'incident' of calls.attach must be an incident id (integer) or reference (text like PLY-20261123-0001) (got text \"\")"),
        (#"{"v":1,"cmd":"calls.attach","args":{"call":12,"incident":true}}"#,
            "argument 'incident' of calls.attach must be an incident id (integer) or reference (text like PLY-20261123-0001) (got true)"),
    ]

    @Test(arguments: invalid)
    func badTelephonyArgumentsAreRefusedWithTheirExactMessage(testCase: (line: String, message: String)) {
        guard case .failure(let failure) = parse(testCase.line) else {
            Issue.record("accepted \(testCase.line)")
            return
        }
        #expect(failure.error.code == .badArguments)
        #expect(failure.error.message == testCase.message)
    }

    /// Lengths are counted in characters, not bytes: 1000 three-byte characters pass, 1001 do not.
    @Test func textIsLimitedTo1000Characters() throws {
        let longest = String(repeating: "€", count: 1000)
        let accepted = try parse(Self.textLine(longest)).get()
        #expect(accepted.arguments == .text(TextArguments(call: 1, text: longest)))
        guard case .failure(let failure) = parse(Self.textLine(longest + "a")) else {
            Issue.record("accepted 1001 characters")
            return
        }
        #expect(failure.error.message == "argument 'text' of text must be the message: 1 to 1000 characters, no control characters but newline (got 1001 characters)")
        let agency = String(repeating: "é", count: 64)
        let line = #"{"v":1,"cmd":"transfer","args":{"call":1,"type":"blind","number":"1","to_agency":"\#(agency)"}}"#
        #expect(try parse(line).get().arguments == .transfer(TransferArguments(call: 1, TransferRequest(type: .blind, number: "1", toAgency: agency))))
    }

    private static func textLine(_ text: String) -> String {
        #"{"v":1,"cmd":"text","args":{"call":1,"text":"\#(text)"}}"#
    }

    static let roundTrips: [any ControlCommandArguments] = [
        LinesArguments(), CallsArguments(), AnswerArguments(), AnswerArguments(call: 7), HoldArguments(call: 7),
        HangUpArguments(call: 7),
        TransferArguments(call: 7, TransferRequest(type: .blind, number: "999", toAgency: "Ambulance")),
        TransferArguments(
            call: 8,
            TransferRequest(
                type: .relay, number: "+44,18001#", toAgency: "Relay UK", toPerson: "Assistant 4", partnerReference: "R1",
                ownReference: "PLY-20261123-0002")),
        TextArguments(call: 7, text: "Stay on the line.\nHelp is coming \"soon\" \\ ✓"),
        CallAttachArguments(call: 7, incident: "PLY-20261123-0001"), CallAttachArguments(call: 7, incident: nil),
    ]

    @Test func whatAClientWritesTheParserReadsBackUnchanged() throws {
        for arguments in Self.roundTrips {
            try checkRoundTrip(arguments)
        }
    }

    private func checkRoundTrip<A: ControlCommandArguments>(_ arguments: A) throws {
        let line = ControlRequest.line(id: .int(5), arguments)
        let request = try parser.parse(Array(line.dropLast().utf8)).get()
        #expect(request.command == A.command)
        var reader = ControlArgumentReader(command: A.command.rawValue, arguments: request.rawArguments)
        #expect(try A(from: &reader) == arguments)
    }

    @Test func telephonyCommandsHaveTheirMinimumRoles() {
        let table = ControlCommandTable.v1
        let names = ["lines", "calls", "answer", "hold", "hangup", "transfer", "text", "calls.attach"]
        #expect(names.map { table[$0]?.minimumRole } == [
            .engineer, .engineer, .dispatcher, .dispatcher, .dispatcher, .dispatcher, .dispatcher, .dispatcher,
        ])
        #expect(names.allSatisfy { table[$0]?.stream == nil })
    }

    /// The wire keys, written out by hand from the protocol reference (docs/control-protocol.md).
    @Test func resultsUseSnakeCaseKeys() throws {
        let call = CallSummaryResult(
            id: 12, line: "999-a", service: "999", priority: "emergency", contactChannel: "999", cliAbsence: "withheld",
            callerName: "J SMITH", state: "queued", queuedAt: "2026-11-23T21:40:01.000Z", waitingSeconds: 12.5,
            textMedium: "tty45", messages: 2)
        let callJSON = try Self.encoded(call)
        #expect(callJSON == #"{"caller_name":"J SMITH","cli_absence":"withheld","contact_channel":"999","id":12,"line":"999-a","messages":2,"priority":"emergency","queued_at":"2026-11-23T21:40:01.000Z","service":"999","state":"queued","text_medium":"tty45","waiting_seconds":12.5}"#)
        let answered = CallSummaryResult(
            id: 3, line: "l", service: "101", priority: "routine", contactChannel: "101", cli: "07700900123", state: "ended",
            queuedAt: "q", answeredBy: "anna", answeredAt: "a", endedAt: "e", endReason: "hung_up", incident: "PLY-1")
        #expect(try Self.encoded(answered) == #"{"answered_at":"a","answered_by":"anna","cli":"07700900123","contact_channel":"101","end_reason":"hung_up","ended_at":"e","id":3,"incident":"PLY-1","line":"l","messages":0,"priority":"routine","queued_at":"q","service":"101","state":"ended"}"#)
        let handoff = HandoffResult(
            handoff: 5, call: 12, type: "blind", fromPerson: "anna", fromAgency: "Police", toPerson: "Sam", toAgency: "Ambulance",
            number: "999", cli: "07700900123", ownReference: "PLY-1", partnerReference: "A-9", outcome: "failed", detail: "busy")
        #expect(try Self.encoded(handoff) == #"{"call":12,"cli":"07700900123","detail":"busy","from_agency":"Police","from_person":"anna","handoff":5,"number":"999","outcome":"failed","own_reference":"PLY-1","partner_reference":"A-9","to_agency":"Ambulance","to_person":"Sam","type":"blind"}"#)
        #expect(try Self.encoded(TextResult(call: 1, message: 2, medium: "v21", text: "hi", sentAt: "t")) == #"{"call":1,"medium":"v21","message":2,"sent_at":"t","text":"hi"}"#)
        #expect(try Self.encoded(LineStatusResult(id: "a", name: "A", service: "sms", priority: "routine", kind: "gsm", state: "down", reason: "no SIM", call: 4, badInput: 2, lastBadInput: "ff 00")) == #"{"bad_input":2,"call":4,"id":"a","kind":"gsm","last_bad_input":"ff 00","name":"A","priority":"routine","reason":"no SIM","service":"sms","state":"down"}"#)
        #expect(try Self.encoded(CallResult(call: answered, preempted: 9)).hasSuffix(#","preempted":9}"#))
        #expect(try Self.encoded(TransferRequest(type: .attended, number: "1", toAgency: "B", toPerson: "C", partnerReference: "D", ownReference: "E")) == #"{"number":"1","own_reference":"E","partner_reference":"D","to_agency":"B","to_person":"C","type":"attended"}"#)
        let decoded = try ControlReply(line: Array(#"{"id":1,"ok":true,"result":{"queue":[\#(callJSON)],"active":[]},"v":1}"#.utf8))
            .decode(CallsResult.self)
        #expect(decoded == CallsResult(queue: [call], active: []))
    }

    @Test func telephonyErrorsKeepTheirMessageUnderTheMatchingCode() {
        let cases: [(TelephonyControlError.Kind, ControlErrorCode)] = [
            (.notFound, .notFound), (.rejected, .rejected), (.lineDown, .rejected), (.storeUnavailable, .storeUnavailable),
        ]
        for (kind, code) in cases {
            let error = TelephonyControlError(kind, "call 12 is already answered by anna")
            #expect(error.controlError == ControlError(code: code, message: "call 12 is already answered by anna"))
            #expect(error.description == "call 12 is already answered by anna")
        }
    }

    private static func encoded<T: Encodable>(_ value: T) throws -> String {
        let line = try ControlMessage.success(id: nil, result: value)
        let message = try ControlJSON.parse(line)
        return try #require(message["result"]).canonicalString
    }
}
