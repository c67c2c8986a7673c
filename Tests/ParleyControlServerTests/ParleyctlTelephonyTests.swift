import Foundation
import ParleyControl
import ParleyCore
import Testing

/// Runs the built `parleyctl` against a control server whose switchboard is the stand-in
/// (`StandInSwitchboard`, in ControlServerTelephonyTests.swift).
@Suite("parleyctl: telephony commands")
struct ParleyctlTelephonyTests {
    private static func parleyctl(_ arguments: [String], asUID uid: UInt32? = nil) async throws -> ParleyctlTests.Run {
        try await ParleyctlRadioTests.parleyctl(arguments, asUID: uid)
    }

    @Test func callsPrintsTheQueueInOrderOfServiceThenTheCallsInHand() async throws {
        try await withDaemon(telephony: StandInSwitchboard()) { daemon in
            let socket = ["--socket", daemon.socketPath]
            let table = try await Self.parleyctl(["calls"] + socket)
            #expect(table.status == 0, "\(table.stderr)")
            // Columns padded to the widest cell, two spaces apart; 65.4 s waiting is 01:05.
            #expect(table.stdout.split(separator: "\n").map(String.init) == [
                "#  CALL  PRIORITY   SERVICE  LINE   CLI          CALLER   WAITING  STATE     ANSWERED BY  INCIDENT",
                "1  14    emergency  999      999-a  withheld     -        01:05    queued    -            -",
                "2  13    routine    101      101-a  07700900123  J SMITH  00:05    queued    -            -",
                "-  12    emergency  999      999-b  07700900999  -        -        answered  anna         PLY-20261123-0001",
            ], "\(table.stdout)")
            let json = try await Self.parleyctl(["calls", "--json"] + socket)
            #expect(json.status == 0)
            let value = try ControlJSON.parse(json.stdout.trimmingCharacters(in: .newlines))
            #expect(value.at("queue")?.canonicalString.contains(#""cli_absence":"withheld""#) == true)
            let answered = try JSONValue.parse(Self.encoded(StandInSwitchboard.answered))
            #expect(value["active"] == .array([answered]))

            let lines = try await Self.parleyctl(["lines"] + socket)
            #expect(lines.status == 0, "\(lines.stderr)")
            let rows = lines.stdout.split(separator: "\n").map(String.init)
            #expect(rows.count == 5, "\(lines.stdout)")
            #expect(rows.first?.hasPrefix("LINE") == true)
            #expect(rows.last?.hasPrefix("sms-1") == true)
            #expect(rows.last?.contains("gsm    down: no SIM  -") == true, "\(lines.stdout)")
            // The BAD INPUT column: the stand-in's SMS line has skipped 3 malformed inputs.
            #expect(rows.first?.hasSuffix("BAD INPUT") == true, "\(lines.stdout)")
            #expect(rows.last?.split(separator: " ").suffix(2) == ["-", "3"], "\(lines.stdout)")
        }
        try await withDaemon { daemon in
            let socket = ["--socket", daemon.socketPath]
            #expect(try await Self.parleyctl(["calls"] + socket).stdout == "no calls\n")
            #expect(try await Self.parleyctl(["lines"] + socket).stdout == "no telephone lines are configured\n")
            let answer = try await Self.parleyctl(["answer"] + socket)
            #expect(answer.status == 3)
            #expect(answer.stderr.contains("not_found: no telephone lines are configured — add them under lines:"), "\(answer.stderr)")
        }
    }

    @Test func answerHoldAndHangUpSayWhatHappenedToTheCall() async throws {
        let switchboard = StandInSwitchboard()
        try await withDaemon(telephony: switchboard) { daemon in
            let socket = ["--socket", daemon.socketPath]
            let head = try await Self.parleyctl(["answer"] + socket)
            #expect(head.status == 0, "\(head.stderr)")
            #expect(head.stdout == "answered call 14 — 999 emergency on line 999-a from a withheld number\n")
            let next = try await Self.parleyctl(["answer", "13"] + socket)
            #expect(next.stdout == "answered call 13 — 101 routine on line 101-a from 07700900123 (J SMITH); call 14 put on hold\n")
            let hold = try await Self.parleyctl(["hold", "13"] + socket)
            #expect(hold.stdout == "call 13 on hold\n")
            let hangUp = try await Self.parleyctl(["hangup", "14"] + socket)
            #expect(hangUp.stdout == "call 14 ended (hung_up)\n")
            let taken = try await Self.parleyctl(["answer", "12"] + socket)
            #expect(taken.status == 3)
            #expect(taken.stderr == "parleyctl: rejected: call 12 is already answered by anna — parleyctl calls shows the calls waiting\n")
            let attach = try await Self.parleyctl(["attach-call", "13", "PLY-20261123-0001"] + socket)
            #expect(attach.stdout == "call 13 attached to PLY-20261123-0001\n")
            let detach = try await Self.parleyctl(["attach-call", "13", "--detach"] + socket)
            #expect(detach.stdout == "call 13 detached\n")
            let none = try await Self.parleyctl(["attach-call", "13", "--none", "--json"] + socket)
            #expect(try ControlJSON.parse(none.stdout.trimmingCharacters(in: .newlines)).at("call", "id") == 13)
            #expect(await switchboard.requests == [
                .answer(nil, by: "root"), .answer(13, by: "root"), .hold(13, by: "root"), .hangUp(14, by: "root"),
                .answer(12, by: "root"), .attach(13, incident: "PLY-20261123-0001", by: "root"),
                .attach(13, incident: nil, by: "root"), .attach(13, incident: nil, by: "root"),
            ])
        }
    }

    @Test func transferSendsEveryOptionAndAFailedHandoffExitsOne() async throws {
        let switchboard = StandInSwitchboard()
        try await withDaemon(telephony: switchboard) { daemon in
            let socket = ["--socket", daemon.socketPath]
            let requested = try await Self.parleyctl(
                [
                    "transfer", "12", "01632960000", "--type", "conference", "--to-agency", "Ambulance", "--to-person",
                    "Sam Jones", "--partner-ref", "A-77", "--own-ref", "PLY-20261123-0001",
                ] + socket)
            #expect(requested.status == 0, "\(requested.stderr)")
            #expect(requested.stdout == "handoff 5: conference transfer of call 12 to Sam Jones, Ambulance (01632960000) requested\n")
            let failed = try await Self.parleyctl(["transfer", "12", "000", "--type", "blind", "--to-agency", "Fire"] + socket)
            #expect(failed.status == 1)
            #expect(failed.stdout.isEmpty)
            #expect(failed.stderr == "parleyctl: transfer of call 12 to Fire (000) failed: busy — the number gave BUSY; try again or another number\n")
            let failedJSON = try await Self.parleyctl(["transfer", "12", "000", "--type", "blind", "--to-agency", "Fire", "--json"] + socket)
            #expect(failedJSON.status == 1)
            #expect(try ControlJSON.parse(failedJSON.stdout.trimmingCharacters(in: .newlines))["outcome"] == "failed")
            #expect(await switchboard.requests == [
                .transfer(12, TransferRequest(
                    type: .conference, number: "01632960000", toAgency: "Ambulance", toPerson: "Sam Jones",
                    partnerReference: "A-77", ownReference: "PLY-20261123-0001"), by: "root"),
                .transfer(12, TransferRequest(type: .blind, number: "000", toAgency: "Fire"), by: "root"),
                .transfer(12, TransferRequest(type: .blind, number: "000", toAgency: "Fire"), by: "root"),
            ])
        }
    }

    @Test func textSendsTheMessageAsGiven() async throws {
        let switchboard = StandInSwitchboard()
        try await withDaemon(telephony: switchboard) { daemon in
            let socket = ["--socket", daemon.socketPath]
            let sent = try await Self.parleyctl(["text", "12", "Police are on the way.\nAre you safe? GA"] + socket)
            #expect(sent.status == 0, "\(sent.stderr)")
            #expect(sent.stdout == "sent message 31 on call 12 (tty45)\n")
            let voice = try await Self.parleyctl(["text", "13", "hello"] + socket)
            #expect(voice.status == 3)
            #expect(voice.stderr.contains("rejected: call 13 is a voice call"))
            #expect(await switchboard.requests == [
                .text(12, "Police are on the way.\nAre you safe? GA", by: "root"), .text(13, "hello", by: "root"),
            ])
        }
    }

    @Test func badInputIsAUsageErrorThatNeverReachesTheDaemon() async throws {
        let switchboard = StandInSwitchboard()
        try await withDaemon(telephony: switchboard) { daemon in
            let socket = ["--socket", daemon.socketPath]
            let usages: [(arguments: [String], says: String)] = [
                (["transfer", "12", "0800 FIRE", "--type", "blind", "--to-agency", "A"],
                    "argument 'number' of transfer must be a number to dial: 1 to 32 of the digits 0-9, *, #, + and , (a pause)"),
                (["transfer", "12", "999", "--type", "cold", "--to-agency", "A"],
                    "unknown transfer type 'cold' — use blind, attended, conference or relay"),
                (["transfer", "12", "999", "--type", "blind"], "--to-agency"),
                (["transfer", "12", "999", "--type", "blind", "--to-agency", " "], "argument 'to_agency' of transfer must be who the call goes to"),
                (["transfer", "0", "999", "--type", "blind", "--to-agency", "A"], "argument 'call' of transfer must be a call id"),
                (["text", "12", ""], "argument 'text' of text must be the message: 1 to 1000 characters"),
                (["text", "12", "tab\there"], "(got control character U+0009)"),
                (["text", "12", String(repeating: "x", count: 1001)], "(got 1001 characters)"),
                (["text", "12"], "Missing expected argument '<message>'"),
                (["hold"], "Missing expected argument '<call>'"),
                (["hold", "0"], "argument 'call' of hold must be a call id (a positive integer, as parleyctl calls lists it)"),
                (["hangup", "twelve"], "twelve"),
                (["answer", "0"], "argument 'call' of answer must be a call id"),
                (["attach-call", "12"], "give an incident, or --none to detach"),
                (["attach-call", "12", "PLY-20261123-0001", "--none"], "give an incident, or --none to detach"),
            ]
            for usage in usages {
                let run = try await Self.parleyctl(usage.arguments + socket)
                #expect(run.status == 2, "\(usage.arguments): \(run.stderr)")
                #expect(run.stderr.contains(usage.says), "\(usage.arguments): \(run.stderr)")
            }
            let forbidden = try await Self.parleyctl(["answer"] + socket, asUID: TestDaemon.engineerUID)
            #expect(forbidden.status == 3, "\(forbidden.stderr)")
            #expect(forbidden.stderr.contains("forbidden: answer needs the dispatcher role"))
            let engineerCalls = try await Self.parleyctl(["calls"] + socket, asUID: TestDaemon.engineerUID)
            #expect(engineerCalls.status == 0, "an engineer may list calls: \(engineerCalls.stderr)")
            #expect(await switchboard.requests.isEmpty)
        }
    }

    private static func encoded<T: Encodable>(_ value: T) throws -> String {
        let message = try ControlJSON.parse(try ControlMessage.success(id: nil, result: value))
        return try #require(message["result"]).canonicalString
    }
}
