import Crypto
import Foundation
import ParleyCore
import Testing

@testable import ParleyStore

/// Tampering is done with the real `sqlite3` CLI, as someone editing the file would. The
/// append-only triggers stop plain edits, so each attack first drops them.
@Suite("Hash chain verification")
struct ChainVerifierTests {
    private static let dropGuards = "DROP TRIGGER events_no_update; DROP TRIGGER events_no_delete;"

    private func storeWithEvents(_ count: Int) async throws -> TemporaryStore {
        let temp = try TemporaryStore()
        let store = try temp.open()
        let writer = try EventWriter(store: store, batchMaxEvents: 7, logger: .quiet)
        try await withRunningWriter(writer) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<count { group.addTask { _ = try await writer.append(draft(index)) } }
                try await group.waitForAll()
            }
        }
        try store.close()
        return temp
    }

    private func verify(_ temp: TemporaryStore, expectedHead: Int64? = nil) throws -> ChainReport {
        let store = try temp.open(StoreOptions(readOnly: true))
        defer { try? store.close() }
        return try ChainVerifier.verify(store, expectedHead: expectedHead, pageSize: 16)
    }

    @Test func anUntouchedStoreVerifies() async throws {
        let temp = try await storeWithEvents(50)
        defer { temp.remove() }
        var progressCalls = 0
        let store = try temp.open(StoreOptions(readOnly: true))
        let report = try ChainVerifier.verify(store, pageSize: 16) { checked, total in
            progressCalls += 1
            #expect(checked <= total)
        }
        #expect(report.intact)
        #expect(report.checked == 50)
        #expect(progressCalls >= 3)
    }

    @Test func appendOnlyTriggersRefuseEditsAndDeletes() async throws {
        let temp = try await storeWithEvents(3)
        defer { temp.remove() }
        #expect(throws: StoreError.self) { try sqlite3(temp.path, "UPDATE events SET payload = '{}' WHERE sequence = 2") }
        #expect(throws: StoreError.self) { try sqlite3(temp.path, "DELETE FROM events WHERE sequence = 2") }
        #expect(try verify(temp).intact)
    }

    @Test func anEditedPayloadIsDetectedAtItsSequence() async throws {
        let temp = try await storeWithEvents(40)
        defer { temp.remove() }
        try sqlite3(temp.path, Self.dropGuards + #"UPDATE events SET payload = '{"index":999}' WHERE sequence = 23;"#)
        let report = try verify(temp)
        #expect(report.firstBadSequence == 23)
        #expect(report.problem?.contains("edited") == true)
    }

    @Test func aDeletedRowIsDetected() async throws {
        let temp = try await storeWithEvents(40)
        defer { temp.remove() }
        try sqlite3(temp.path, Self.dropGuards + "DELETE FROM events WHERE sequence = 17;")
        let report = try verify(temp)
        #expect(report.firstBadSequence == 17)
        #expect(report.problem?.contains("deleted") == true)
    }

    @Test func aReorderedPairOfRowsIsDetected() async throws {
        let temp = try await storeWithEvents(40)
        defer { temp.remove() }
        // Swap the contents of rows 10 and 11 (hashes and all): each row is self-consistent,
        // only the links betray it.
        try sqlite3(
            temp.path,
            Self.dropGuards + """
                CREATE TEMP TABLE t AS SELECT * FROM events WHERE sequence IN (10, 11);
                DELETE FROM events WHERE sequence IN (10, 11);
                INSERT INTO events SELECT CASE sequence WHEN 10 THEN 11 ELSE 10 END, recorded_at, priority, kind, source,
                    incident_id, payload, previous_hash, hash FROM t;
                """)
        let report = try verify(temp)
        #expect(report.firstBadSequence == 10)
        #expect(report.problem?.contains("reordered") == true)
    }

    @Test func aDeletedAndReinsertedForgedRowIsDetected() async throws {
        let temp = try await storeWithEvents(40)
        defer { temp.remove() }
        // Replace row 30 with a forged event whose own hash is computed correctly: only the
        // link from row 31 exposes it.
        let original = try #require(try temp.open(StoreOptions(readOnly: true)).event(sequence: 30))
        let forgedPayload = #"{"index":1000}"#
        let forgedHash = EventChain.hash(
            sequence: 30, timestampMillis: original.timestampMillis, priority: original.priority,
            kind: original.kind.rawValue, source: original.source.rawValue, incidentID: nil, payload: forgedPayload,
            previousHash: original.previousHash)
        try sqlite3(
            temp.path,
            Self.dropGuards + """
                DELETE FROM events WHERE sequence = 30;
                INSERT INTO events VALUES (30, \(original.timestampMillis), 'routine', 'test.event', 'channel:test', NULL,
                    '\(forgedPayload)', '\(original.previousHash)', '\(forgedHash)');
                """)
        let report = try verify(temp)
        #expect(report.firstBadSequence == 31)
        #expect(report.problem?.contains("previous-hash link broken") == true)
    }

    @Test func aTruncatedTailIsDetectedAgainstTheAnchor() async throws {
        let temp = try await storeWithEvents(40)
        defer { temp.remove() }
        try sqlite3(temp.path, Self.dropGuards + "DELETE FROM events WHERE sequence > 35;")
        let report = try verify(temp)
        #expect(report.firstBadSequence == 36)
        #expect(report.problem?.contains("truncated") == true)
    }

    @Test func aTruncatedTailWithARewrittenAnchorIsDetectedAgainstTheLastAcknowledgedSequence() async throws {
        let temp = try await storeWithEvents(40)
        defer { temp.remove() }
        try sqlite3(
            temp.path,
            Self.dropGuards + """
                DELETE FROM events WHERE sequence > 35;
                UPDATE chain_anchor SET last_sequence = 35, last_hash = (SELECT hash FROM events WHERE sequence = 35);
                """)
        #expect(try verify(temp).intact, "without an outside reference the rewritten anchor looks consistent")
        let report = try verify(temp, expectedHead: 40)
        #expect(report.firstBadSequence == 36)
        #expect(report.problem?.contains("event 40 was acknowledged") == true)
    }

    @Test func rowsAppendedOutsideParleydAreDetected() async throws {
        let temp = try await storeWithEvents(5)
        defer { temp.remove() }
        let last = try #require(try temp.open(StoreOptions(readOnly: true)).event(sequence: 5))
        let payload = "{}"
        let hash = EventChain.hash(
            sequence: 6, timestampMillis: last.timestampMillis, priority: .routine, kind: "test.event",
            source: "channel:test", incidentID: nil, payload: payload, previousHash: last.hash)
        try sqlite3(
            temp.path,
            "INSERT INTO events VALUES (6, \(last.timestampMillis), 'routine', 'test.event', 'channel:test', NULL, '\(payload)', '\(last.hash)', '\(hash)');"
        )
        let report = try verify(temp)
        #expect(report.firstBadSequence == 6)
        #expect(report.problem?.contains("outside parleyd") == true)
    }
}

@Suite("Event hash")
struct EventHashTests {
    /// The chain's hash must be reproducible by anyone with the documented recipe: check it
    /// against coreutils' `sha256sum` over the joined text.
    @Test func theHashIsSHA256OfTheDocumentedTextAsComputedBySha256sum() throws {
        let payload = JSONValue.object(["text": "hello\nworld", "n": 7]).canonicalString
        let previous = String(repeating: "ab", count: 32)
        let ours = EventChain.hash(
            sequence: 42, timestampMillis: 1_795_456_471_123, priority: .emergency, kind: "radio.emergency",
            source: "channel:north", incidentID: 9, payload: payload, previousHash: previous)
        let text = "parley-event-v1\n42\n1795456471123\nemergency\nradio.emergency\nchannel:north\n9\n\(payload)\n\(previous)"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(text.utf8))
        try input.fileHandleForWriting.close()
        let reference = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
        process.waitUntilExit()
        #expect(ours == String(reference))
        // And without an incident the field is empty, not "nil".
        let unlinked = EventChain.hash(
            sequence: 1, timestampMillis: 0, priority: .routine, kind: "k", source: "s", incidentID: nil, payload: "{}",
            previousHash: ChainHead.genesis.hash)
        #expect(unlinked != ours)
        #expect(unlinked.count == 64)
    }

    /// The writer lays the text out byte by byte; it must equal the joined text for every
    /// integer shape (zero, negative, extremes) and for non-ASCII payloads.
    @Test(arguments: [Int64.min, -1, 0, 7, 10, 99, 100, 1_795_456_471_123, Int64.max])
    func theHashEqualsSHA256OfTheJoinedTextForEveryIntegerShape(_ number: Int64) {
        let payload = JSONValue.object(["text": "Café ☎ 999", "n": .int(number)]).canonicalString
        for incident in [nil, number] as [Int64?] {
            let ours = EventChain.hash(
                sequence: number, timestampMillis: number, priority: .admin, kind: "call.handoff", source: "line:1",
                incidentID: incident, payload: payload, previousHash: ChainHead.genesis.hash)
            let text = "parley-event-v1\n\(number)\n\(number)\nadmin\ncall.handoff\nline:1\n\(incident.map(String.init) ?? "")\n\(payload)\n\(ChainHead.genesis.hash)"
            let reference = SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
            #expect(ours == reference)
        }
    }
}
