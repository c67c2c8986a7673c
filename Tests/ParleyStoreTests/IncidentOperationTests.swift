import Foundation
import ParleyCore
import Testing

@testable import ParleyStore

@Suite("Incidents")
struct IncidentOperationTests {
    @Test func anIncidentIsOpenedGradedAssessedRecategorisedAndClosedWithHistoryAndEvents() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let (opened, closed) = try await withRunningWriter(writer) {
            let (opened, openEvents) = try await writer.perform(
                priority: .emergency,
                IncidentOperations.open(
                    contactChannel: .emergency999, category: "Public Safety / Concern for safety", grade: .emergency,
                    summary: "caller reports a man with a knife", by: "alice"))
            #expect(openEvents.map(\.kind) == ["incident.opened"])
            #expect(openEvents[0].priority == .emergency)
            _ = try await writer.perform(priority: .routine, IncidentOperations.grade(opened.reference, to: .priority, reason: "suspect left", by: "bob"))
            _ = try await writer.perform(
                priority: .routine,
                IncidentOperations.assess(
                    String(opened.id),
                    ThriveAssessment(threat: "knife seen", harm: "none yet", risk: "high", investigation: "CCTV", vulnerability: "elderly caller", engagement: "keep on line"),
                    by: "alice"))
            _ = try await writer.perform(priority: .routine, IncidentOperations.categorise(opened.reference, category: "Crime / Violence against the person", by: "alice"))
            let (closed, _) = try await writer.perform(priority: .routine, IncidentOperations.close(opened.reference, category: "Crime / Violence against the person", by: "bob"))
            return (opened, closed)
        }
        #expect(opened.reference.hasPrefix("PLY-"))
        #expect(opened.reference.hasSuffix("-0001"))
        #expect(closed.closedBy == "bob")
        let detail = try store.incident(opened.reference)
        #expect(detail.incident.currentGrade == .priority)
        #expect(detail.incident.openingCategory == "Crime / Violence against the person")
        #expect(detail.grades.map(\.grade) == [.emergency, .priority])
        #expect(detail.grades.map(\.reason) == ["opened", "suspect left"])
        #expect(detail.assessments.first?.assessment.vulnerability == "elderly caller")
        #expect(detail.eventCount == 5)
        let kinds = try store.events(matching: EventFilter(kind: "incident", incidentID: opened.id)).map(\.kind.rawValue)
        #expect(kinds == ["incident.opened", "incident.graded", "incident.assessed", "incident.categorised", "incident.closed"])
        #expect(try store.incidents(openOnly: true).isEmpty)
    }

    @Test func changesToAClosedOrMissingIncidentAreRefusedAndWriteNothing() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        try await withRunningWriter(writer) {
            let (incident, _) = try await writer.perform(
                priority: .routine, IncidentOperations.open(contactChannel: .sms, category: "Admin", grade: .scheduled, summary: "", by: "carol"))
            _ = try await writer.perform(priority: .routine, IncidentOperations.close(incident.reference, category: "Admin", by: "carol"))
            await #expect(throws: StoreError.self) {
                try await writer.perform(priority: .routine, IncidentOperations.grade(incident.reference, to: .emergency, reason: "x", by: "carol"))
            }
            await #expect(throws: StoreError.notFound("incident 'PLY-NOPE'")) {
                try await writer.perform(priority: .routine, IncidentOperations.grade("PLY-NOPE", to: .emergency, reason: "x", by: "carol"))
            }
            await #expect(throws: StoreError.self) {
                try await writer.perform(priority: .routine, IncidentOperations.open(contactChannel: .sms, category: "  ", grade: .scheduled, summary: "", by: "carol"))
            }
        }
        #expect(try store.counts().events == 2)
        #expect(try store.counts().incidents == 1)
    }

    @Test func sqliteItselfRefusesRowsTheModelForbids() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        _ = try temp.open()
        let forbidden = [
            "INSERT INTO incidents (reference, opened_at, opened_by, contact_channel, opening_category, current_grade) VALUES ('R', 0, 'a', 'pigeon', 'c', 1)",
            "INSERT INTO incidents (reference, opened_at, opened_by, contact_channel, opening_category, current_grade) VALUES ('R', 0, 'a', '999', 'c', 5)",
            "INSERT INTO incidents (reference, opened_at, opened_by, contact_channel, opening_category, current_grade, closed_at) VALUES ('R', 0, 'a', '999', 'c', 1, 5)",
            "PRAGMA foreign_keys = ON; INSERT INTO grade_history (incident_id, grade, graded_at, graded_by, reason) VALUES (77, 1, 0, 'a', 'b')",
            "INSERT INTO events VALUES (1, 0, 'urgent', 'k', 's', NULL, '{}', '\(String(repeating: "0", count: 64))', '\(String(repeating: "1", count: 64))')",
        ]
        for sql in forbidden {
            #expect(throws: StoreError.self, "\(sql)") { try sqlite3(temp.path, sql) }
        }
    }
}

@Suite("Event queries")
struct EventQueryTests {
    @Test(arguments: [
        (EventFilter(kind: "radio"), [1, 2]),
        (EventFilter(kind: "radio.key"), [1]),
        (EventFilter(source: "channel"), [1, 2, 3]),
        (EventFilter(source: "channel:north"), [1, 3]),
        (EventFilter(atLeastPriority: .priority), [2, 4]),
        (EventFilter(afterSequence: 2), [3, 4]),
        (EventFilter(kind: "radio", source: "channel:south"), [2]),
    ])
    func filtersSelectByKindSourcePriorityAndSequence(filter: EventFilter, expected: [Int64]) async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let drafts = [
            EventDraft(priority: .routine, kind: "radio.key", source: "channel:north"),
            EventDraft(priority: .emergency, kind: "radio.emergency", source: "channel:south"),
            EventDraft(priority: .routine, kind: "channel.fault", source: "channel:north"),
            EventDraft(priority: .priority, kind: "radiology.x", source: "channelx"),
        ]
        let stored = try await withRunningWriter(writer) { try await writer.append(contentsOf: drafts) }
        #expect(try store.events(matching: filter).map(\.sequence) == expected)
        #expect(stored.filter(filter.matches).map(\.sequence) == expected)
    }
}
