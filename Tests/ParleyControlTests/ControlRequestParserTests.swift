import ParleyControl
import ParleyCore
import Testing

@Suite("Control request parser")
struct ControlRequestParserTests {
    private let parser = ControlRequestParser()

    private func parse(_ line: String) -> Result<ControlRequest, ControlRequestFailure> {
        parser.parse(Array(line.utf8))
    }

    static let valid: [(line: String, arguments: ControlRequest.Arguments)] = [
        (#"{"v":1,"id":1,"cmd":"hello","args":{}}"#, .hello(HelloArguments())),
        (#"{"v":1,"id":1,"cmd":"hello","args":{"client":"console 2"}}"#, .hello(HelloArguments(client: "console 2"))),
        (#"{"v":1,"cmd":"status"}"#, .status),
        (#"{"v":1,"id":"a","cmd":"status","args":null}"#, .status),
        (#"{"v":1,"cmd":"tail","args":{}}"#, .tail(TailArguments())),
        (#"{"v":1,"cmd":"tail","args":{"from_end":true,"kind":"radio"}}"#,
            .tail(TailArguments(criteria: ControlEventCriteria(kind: "radio")))),
        (#"{"v":1,"cmd":"tail","args":{"after_sequence":0,"priority":"emergency","source":"channel"}}"#,
            .tail(TailArguments(afterSequence: 0, criteria: ControlEventCriteria(source: "channel", priority: .emergency)))),
        (#"{"v":1,"cmd":"events","args":{"since":"2026-11-23","until":1795478400000,"limit":5}}"#,
            .events(EventsArguments(since: 1_795_392_000_000, until: 1_795_478_400_000, limit: 5))),
        (#"{"v":1,"cmd":"events","args":{"incident":7}}"#, .events(EventsArguments(incident: "7"))),
        (#"{"v":1,"cmd":"events","args":{"incident":"PLY-20261123-0001","kind":"incident"}}"#,
            .events(EventsArguments(incident: "PLY-20261123-0001", criteria: ControlEventCriteria(kind: "incident")))),
        (#"{"v":1,"cmd":"audit","args":{"limit":3}}"#, .audit(AuditArguments(limit: 3))),
        (#"{"v":1,"cmd":"verify","args":{"expected_head":12}}"#, .verify(VerifyArguments(expectedHead: 12))),
        (#"{"v":1,"cmd":"incidents.list","args":{"open_only":true}}"#,
            .incidentsList(IncidentsListArguments(openOnly: true))),
        (#"{"v":1,"cmd":"incidents.show","args":{"incident":"PLY-1"}}"#,
            .incidentsShow(IncidentShowArguments(incident: "PLY-1"))),
        (#"{"v":1,"cmd":"incidents.open","args":{"channel":"999","category":"Public Safety","grade":"G1"}}"#,
            .incidentsOpen(IncidentOpenArguments(channel: .emergency999, category: "Public Safety", grade: .emergency))),
        (#"{"v":1,"cmd":"incidents.open","args":{"channel":101,"category":"Crime","grade":3,"summary":"s"}}"#,
            .incidentsOpen(IncidentOpenArguments(channel: .nonEmergency101, category: "Crime", grade: .scheduled, summary: "s"))),
        (#"{"v":1,"cmd":"incidents.grade","args":{"incident":3,"grade":2,"reason":"calmer"}}"#,
            .incidentsGrade(IncidentGradeArguments(incident: "3", grade: .priority, reason: "calmer"))),
        (#"{"v":1,"cmd":"incidents.assess","args":{"incident":"3","risk":"high"}}"#,
            .incidentsAssess(
                IncidentAssessArguments(
                    incident: "3",
                    assessment: ThriveAssessment(threat: "", harm: "", risk: "high", investigation: "", vulnerability: "", engagement: "")))),
        (#"{"v":1,"cmd":"incidents.categorise","args":{"incident":"3","category":"Crime"}}"#,
            .incidentsCategorise(IncidentCategoriseArguments(incident: "3", category: "Crime"))),
        (#"{"v":1,"cmd":"incidents.close","args":{"incident":"3","category":"Crime"}}"#,
            .incidentsClose(IncidentCloseArguments(incident: "3", category: "Crime"))),
        (#"{"v":1,"cmd":"reload"}"#, .reload),
        (#"{"v":1,"cmd":"units"}"#, .units),
        (#"{"v":1,"cmd":"emergencies","args":{}}"#, .emergencies),
        (#"{"v":1,"cmd":"ack","args":{"emergency":4}}"#, .ack(AckArguments(emergency: 4))),
    ]

    @Test(arguments: valid)
    func validRequestsBecomeTypedArguments(testCase: (line: String, arguments: ControlRequest.Arguments)) throws {
        let request = try parse(testCase.line).get()
        #expect(request.arguments == testCase.arguments)
    }

    static let invalid: [(line: String, code: ControlErrorCode, mentions: String)] = [
        ("{", .badJSON, "not valid JSON"),
        ("status please", .badJSON, "one JSON object per line"),
        ("\u{FF}\u{FE}", .badJSON, "not valid JSON"),
        ("[1,2]", .badRequest, "not an object"),
        (#"{"v":1,"id":{"x":1},"cmd":"status"}"#, .badRequest, "\"id\""),
        (#"{"v":1,"id":1.5,"cmd":"status"}"#, .badRequest, "\"id\""),
        (#"{"id":1,"cmd":"status"}"#, .unsupportedVersion, "send \"v\":1"),
        (#"{"v":2,"id":1,"cmd":"status"}"#, .unsupportedVersion, "version 2"),
        (#"{"v":"1","id":1,"cmd":"status"}"#, .unsupportedVersion, "this daemon speaks version 1"),
        (#"{"v":1,"id":1}"#, .badRequest, "no \"cmd\""),
        (#"{"v":1,"id":1,"cmd":7}"#, .badRequest, "\"cmd\" must be a string"),
        (#"{"v":1,"id":1,"cmd":"status","args":[]}"#, .badRequest, "\"args\" must be an object"),
        (#"{"v":1,"id":1,"cmd":"status","limit":3}"#, .badRequest, "inside \"args\""),
        (#"{"v":1,"id":1,"cmd":"launch"}"#, .unknownCommand, "known commands: hello, status"),
        (#"{"v":1,"id":1,"cmd":"status","args":{"verbose":true}}"#, .badArguments, "no argument 'verbose'"),
        (#"{"v":1,"id":1,"cmd":"events","args":{"limit":"ten"}}"#, .badArguments, "'limit' of events must be an integer from 1 to 10000"),
        (#"{"v":1,"id":1,"cmd":"events","args":{"limit":0}}"#, .badArguments, "'limit'"),
        (#"{"v":1,"id":1,"cmd":"events","args":{"limt":5}}"#, .badArguments, "known: after_sequence"),
        (#"{"v":1,"id":1,"cmd":"events","args":{"since":"yesterday"}}"#, .badArguments, "'since' of events must be ISO 8601"),
        (#"{"v":1,"id":1,"cmd":"events","args":{"since":"2026-11-24","until":"2026-11-23"}}"#, .badArguments, "later than since"),
        (#"{"v":1,"id":1,"cmd":"events","args":{"priority":"urgent"}}"#, .badArguments, "one of emergency, priority, routine, admin"),
        (#"{"v":1,"id":1,"cmd":"tail","args":{"after_sequence":3,"from_end":true}}"#, .badArguments, "not both"),
        (#"{"v":1,"id":1,"cmd":"tail","args":{"after_sequence":-1}}"#, .badArguments, "'after_sequence'"),
        (#"{"v":1,"id":1,"cmd":"tail","args":{"kind":5}}"#, .badArguments, "'kind' of tail must be text"),
        (#"{"v":1,"id":1,"cmd":"incidents.open","args":{"category":"x","grade":1}}"#, .badArguments, "needs argument 'channel'"),
        (#"{"v":1,"id":1,"cmd":"incidents.open","args":{"channel":"pigeon","category":"x","grade":1}}"#, .badArguments, "one of 999, 101"),
        (#"{"v":1,"id":1,"cmd":"incidents.open","args":{"channel":"999","category":"x","grade":5}}"#, .badArguments, "'grade'"),
        (#"{"v":1,"id":1,"cmd":"incidents.open","args":{"channel":"999","grade":1}}"#, .badArguments, "needs argument 'category'"),
        (#"{"v":1,"id":1,"cmd":"incidents.grade","args":{"incident":"3","grade":1}}"#, .badArguments, "needs argument 'reason'"),
        (#"{"v":1,"id":1,"cmd":"incidents.assess","args":{"incident":"3"}}"#, .badArguments, "at least one of threat"),
        (#"{"v":1,"id":1,"cmd":"incidents.show","args":{"incident":true}}"#, .badArguments, "incident id (integer) or reference"),
        (#"{"v":1,"id":1,"cmd":"incidents.list","args":{"open_only":"yes"}}"#, .badArguments, "true or false"),
        (#"{"v":1,"id":1,"cmd":"ack","args":{}}"#, .badArguments, "needs argument 'emergency'"),
        (#"{"v":1,"id":1,"cmd":"ack","args":{"emergency":-1}}"#, .badArguments, "an integer from 1"),
        (#"{"v":1,"id":1,"cmd":"units","args":{"issi":5}}"#, .badArguments, "issi"),
    ]

    @Test(arguments: invalid)
    func invalidLinesAreRefusedWithAPreciseCodeAndMessage(testCase: (line: String, code: ControlErrorCode, mentions: String)) {
        guard case .failure(let failure) = parse(testCase.line) else {
            Issue.record("accepted \(testCase.line)")
            return
        }
        #expect(failure.error.code == testCase.code)
        #expect(failure.error.message.contains(testCase.mentions), "\(failure.error.message)")
    }

    @Test func theIDIsSalvagedForEveryErrorAfterTheJSONParses() {
        for line in [
            #"{"v":2,"id":41,"cmd":"status"}"#, #"{"v":1,"id":41,"cmd":"nope"}"#,
            #"{"v":1,"id":41,"cmd":"events","args":{"limit":"x"}}"#,
        ] {
            guard case .failure(let failure) = parse(line) else {
                Issue.record("accepted \(line)")
                continue
            }
            #expect(failure.id == .int(41))
        }
        guard case .failure(let failure) = parse(#"{"v":1,"id":"abc","cmd":"nope","args":{"a":1}}"#) else { return }
        #expect(failure.id == .string("abc"))
        #expect(failure.command == "nope")
        #expect(failure.rawArguments == ["a": 1])
    }

    static let roundTrips: [any ControlCommandArguments] = [
        HelloArguments(client: "parleyctl"), StatusArguments(), ReloadArguments(),
        TailArguments(), TailArguments(afterSequence: 9, criteria: ControlEventCriteria(kind: "incident", source: "operator", priority: .routine)),
        EventsArguments(since: 1, until: 2, afterSequence: 3, incident: "PLY-20261123-0001", criteria: ControlEventCriteria(kind: "k"), limit: 7),
        AuditArguments(limit: 9), VerifyArguments(expectedHead: 4), VerifyArguments(),
        IncidentsListArguments(openOnly: true, limit: 3), IncidentShowArguments(incident: "12"),
        IncidentOpenArguments(channel: .sms, category: "Crime / Theft", grade: .priority, summary: "bike"),
        IncidentGradeArguments(incident: "1", grade: .emergency, reason: "weapon seen"),
        IncidentAssessArguments(
            incident: "1",
            assessment: ThriveAssessment(threat: "t", harm: "h", risk: "r", investigation: "i", vulnerability: "v", engagement: "e")),
        IncidentCategoriseArguments(incident: "1", category: "c"), IncidentCloseArguments(incident: "1", category: "c"),
        UnitsArguments(), EmergenciesArguments(), AckArguments(emergency: 12), SDSArguments(issi: 2001, text: "ON SCENE"),
        SDSArguments(issi: 5, text: "x", channel: "airwave1"),
    ]

    @Test func whatAClientWritesTheParserReadsBackUnchanged() throws {
        for arguments in Self.roundTrips {
            try checkRoundTrip(arguments)
        }
    }

    private func checkRoundTrip<A: ControlCommandArguments>(_ arguments: A) throws {
        let line = ControlRequest.line(id: .int(5), arguments)
        #expect(line.hasSuffix("\n"))
        let request = try parser.parse(Array(line.dropLast().utf8)).get()
        #expect(request.id == .int(5))
        #expect(request.command == A.command)
        var reader = ControlArgumentReader(command: A.command.rawValue, arguments: request.rawArguments)
        #expect(try A(from: &reader) == arguments)
    }

    @Test func everyCommandHasItsMinimumRole() {
        let table = ControlCommandTable.v1
        #expect(table.commands(allowedFor: .engineer).map(\.rawValue) == [
            "hello", "status", "tail", "events", "audit", "verify", "incidents.list", "incidents.show", "channels", "recall",
            "lines", "calls", "units", "emergencies",
        ])
        #expect(table.commands(allowedFor: .dispatcher).count == 32)
        #expect(table.commands(allowedFor: .dispatcher).contains(.ack) && table.commands(allowedFor: .dispatcher).contains(.sds))
        #expect(table.commands(allowedFor: .admin).count == 33)
        #expect(table["tail"]?.stream == .event)
        #expect(table["verify"]?.stream == .progress)
    }
}
