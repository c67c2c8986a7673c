import ParleyControl
import ParleyCore
import Testing

@Suite("Control request parser: radio commands")
struct ControlRadioArgumentsTests {
    private let parser = ControlRequestParser()

    private func parse(_ line: String) -> Result<ControlRequest, ControlRequestFailure> {
        parser.parse(Array(line.utf8))
    }

    static let valid: [(line: String, arguments: ControlRequest.Arguments)] = [
        (#"{"v":1,"cmd":"channels"}"#, .channels),
        (#"{"v":1,"cmd":"channels","args":{}}"#, .channels),
        (#"{"v":1,"cmd":"key","args":{"channel":"north"}}"#, .key(KeyArguments(channel: "north"))),
        (#"{"v":1,"cmd":"key","args":{"channel":"north","seconds":30}}"#, .key(KeyArguments(channel: "north", seconds: 30))),
        (#"{"v":1,"cmd":"key","args":{"channel":"ch_2-b","seconds":0.5,"priority":"emergency"}}"#,
            .key(KeyArguments(channel: "ch_2-b", seconds: 0.5, priority: .emergency))),
        (#"{"v":1,"cmd":"key","args":{"channel":"north","seconds":3600,"priority":"dispatcher"}}"#,
            .key(KeyArguments(channel: "north", seconds: 3600, priority: .dispatcher))),
        (#"{"v":1,"cmd":"key","args":{"channel":"north","priority":"patch"}}"#,
            .key(KeyArguments(channel: "north", priority: .automation))),
        (#"{"v":1,"cmd":"key","args":{"channel":"north","priority":"automation","seconds":null}}"#,
            .key(KeyArguments(channel: "north", priority: .automation))),
        (#"{"v":1,"cmd":"unkey","args":{"channel":"north"}}"#, .unkey(UnkeyArguments(channel: "north"))),
        (#"{"v":1,"cmd":"unkey","args":{"channel":"north","force":true}}"#, .unkey(UnkeyArguments(channel: "north", force: true))),
        (#"{"v":1,"cmd":"recall","args":{"channel":"north"}}"#, .recall(RecallArguments(channel: "north", limit: 10))),
        (#"{"v":1,"cmd":"recall","args":{"channel":"north","limit":1}}"#, .recall(RecallArguments(channel: "north", limit: 1))),
        (#"{"v":1,"cmd":"recall","args":{"channel":"north","limit":500}}"#, .recall(RecallArguments(channel: "north", limit: 500))),
        (#"{"v":1,"cmd":"recall.play","args":{"id":12}}"#, .recallPlay(RecallPlayArguments(id: 12))),
        (#"{"v":1,"cmd":"recall.export","args":{"id":12,"path":"/tmp/12.wav"}}"#,
            .recallExport(RecallExportArguments(id: 12, path: "/tmp/12.wav"))),
    ]

    @Test(arguments: valid)
    func validRadioRequestsBecomeTypedArguments(testCase: (line: String, arguments: ControlRequest.Arguments)) throws {
        let request = try parse(testCase.line).get()
        #expect(request.arguments == testCase.arguments)
    }

    static let invalid: [(line: String, mentions: String)] = [
        (#"{"v":1,"cmd":"channels","args":{"channel":"north"}}"#, "channels has no argument 'channel' — it takes no arguments"),
        (#"{"v":1,"cmd":"key","args":{}}"#, "key needs argument 'channel': a channel id"),
        (#"{"v":1,"cmd":"key","args":{"channel":""}}"#, "argument 'channel' of key must be a channel id: 1 to 32 letters"),
        (#"{"v":1,"cmd":"key","args":{"channel":"north pole"}}"#, "(got text \"north pole\")"),
        (#"{"v":1,"cmd":"key","args":{"channel":"abcdefghijklmnopqrstuvwxyz0123456"}}"#, "1 to 32 letters, digits, - or _"),
        (#"{"v":1,"cmd":"key","args":{"channel":"nörth"}}"#, "'channel' of key must be a channel id"),
        (#"{"v":1,"cmd":"key","args":{"channel":7}}"#, "(got integer 7)"),
        (#"{"v":1,"cmd":"key","args":{"channel":"north","seconds":0}}"#,
            "argument 'seconds' of key must be a number of seconds greater than 0 and at most 3600 (got integer 0)"),
        (#"{"v":1,"cmd":"key","args":{"channel":"north","seconds":-5}}"#, "greater than 0"),
        (#"{"v":1,"cmd":"key","args":{"channel":"north","seconds":3600.5}}"#, "at most 3600 (got number 3600.5)"),
        (#"{"v":1,"cmd":"key","args":{"channel":"north","seconds":"30"}}"#, "(got text \"30\")"),
        (#"{"v":1,"cmd":"key","args":{"channel":"north","priority":"urgent"}}"#,
            "argument 'priority' of key must be one of dispatcher, emergency, automation (or patch) (got text \"urgent\")"),
        (#"{"v":1,"cmd":"key","args":{"channel":"north","priority":2}}"#, "one of dispatcher, emergency, automation"),
        (#"{"v":1,"cmd":"key","args":{"channel":"north","for":30}}"#, "key has no argument 'for' — known: channel, priority, seconds"),
        (#"{"v":1,"cmd":"unkey","args":{"force":true}}"#, "unkey needs argument 'channel'"),
        (#"{"v":1,"cmd":"unkey","args":{"channel":"north","force":"yes"}}"#, "'force' of unkey must be true or false"),
        (#"{"v":1,"cmd":"recall","args":{"channel":"north","limit":0}}"#, "'limit' of recall must be an integer from 1 to 500"),
        (#"{"v":1,"cmd":"recall","args":{"channel":"north","limit":501}}"#, "from 1 to 500 (got integer 501)"),
        (#"{"v":1,"cmd":"recall","args":{"limit":5}}"#, "recall needs argument 'channel'"),
        (#"{"v":1,"cmd":"recall.play","args":{}}"#, "recall.play needs argument 'id': a transmission id"),
        (#"{"v":1,"cmd":"recall.play","args":{"id":"12"}}"#, "'id' of recall.play must be a transmission id (a positive integer"),
        (#"{"v":1,"cmd":"recall.play","args":{"id":0}}"#, "(got integer 0)"),
        (#"{"v":1,"cmd":"recall.play","args":{"id":1.5}}"#, "(got number 1.5)"),
        (#"{"v":1,"cmd":"recall.export","args":{"id":12}}"#, "recall.export needs argument 'path': an absolute path"),
        (#"{"v":1,"cmd":"recall.export","args":{"id":12,"path":"out.wav"}}"#,
            "argument 'path' of recall.export must be an absolute path for the WAV file (text starting with /) (got text \"out.wav\")"),
        (#"{"v":1,"cmd":"recall.export","args":{"id":12,"path":""}}"#, "must be an absolute path"),
        (#"{"v":1,"cmd":"recall.export","args":{"id":12,"path":"/tmp/a\u0000b"}}"#, "must be an absolute path"),
        (#"{"v":1,"cmd":"recall.export","args":{"path":"/tmp/12.wav"}}"#, "recall.export needs argument 'id'"),
    ]

    @Test(arguments: invalid)
    func badRadioArgumentsAreRefusedWithBadArguments(testCase: (line: String, mentions: String)) {
        guard case .failure(let failure) = parse(testCase.line) else {
            Issue.record("accepted \(testCase.line)")
            return
        }
        #expect(failure.error.code == .badArguments)
        #expect(failure.error.message.contains(testCase.mentions), "\(failure.error.message)")
    }

    static let roundTrips: [any ControlCommandArguments] = [
        ChannelsArguments(), KeyArguments(channel: "north"),
        KeyArguments(channel: "south", seconds: 12.5, priority: .emergency), KeyArguments(channel: "n", seconds: 30, priority: .automation),
        UnkeyArguments(channel: "north", force: true), UnkeyArguments(channel: "north"), RecallArguments(channel: "north", limit: 7),
        RecallPlayArguments(id: 3), RecallExportArguments(id: 3, path: "/var/tmp/3 copy.wav"),
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

    @Test func radioCommandsHaveTheirMinimumRoles() {
        let table = ControlCommandTable.v1
        let roles = ["channels", "key", "unkey", "recall", "recall.play", "recall.export"].map { table[$0]?.minimumRole }
        #expect(roles == [.engineer, .dispatcher, .dispatcher, .engineer, .dispatcher, .dispatcher])
        #expect(["channels", "key", "unkey", "recall", "recall.play", "recall.export"].allSatisfy { table[$0]?.stream == nil })
    }

    @Test func keySecondsBecomeADuration() {
        #expect(KeyArguments(channel: "north", seconds: 1.25).duration == .milliseconds(1250))
        #expect(KeyArguments(channel: "north").duration == nil)
    }
}
