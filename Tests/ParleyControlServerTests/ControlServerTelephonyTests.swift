import Foundation
import ParleyControl
import ParleyControlServer
import ParleyCore
import ParleyStore
import Testing

@Suite("Control server: telephony commands")
struct ControlServerTelephonyTests {
    @Test func anEngineerIsRefusedAnswerButMayListLinesAndCalls() async throws {
        let switchboard = StandInSwitchboard()
        try await withDaemon(telephony: switchboard) { daemon in
            let replies = try await exchange(
                asUID: TestDaemon.engineerUID,
                TestClient.requestLine("answer", [:], id: 1) + TestClient.requestLine("calls", id: 2)
                    + TestClient.requestLine("lines", id: 3) + TestClient.requestLine("text", ["call": 12, "text": "hi"], id: 4),
                socket: daemon.socketPath)
            #expect(replies.count == 4)
            let refused = try #require(replies.first)
            #expect(refused.errorCode == "forbidden", "\(refused.canonicalString)")
            #expect(refused.at("error", "message")?.stringValue?.hasPrefix("answer needs the dispatcher role") == true)
            #expect(replies[1].isOK && replies[2].isOK, "an engineer may list calls and lines")
            #expect(try decoded(CallsResult.self, replies[1]) == CallsResult(queue: StandInSwitchboard.queue, active: [StandInSwitchboard.answered]))
            #expect(try decoded(LinesResult.self, replies[2]) == LinesResult(lines: StandInSwitchboard.lines))
            #expect(replies[3].errorCode == "forbidden")
            #expect(await switchboard.requests.isEmpty, "a refused command never reaches the switchboard")
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "text" } }
            let answer = try #require(rows.first { $0.entry.command == "answer" })
            #expect(answer.entry.outcome == .refused)
            #expect(answer.entry.role == .engineer)
            #expect(answer.entry.peerUID == TestDaemon.engineerUID)
            #expect(answer.entry.detail.hasPrefix("forbidden: answer needs the dispatcher role"))
            #expect(rows.first { $0.entry.command == "calls" }.map { [$0.entry.outcome.rawValue, $0.entry.detail] } == ["ok", "2 queued, 1 active"])
            #expect(rows.first { $0.entry.command == "lines" }?.entry.detail == "4 lines")
            #expect(rows.first { $0.entry.command == "text" }?.entry.arguments == #"{"call":12,"text":"hi"}"#)

            // status sums the lines up: four, one down, the SMS line's three bad inputs.
            let client = try await daemon.connect()
            defer { client.close() }
            let status = try await client.request("status")
            #expect(status.at("result", "lines") == ["configured": 4, "down": 1, "bad_input": 3], "\(status.canonicalString)")
            let cli = try await ParleyctlTests.parleyctl(["status", "--socket", daemon.socketPath])
            #expect(cli.stdout.contains("lines        4 (1 down)") || cli.stdout.contains("4 (1 down)"), "\(cli.stdout)")
            #expect(cli.stdout.contains("3 skipped since start"), "\(cli.stdout)")
        }
    }

    @Test func aDispatcherAnswersTheHeadOfTheQueueUnderTheirNameThenAnotherCallPreemptingIt() async throws {
        let switchboard = StandInSwitchboard()
        try await withDaemon(telephony: switchboard) { daemon in
            let replies = try await exchange(
                asUID: TestDaemon.dispatcherUID,
                TestClient.requestLine("answer", [:], id: 1) + TestClient.requestLine("answer", ["call": 13], id: 2),
                socket: daemon.socketPath)
            #expect(replies.count == 2)
            let head = try decoded(CallResult.self, try #require(replies.first))
            #expect(head.call.id == 14 && head.call.state == "answered" && head.call.answeredBy == "uid:1002")
            #expect(head.preempted == nil)
            let second = try decoded(CallResult.self, replies[1])
            #expect(second.call.id == 13 && second.call.answeredBy == "uid:1002")
            #expect(second.preempted == 14)
            // uid 1002 has no passwd entry, so its operator name is uid:1002.
            #expect(await switchboard.requests == [.answer(nil, by: "uid:1002"), .answer(13, by: "uid:1002")])
            let rows = try await daemon.audit { rows in rows.filter { $0.entry.command == "answer" }.count == 2 }
            #expect(rows.filter { $0.entry.command == "answer" }.map(\.entry.detail) == [
                "call 14 answered", "call 13 answered, pre-empting call 14",
            ])
            #expect(rows.filter { $0.entry.command == "answer" }.map(\.entry.arguments) == ["{}", #"{"call":13}"#])
        }
    }

    @Test func holdResumeHangUpAndAttachAnswerWithTheCallAsItIsNow() async throws {
        let switchboard = StandInSwitchboard()
        try await withDaemon(telephony: switchboard) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            #expect(try await client.request("answer", ["call": 14], id: 1).at("result", "call", "state") == "answered")
            let held = try decoded(CallResult.self, try await client.request("hold", ["call": 14], id: 2))
            #expect(held.call.state == "held" && held.call.answeredBy == "root")
            let resumed = try decoded(CallResult.self, try await client.request("answer", ["call": 14], id: 3))
            #expect(resumed.call.state == "answered")
            let attached = try await client.request("calls.attach", ["call": 14, "incident": "PLY-20261123-0001"], id: 4)
            #expect(try decoded(CallResult.self, attached).call.incident == "PLY-20261123-0001")
            let detached = try await client.request("calls.attach", ["call": 14, "incident": .null], id: 5)
            #expect(detached.isOK)
            #expect(detached.at("result", "call", "incident") == nil, "a detached call has no incident key")
            let ended = try decoded(CallResult.self, try await client.request("hangup", ["call": 14], id: 6))
            #expect(ended.call.state == "ended" && ended.call.endReason == "hung_up")
            #expect(await switchboard.requests == [
                .answer(14, by: "root"), .hold(14, by: "root"), .answer(14, by: "root"),
                .attach(14, incident: "PLY-20261123-0001", by: "root"), .attach(14, incident: nil, by: "root"),
                .hangUp(14, by: "root"),
            ])
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "hangup" } }
            #expect(rows.map { "\($0.entry.command): \($0.entry.detail)" } == [
                "answer: call 14 answered", "hold: call 14 held", "answer: call 14 answered",
                "calls.attach: call 14 attached to PLY-20261123-0001", "calls.attach: call 14 detached",
                "hangup: call 14 ended (hung_up)",
            ])
        }
    }

    @Test func transferPassesTheWholeRequestThroughAndAFailedHandoffIsAnAnswer() async throws {
        let switchboard = StandInSwitchboard()
        try await withDaemon(telephony: switchboard) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let requested = try await client.request(
                "transfer",
                [
                    "call": 12, "type": "attended", "number": "01632960000", "to_agency": "Ambulance", "to_person": "Sam Jones",
                    "partner_reference": "A-77", "own_reference": "PLY-20261123-0001",
                ], id: 1)
            #expect(requested.isOK, "\(requested.canonicalString)")
            #expect(try decoded(HandoffResult.self, requested) == HandoffResult(
                handoff: 5, call: 12, type: "attended", fromPerson: "root", fromAgency: "Police", toPerson: "Sam Jones",
                toAgency: "Ambulance", number: "01632960000", cli: "07700900999", ownReference: "PLY-20261123-0001",
                partnerReference: "A-77", outcome: "requested"))
            #expect(requested.at("result", "from_person") == "root")
            let failed = try await client.request("transfer", ["call": 12, "type": "blind", "number": "000", "to_agency": "Fire"], id: 2)
            #expect(failed.isOK, "a failed handoff is stored and answered, not an error")
            #expect(failed.at("result", "outcome") == "failed")
            #expect(await switchboard.requests == [
                .transfer(12, TransferRequest(
                    type: .attended, number: "01632960000", toAgency: "Ambulance", toPerson: "Sam Jones",
                    partnerReference: "A-77", ownReference: "PLY-20261123-0001"), by: "root"),
                .transfer(12, TransferRequest(type: .blind, number: "000", toAgency: "Fire"), by: "root"),
            ])
            let rows = try await daemon.audit { rows in rows.filter { $0.entry.command == "transfer" }.count == 2 }
            #expect(rows.filter { $0.entry.command == "transfer" }.map(\.entry.detail) == [
                "handoff 5: attended transfer of call 12 to Sam Jones, Ambulance (01632960000), requested",
                "handoff 6: blind transfer of call 12 to Fire (000), failed: busy — the number gave BUSY; try again or another number",
            ])
            #expect(rows.allSatisfy { $0.entry.outcome == .ok })
        }
    }

    @Test func textGoesToTheSwitchboardAsTypedAndIsAudited() async throws {
        let switchboard = StandInSwitchboard()
        try await withDaemon(telephony: switchboard) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let sent = try await client.request("text", ["call": 12, "text": "Police are on the way\nGA"], id: 1)
            #expect(try decoded(TextResult.self, sent) == TextResult(
                call: 12, message: 31, medium: "tty45", text: "Police are on the way\nGA", sentAt: "2026-11-23T21:42:00.000Z"))
            #expect(await switchboard.requests == [.text(12, "Police are on the way\nGA", by: "root")])
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "text" } }
            #expect(rows.first?.entry.detail == "message 31 on call 12 by tty45, 24 characters")
        }
    }

    @Test func switchboardErrorsKeepTheirMessagesUnderTheirCodesAndAreAudited() async throws {
        let switchboard = StandInSwitchboard()
        try await withDaemon(telephony: switchboard) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let expected: [(String, JSONValue, String, String)] = [
                ("answer", ["call": 12], "rejected", "call 12 is already answered by anna — parleyctl calls shows the calls waiting"),
                ("hold", ["call": 99], "not_found", "call 99 not found — parleyctl calls lists the calls"),
                ("text", ["call": 15, "text": "hello"], "rejected", "line sms-1 is down (no SIM) — nothing was sent; parleyctl lines shows the lines"),
                ("hangup", ["call": 98], "store_unavailable", "the store cannot write (disk full) — nothing was changed; free space and retry"),
                ("text", ["call": 13, "text": "hello"], "rejected", "call 13 is a voice call — text goes only to textphone, relay and SMS calls"),
                ("calls.attach", ["call": 12, "incident": "PLY-19990101-0009"], "not_found", "incident 'PLY-19990101-0009' not found — parleyctl incidents list shows the open ones"),
            ]
            for (index, (command, args, code, message)) in expected.enumerated() {
                let reply = try await client.request(command, args, id: Int64(index))
                #expect(reply.errorCode == code, "\(command): \(reply.canonicalString)")
                #expect(reply.at("error", "message")?.stringValue == message)
            }
            let rows = try await daemon.audit { rows in rows.count == expected.count }
            #expect(rows.map(\.entry.outcome) == Array(repeating: .error, count: expected.count))
            #expect(rows.map(\.entry.detail) == expected.map { "\($0.2): \($0.3)" })
        }
    }

    @Test func withoutTelephonyLinesAndCallsAreEmptyAndTheRestNotFound() async throws {
        try await withDaemon { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let lines = try await client.request("lines", id: 1)
            #expect(lines.at("result") == ["lines": []])
            let calls = try await client.request("calls", id: 2)
            #expect(calls.at("result") == ["queue": [], "active": []])
            let commands: [(String, JSONValue)] = [
                ("answer", [:]), ("hold", ["call": 1]), ("hangup", ["call": 1]),
                ("transfer", ["call": 1, "type": "blind", "number": "999", "to_agency": "Ambulance"]),
                ("text", ["call": 1, "text": "hi"]), ("calls.attach", ["call": 1, "incident": .null]),
            ]
            for (command, args) in commands {
                let reply = try await client.request(command, args, id: 3)
                #expect(reply.errorCode == "not_found", "\(command): \(reply.canonicalString)")
                #expect(reply.at("error", "message") == """
                    no telephone lines are configured — add them under lines: in parleyd's configuration and restart parleyd
                    """)
            }
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "calls.attach" } }
            #expect(rows.prefix(2).map(\.entry.detail) == ["0 lines", "0 queued, 0 active"])
            #expect(rows.filter { $0.entry.outcome == .error }.count == 6)
        }
    }

    @Test func badTelephonyArgumentsAreRefusedAndAuditedWithoutReachingTheSwitchboard() async throws {
        let switchboard = StandInSwitchboard()
        try await withDaemon(telephony: switchboard) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let reply = try await client.request("transfer", ["call": 12, "type": "blind", "number": "0800 FIRE", "to_agency": "A"])
            #expect(reply.errorCode == "bad_arguments")
            let text = try await client.request("text", ["call": 12, "text": "\u{1B}[2J"], id: 2)
            #expect(text.errorCode == "bad_arguments")
            let rows = try await daemon.audit { rows in rows.count == 2 }
            #expect(rows.map(\.entry.outcome) == [.refused, .refused])
            #expect(rows.first?.entry.detail.hasPrefix("bad_arguments: argument 'number' of transfer must be a number to dial") == true)
            #expect(await switchboard.requests.isEmpty)
        }
    }

    /// A success response's `result` decoded as a client would.
    private func decoded<T: Decodable>(_ type: T.Type, _ response: JSONValue) throws -> T {
        try ControlReply(line: Array(response.canonicalString.utf8)).decode(T.self)
    }

    /// Runs `socat` as another uid (setpriv), sends `input`, and returns what came back.
    private func exchange(asUID uid: UInt32, _ input: String, socket: String) async throws -> [JSONValue] {
        try await blocking {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = [
                "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "socat", "-t", "5", "-", "UNIX-CONNECT:\(socket)",
            ]
            let stdin = Pipe()
            let stdout = Pipe()
            process.standardInput = stdin
            process.standardOutput = stdout
            try process.run()
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
            let output = stdout.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return try String(decoding: output, as: UTF8.self).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        }
    }
}

/// A test double for the switchboard (ParleyTelephony's, which has its own tests): it answers
/// from fixed data and records every state-changing call, so that tests see exactly what the
/// control server passed through and how it carried the answers and errors back.
///
/// Calls: 14 (999, withheld, queued first), 13 (101, voice, queued), 12 (999 TTY call answered by
/// anna). Call 15 is on the down SMS line; call 98 meets a store that cannot write; others are
/// unknown. A transfer to `000` fails (busy).
actor StandInSwitchboard: TelephonyControl {
    enum Call: Sendable, Hashable {
        case answer(Int64?, by: String)
        case hold(Int64, by: String)
        case hangUp(Int64, by: String)
        case transfer(Int64, TransferRequest, by: String)
        case text(Int64, String, by: String)
        case attach(Int64, incident: String?, by: String)
    }

    static let lines = [
        LineStatusResult(id: "999-a", name: "999 line A", service: "999", priority: "emergency", kind: "voice", state: "up", call: 14),
        LineStatusResult(id: "101-a", name: "101 line", service: "101", priority: "routine", kind: "voice", state: "up", call: 13),
        LineStatusResult(id: "999-b", name: "999 line B", service: "999", priority: "emergency", kind: "voice", state: "up", call: 12),
        LineStatusResult(id: "sms-1", name: "SMS", service: "sms", priority: "routine", kind: "gsm", state: "down", reason: "no SIM", badInput: 3, lastBadInput: "ff fe"),
    ]

    /// In order of service.
    static let queue = [
        CallSummaryResult(
            id: 14, line: "999-a", service: "999", priority: "emergency", contactChannel: "999", cliAbsence: "withheld",
            state: "queued", queuedAt: "2026-11-23T21:38:55.000Z", waitingSeconds: 65.4),
        CallSummaryResult(
            id: 13, line: "101-a", service: "101", priority: "routine", contactChannel: "101", cli: "07700900123",
            callerName: "J SMITH", state: "queued", queuedAt: "2026-11-23T21:39:55.000Z", waitingSeconds: 5.9),
    ]

    static let answered = CallSummaryResult(
        id: 12, line: "999-b", service: "999", priority: "emergency", contactChannel: "999", cli: "07700900999",
        state: "answered", queuedAt: "2026-11-23T21:30:00.000Z", answeredBy: "anna", answeredAt: "2026-11-23T21:30:04.000Z",
        incident: "PLY-20261123-0001", textMedium: "tty45", messages: 6)

    private static let failures: [Int64: TelephonyControlError] = [
        15: TelephonyControlError(.lineDown, "line sms-1 is down (no SIM) — nothing was sent; parleyctl lines shows the lines"),
        98: TelephonyControlError(
            .storeUnavailable, "the store cannot write (disk full) — nothing was changed; free space and retry"),
    ]

    private(set) var requests: [Call] = []
    private var table: [Int64: CallSummaryResult] = Dictionary(
        uniqueKeysWithValues: (StandInSwitchboard.queue + [StandInSwitchboard.answered]).map { ($0.id, $0) })
    private var waiting: [Int64] = StandInSwitchboard.queue.map(\.id)
    private var nextHandoff: Int64 = 5
    private var nextMessage: Int64 = 31

    private func existing(_ id: Int64) throws(TelephonyControlError) -> CallSummaryResult {
        if let failure = Self.failures[id] { throw failure }
        guard let call = table[id] else {
            throw TelephonyControlError(.notFound, "call \(id) not found — parleyctl calls lists the calls")
        }
        return call
    }

    func lines() async -> [LineStatusResult] { Self.lines }

    func calls() async -> CallsResult {
        CallsResult(
            queue: waiting.compactMap { table[$0] },
            active: table.values.filter { ["answered", "held", "transferring"].contains($0.state) }.sorted { $0.id < $1.id })
    }

    func answer(call: Int64?, by operatorName: String) async throws(TelephonyControlError) -> CallResult {
        requests.append(.answer(call, by: operatorName))
        guard let id = call ?? waiting.first else {
            throw TelephonyControlError(.notFound, "no calls are waiting — parleyctl calls shows the queue")
        }
        var found = try existing(id)
        guard found.state == "queued" || found.state == "held" else {
            throw TelephonyControlError(
                .rejected, "call \(id) is already \(found.state) by \(found.answeredBy ?? "someone") — parleyctl calls shows the calls waiting")
        }
        var preempted: Int64?
        if var current = table.values.first(where: { $0.state == "answered" && $0.answeredBy == operatorName }) {
            current.state = "held"
            table[current.id] = current
            preempted = current.id
        }
        found.state = "answered"
        found.answeredBy = operatorName
        found.answeredAt = "2026-11-23T21:41:00.000Z"
        found.waitingSeconds = nil
        table[id] = found
        waiting.removeAll { $0 == id }
        return CallResult(call: found, preempted: preempted)
    }

    func hold(call: Int64, by operatorName: String) async throws(TelephonyControlError) -> CallResult {
        requests.append(.hold(call, by: operatorName))
        var found = try existing(call)
        guard found.state == "answered", found.answeredBy == operatorName else {
            throw TelephonyControlError(.rejected, "call \(call) is not your answered call — only that can be put on hold")
        }
        found.state = "held"
        table[call] = found
        return CallResult(call: found)
    }

    func hangUp(call: Int64, by operatorName: String) async throws(TelephonyControlError) -> CallResult {
        requests.append(.hangUp(call, by: operatorName))
        var found = try existing(call)
        found.state = "ended"
        found.endReason = "hung_up"
        found.endedAt = "2026-11-23T21:43:00.000Z"
        table[call] = found
        waiting.removeAll { $0 == call }
        return CallResult(call: found)
    }

    func transfer(call: Int64, _ request: TransferRequest, by operatorName: String) async throws(TelephonyControlError)
        -> HandoffResult
    {
        requests.append(.transfer(call, request, by: operatorName))
        let found = try existing(call)
        guard found.state == "answered" || found.state == "held" else {
            throw TelephonyControlError(.rejected, "call \(call) is \(found.state) — answer it before transferring it")
        }
        let failed = request.number == "000"
        defer { nextHandoff += 1 }
        return HandoffResult(
            handoff: nextHandoff, call: call, type: request.type.rawValue, fromPerson: operatorName, fromAgency: "Police",
            toPerson: request.toPerson, toAgency: request.toAgency, number: request.number, cli: found.cli,
            ownReference: request.ownReference, partnerReference: request.partnerReference,
            outcome: failed ? "failed" : "requested",
            detail: failed ? "busy — the number gave BUSY; try again or another number" : nil)
    }

    func sendText(call: Int64, text: String, by operatorName: String) async throws(TelephonyControlError) -> TextResult {
        requests.append(.text(call, text, by: operatorName))
        let found = try existing(call)
        guard let medium = found.textMedium else {
            throw TelephonyControlError(
                .rejected, "call \(call) is a voice call — text goes only to textphone, relay and SMS calls")
        }
        defer { nextMessage += 1 }
        return TextResult(call: call, message: nextMessage, medium: medium, text: text, sentAt: "2026-11-23T21:42:00.000Z")
    }

    func attach(call: Int64, incident: String?, by operatorName: String) async throws(TelephonyControlError) -> CallResult {
        requests.append(.attach(call, incident: incident, by: operatorName))
        var found = try existing(call)
        if let incident, incident != "PLY-20261123-0001" {
            throw TelephonyControlError(.notFound, "incident '\(incident)' not found — parleyctl incidents list shows the open ones")
        }
        found.incident = incident
        table[call] = found
        return CallResult(call: found)
    }
}
