import Foundation
import ParleyControl
import ParleyControlServer
import ParleyCore
import ParleyStore
import Testing

@Suite("Control server: requests and bad input")
struct ControlServerRequestTests {
    @Test func helloAndStatusAnswerWithTheCallersRoleAndTheStoresState() async throws {
        try await withDaemon { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let hello = try await client.request("hello", ["client": "test"], id: 11)
            #expect(hello.isOK)
            #expect(hello["id"] == 11)
            #expect(hello.at("result", "protocol") == 1)
            #expect(hello.at("result", "daemon_version") == "0.0.0-test")
            #expect(hello.at("result", "role") == "admin")
            #expect(hello.at("result", "operator") == "root")
            #expect(hello.at("result", "commands")?.canonicalString.contains("reload") == true)

            let status = try await client.request("status", id: 12)
            #expect(status.isOK)
            #expect(status.at("result", "daemon", "version") == "0.0.0-test")
            #expect(status.at("result", "store", "path") == .string(daemon.storePath))
            #expect(status.at("result", "store", "synchronous") == "normal", "the test daemon's store is opened with normal")
            #expect(status.at("result", "control", "connections") == 1)
            #expect(status.at("result", "writer", "backlog") != nil)
            let rows = try await daemon.audit { rows in rows.count >= 2 }
            #expect(rows.map(\.entry.command) == ["hello", "status"])
            #expect(rows.allSatisfy { $0.entry.outcome == .ok && $0.entry.peerUID == 0 && $0.entry.role == .admin })
            #expect(rows[0].entry.detail == "client test")
        }
    }

    static let badLines: [(name: String, line: String, code: String)] = [
        ("invalid JSON", "{\"v\":1,\"id\":5,\"cmd\":\n", "bad_json"),
        ("not a request", "[1,2,3]\n", "bad_request"),
        ("unsupported version", "{\"v\":9,\"id\":5,\"cmd\":\"status\"}\n", "unsupported_version"),
        ("unknown command", "{\"v\":1,\"id\":5,\"cmd\":\"launch\"}\n", "unknown_command"),
        ("wrong argument type", "{\"v\":1,\"id\":5,\"cmd\":\"events\",\"args\":{\"limit\":\"lots\"}}\n", "bad_arguments"),
        ("unknown argument", "{\"v\":1,\"id\":5,\"cmd\":\"audit\",\"args\":{\"lmit\":1}}\n", "bad_arguments"),
        ("line too long", "{\"v\":1,\"id\":5,\"cmd\":\"status\",\"args\":{\"x\":\"" + String(repeating: "a", count: 5000) + "\"}}\n", "line_too_long"),
        ("binary garbage", "\u{1}\u{2}\u{FF}\u{7F}\n", "bad_json"),
    ]

    @Test(arguments: badLines)
    func badInputIsRefusedAuditedAndLeavesTheConnectionAndServerUsable(
        testCase: (name: String, line: String, code: String)
    ) async throws {
        try await withDaemon(maxLineBytes: 1024) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            try await client.send(testCase.line)
            let reply = try await client.message()
            #expect(reply["ok"] == false, "\(testCase.name)")
            #expect(reply.errorCode == testCase.code, "\(testCase.name): \(reply.canonicalString)")
            #expect((reply.at("error", "message")?.stringValue ?? "").count > 20)
            // The same connection still works…
            let hello = try await client.request("hello", id: 6)
            #expect(hello.isOK, "\(testCase.name)")
            #expect(hello["id"] == 6)
            // …and so does another one.
            let other = try await daemon.connect()
            defer { other.close() }
            #expect(try await other.request("status").isOK)
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.outcome == .refused } }
            let refused = rows.filter { $0.entry.outcome == .refused }
            #expect(refused.count == 1)
            #expect(refused.first?.entry.detail.hasPrefix(testCase.code) == true, "\(refused.first?.entry.detail ?? "")")
        }
    }

    @Test func theIDOfARefusedRequestIsEchoedWheneverItCouldBeRead() async throws {
        try await withDaemon { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            try await client.send("{\"v\":1,\"id\":\"abc\",\"cmd\":\"launch\"}\n")
            #expect(try await client.message()["id"] == "abc")
            try await client.send("{broken\n")
            #expect(try await client.message()["id"] == .null)
        }
    }

    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        try await withDaemon { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            var batch = ""
            for id in 1...20 {
                batch += id % 3 == 0 ? "{\"v\":1,\"id\":\(id),\"cmd\":\"nope\"}\n" : TestClient.requestLine("hello", id: Int64(id))
            }
            try await client.send(batch)
            for id in 1...20 {
                let reply = try await client.message()
                #expect(reply["id"] == .int(Int64(id)))
                #expect(reply.isOK == (id % 3 != 0))
            }
        }
    }

    @Test func aClientThatSendsNothingIsClosedAfterTheIdleTimeout() async throws {
        // One second, so that the active client below (a request every 150 ms) keeps well
        // inside it even when a loaded machine delays a round trip.
        try await withDaemon(idleTimeout: .seconds(1)) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let started = ContinuousClock.now
            // Generous waits: these are for the close to arrive, not a timing assertion.
            let reply = try await client.message(timeout: .seconds(30))
            #expect(reply.errorCode == "idle_timeout")
            #expect(try await client.line(timeout: .seconds(30)) == nil)
            #expect(started.duration(to: .now) >= .milliseconds(950))
            // An active client is not cut off while it keeps talking.
            let busy = try await daemon.connect()
            defer { busy.close() }
            for _ in 0..<4 {
                try await Task.sleep(for: .milliseconds(150))
                #expect(try await busy.request("hello").isOK)
            }
        }
    }

    @Test func aClientThatDisconnectsMidLineHasNothingExecuted() async throws {
        try await withDaemon { daemon in
            let client = try await daemon.connect()
            try await client.send(
                "{\"v\":1,\"id\":1,\"cmd\":\"incidents.open\",\"args\":{\"channel\":\"999\",\"category\":\"Public Safety\",\"grade\":1}}")
            client.close()
            let other = try await daemon.connect()
            defer { other.close() }
            #expect(try await other.request("status").isOK)
            #expect(try daemon.store.counts().incidents == 0)
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "status" } }
            #expect(rows.map(\.entry.command) == ["status"])
        }
    }

    @Test func requestsSentBeforeTheClientHalfClosesAreStillAnswered() async throws {
        try await withDaemon { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            try await client.send(TestClient.requestLine("hello", id: 1) + TestClient.requestLine("status", id: 2))
            client.shutdownWrite()
            #expect(try await client.message()["id"] == 1)
            #expect(try await client.message()["id"] == 2)
            #expect(try await client.line() == nil)
        }
    }

    @Test func connectionsBeyondTheLimitAreRefusedWithAReason() async throws {
        try await withDaemon(maxConnections: 2) { daemon in
            let first = try await daemon.connect()
            let second = try await daemon.connect()
            defer {
                first.close()
                second.close()
            }
            #expect(try await first.request("hello").isOK)
            #expect(try await second.request("hello").isOK)
            let third = try await daemon.connect()
            defer { third.close() }
            #expect(try await third.message().errorCode == "too_many_connections")
        }
    }

    @Test func reloadIsForAdminsAndReportsTheHandlersAnswerOrError() async throws {
        struct Broken: Error, CustomStringConvertible { var description: String { "line 3: bad key" } }
        try await withDaemon(reload: { "2 roles changed" }) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let reply = try await client.request("reload")
            #expect(reply.at("result", "message") == "2 roles changed")
        }
        try await withDaemon(reload: { throw Broken() }) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let reply = try await client.request("reload")
            #expect(reply.errorCode == "reload_failed")
            #expect(reply.at("error", "message")?.stringValue?.contains("line 3: bad key") == true)
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "reload" } }
            #expect(rows.last?.entry.outcome == .error)
        }
    }
}
