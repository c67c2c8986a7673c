import Foundation
import ParleyControl
import ParleyControlServer
import ParleyCore
import ParleyStore
import Testing

@Suite("Control server: tail and verify")
struct ControlServerStreamTests {
    private static func draft(_ kind: EventKind, _ source: EventSource, _ priority: Priority = .routine, _ n: Int) -> EventDraft {
        EventDraft(priority: priority, kind: kind, source: source, payload: ["n": .int(Int64(n))])
    }

    /// Reads stream messages until `count` events arrived.
    private func events(_ client: TestClient, count: Int) async throws -> [JSONValue] {
        try await client.lines(count).map { line in
            let message = try ControlJSON.parse(line)
            guard message["stream"] == "event", let data = message["data"] else {
                throw TestFailure("expected an event, got \(line)")
            }
            return data
        }
    }

    @Test func tailFromTheEndShowsOnlyEventsCommittedAfterSubscribingInOrderAndFiltered() async throws {
        try await withDaemon { daemon in
            try await daemon.writer.append(Self.draft("radio.key", "channel:north", .routine, 0))
            let client = try await daemon.connect()
            defer { client.close() }
            try await client.send(TestClient.requestLine("tail", ["kind": "radio", "source": "channel:north"], id: 3))
            // The tail is subscribed once its audit row is on disk.
            _ = try await daemon.audit { rows in rows.contains { $0.entry.command == "tail" } }
            var expected: [Int] = []
            for n in 1...30 {
                let north = n % 3 != 0
                let kind: EventKind = n % 5 == 0 ? "line.ring" : "radio.key"
                try await daemon.writer.append(Self.draft(kind, north ? "channel:north" : "channel:south", .routine, n))
                if north, n % 5 != 0 { expected.append(n) }
            }
            let got = try await events(client, count: expected.count)
            #expect(got.map { $0.at("payload", "n")?.intValue ?? -1 } == expected.map(Int64.init))
            let sequences = got.compactMap { $0["sequence"]?.intValue }
            #expect(sequences == sequences.sorted())
            #expect(got.allSatisfy { $0["kind"] == "radio.key" && $0["source"] == "channel:north" })
            // Other clients are served while the tail runs.
            let other = try await daemon.connect()
            defer { other.close() }
            #expect(try await other.request("status").isOK)
        }
    }

    @Test func tailFromASequenceReplaysTheBacklogThenFollowsWithAPriorityFilter() async throws {
        try await withDaemon(maxConnections: 64) { daemon in
            for n in 1...1200 {
                let priority: Priority = n % 100 == 0 ? .emergency : .routine
                try await daemon.writer.append(Self.draft("radio.key", "channel:north", priority, n))
            }
            let client = try await daemon.connect()
            defer { client.close() }
            try await client.send(TestClient.requestLine("tail", ["after_sequence": 0, "priority": "emergency"]))
            let backlog = try await events(client, count: 12)
            #expect(backlog.map { $0.at("payload", "n")?.intValue ?? -1 } == (1...12).map { Int64($0 * 100) })
            try await daemon.writer.append(Self.draft("radio.emergency", "channel:south", .emergency, 9999))
            let live = try await events(client, count: 1)
            #expect(live.first?.at("payload", "n") == 9999)
        }
    }

    @Test func tailEndsWithShuttingDownWhenTheDaemonStops() async throws {
        let daemon = try await TestDaemon.start()
        let client = try await daemon.connect()
        defer { client.close() }
        try await client.send(TestClient.requestLine("tail", [:], id: 8))
        _ = try await daemon.audit { rows in rows.contains { $0.entry.command == "tail" } }
        await daemon.stop()
        let end = try await client.message()
        #expect(end["id"] == 8)
        #expect(end.errorCode == "shutting_down")
        #expect(try await client.line() == nil)
    }

    @Test func aTailClientThatStopsReadingHoldsUpNobodyElse() async throws {
        try await withDaemon { daemon in
            let slow = try await daemon.connect()
            defer { slow.close() }
            try await slow.send(TestClient.requestLine("tail", [:]))
            _ = try await daemon.audit { rows in rows.contains { $0.entry.command == "tail" } }
            // Far more than the socket buffers hold; the slow client reads none of it.
            let drafts = (1...400).map { Self.draft("radio.key", "channel:north", .routine, $0) }
            for _ in 0..<25 { try await daemon.writer.append(contentsOf: drafts) }
            let other = try await daemon.connect()
            defer { other.close() }
            #expect(try await other.request("status").at("result", "store", "events") == 10000)
            // The slow client still gets everything, in order, once it reads.
            let first = try await events(slow, count: 10000)
            #expect(first.last?["sequence"] == 10000)
        }
    }

    @Test func verifyStreamsProgressAndReportsAnIntactChain() async throws {
        try await withDaemon { daemon in
            let drafts = (1...12000).map { Self.draft("radio.key", "channel:north", .routine, $0) }
            try await daemon.writer.append(contentsOf: drafts)
            let client = try await daemon.connect()
            defer { client.close() }
            try await client.send(TestClient.requestLine("verify", [:], id: 4))
            var progress: [JSONValue] = []
            var final: JSONValue = .null
            while true {
                let message = try await client.message()
                if message["stream"] == "progress" { progress.append(message["data"] ?? .null) } else {
                    final = message
                    break
                }
            }
            #expect(!progress.isEmpty)
            #expect(progress.last?["total"] == 12000)
            #expect(final.at("result", "intact") == true)
            #expect(final.at("result", "checked") == 12000)
            let truncated = try await client.request("verify", ["expected_head": 20000])
            #expect(truncated.at("result", "intact") == false)
            #expect(truncated.at("result", "first_bad_sequence") == 12001)
        }
    }

    @Test func eventsQueriesByKindIncidentTimeAndLimit() async throws {
        try await withDaemon { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            for n in 1...5 { try await daemon.writer.append(Self.draft("radio.key", "channel:north", .routine, n)) }
            let opened = try await client.request("incidents.open", ["channel": "sms", "category": "Crime", "grade": 3])
            let reference = try #require(opened.at("result", "incident", "reference")?.stringValue)
            let newest = try await client.request("events", ["kind": "radio", "limit": 2])
            #expect(newest.at("result", "events")?.canonicalString.contains("\"n\":5") == true)
            #expect(newest.at("result", "more") == true)
            guard case .array(let two)? = newest.at("result", "events") else { return }
            #expect(two.map { $0["sequence"] } == [4, 5])
            let fromStart = try await client.request("events", ["after_sequence": 0, "limit": 2])
            guard case .array(let first)? = fromStart.at("result", "events") else { return }
            #expect(first.map { $0["sequence"] } == [1, 2])
            let byIncident = try await client.request("events", ["incident": .string(reference)])
            guard case .array(let incidentEvents)? = byIncident.at("result", "events") else { return }
            #expect(incidentEvents.map { $0["kind"] } == ["incident.opened"])
            let future = try await client.request("events", ["since": "2999-01-01"])
            #expect(future.at("result", "events") == [])
            let unknown = try await client.request("events", ["incident": "PLY-NOPE"])
            #expect(unknown.errorCode == "not_found")
        }
    }
}
