import Foundation
import ParleyControl
import ParleyControlServer
import ParleyCore
import ParleyStore
import Testing

@Suite("Control server: incidents and roles")
struct ControlServerIncidentTests {
    @Test func anIncidentIsOpenedGradedAssessedRecategorisedClosedAndShown() async throws {
        try await withDaemon { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let opened = try await client.request(
                "incidents.open",
                ["channel": "999", "category": "Public Safety / Concern for safety", "grade": 1, "summary": "man with a knife"])
            #expect(opened.isOK, "\(opened.canonicalString)")
            let reference = try #require(opened.at("result", "incident", "reference")?.stringValue)
            #expect(reference.hasPrefix("PLY-"))
            #expect(opened.at("result", "incident", "opened_by") == "root")
            #expect(opened.at("result", "sequences") == [1])

            let graded = try await client.request("incidents.grade", ["incident": .string(reference), "grade": "G2", "reason": "suspect left"])
            #expect(graded.at("result", "incident", "grade") == 2)
            let assessed = try await client.request(
                "incidents.assess",
                ["incident": .string(reference), "threat": "knife seen", "vulnerability": "elderly caller"])
            #expect(assessed.isOK)
            let categorised = try await client.request(
                "incidents.categorise", ["incident": .string(reference), "category": "Crime / Violence against the person"])
            #expect(categorised.at("result", "incident", "opening_category") == "Crime / Violence against the person")
            let closed = try await client.request("incidents.close", ["incident": .string(reference), "category": "Crime / Violence"])
            #expect(closed.at("result", "incident", "open") == false)
            #expect(closed.at("result", "incident", "closed_by") == "root")

            let again = try await client.request("incidents.grade", ["incident": .string(reference), "grade": 1, "reason": "x"])
            #expect(again.errorCode == "rejected")
            let missing = try await client.request("incidents.show", ["incident": "PLY-19990101-0001"])
            #expect(missing.errorCode == "not_found")

            let shown = try await client.request("incidents.show", ["incident": .string(reference)])
            #expect(shown.at("result", "incident", "grade") == 2)
            #expect(shown.at("result", "grades")?.canonicalString.contains("suspect left") == true)
            #expect(shown.at("result", "assessments")?.canonicalString.contains("elderly caller") == true)
            #expect(shown.at("result", "event_count") == 5)
            guard case .array(let events)? = shown.at("result", "events") else {
                Issue.record("no events")
                return
            }
            #expect(events.map { $0["kind"]?.stringValue ?? "" } == [
                "incident.opened", "incident.graded", "incident.assessed", "incident.categorised", "incident.closed",
            ])
            #expect(events.first?["priority"] == "emergency")
            #expect(events.first?.at("payload", "summary") == "man with a knife")

            let list = try await client.request("incidents.list", ["open_only": false])
            guard case .array(let incidents)? = list.at("result", "incidents") else { return }
            #expect(incidents.count == 1)

            // The change and its audit row committed together; refusals and errors are audited too.
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "incidents.list" } }
            let changes = rows.filter { $0.entry.command.hasPrefix("incidents.") && $0.entry.outcome == .ok }
            #expect(changes.map(\.entry.command) == [
                "incidents.open", "incidents.grade", "incidents.assess", "incidents.categorise", "incidents.close",
                "incidents.show", "incidents.list",
            ])
            #expect(changes.first?.entry.detail == reference)
            #expect(rows.filter { $0.entry.outcome == .error }.map(\.entry.command) == ["incidents.grade", "incidents.show"])
        }
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

    static let roleCases: [(uid: UInt32, command: String, code: String?)] = [
        (TestDaemon.engineerUID, "status", nil),
        (TestDaemon.engineerUID, "incidents.open", "forbidden"),
        (TestDaemon.engineerUID, "reload", "forbidden"),
        (TestDaemon.dispatcherUID, "incidents.open", nil),
        (TestDaemon.dispatcherUID, "reload", "forbidden"),
        (TestDaemon.unmappedUID, "status", "no_role"),
        (TestDaemon.unmappedUID, "hello", "no_role"),
    ]

    @Test(arguments: roleCases)
    func peersAreMappedToRolesByTheirKernelCredentials(testCase: (uid: UInt32, command: String, code: String?)) async throws {
        try await withDaemon { daemon in
            let args: JSONValue = testCase.command == "incidents.open" ? ["channel": "101", "category": "Admin", "grade": 4] : [:]
            let replies = try await exchange(
                asUID: testCase.uid,
                TestClient.requestLine(testCase.command, args, id: 1) + TestClient.requestLine("hello", id: 2),
                socket: daemon.socketPath)
            let first = try #require(replies.first)
            #expect(first["id"] == 1)
            #expect(first.errorCode == testCase.code, "\(first.canonicalString)")
            if testCase.code == "no_role" {
                #expect(replies.count == 1, "a peer without a role is closed after its refusal")
                #expect(first.at("error", "message")?.stringValue?.contains("uid \(testCase.uid)") == true)
                #expect(first.at("error", "message")?.stringValue?.contains("control.roles") == true)
            } else {
                #expect(replies.count == 2)
            }
            if testCase.command == "incidents.open", testCase.code == nil {
                #expect(first.at("result", "incident", "opened_by") == .string("uid:\(testCase.uid)"))
            }
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == testCase.command } }
            let row = try #require(rows.first { $0.entry.command == testCase.command })
            #expect(row.entry.peerUID == testCase.uid)
            #expect(row.entry.peerGID == testCase.uid)
            #expect(row.entry.outcome == (testCase.code == nil ? .ok : .refused))
            #expect(row.entry.role == TestDaemon.roles(PeerCredentials(pid: 0, uid: testCase.uid, gid: 0)))
            if let code = testCase.code { #expect(row.entry.detail.hasPrefix(code)) }
            #expect(try daemon.store.counts().incidents == (testCase.command == "incidents.open" && testCase.code == nil ? 1 : 0))
        }
    }
}
