import Foundation
import GRDB
import ParleyCore
import Synchronization
import Testing

@testable import ParleyStore

/// Time ranges are answered through the primary key (there is no time index), which relies on
/// `recorded_at` never decreasing along the chain.
@Suite("Event queries by time")
struct EventTimeRangeTests {
    /// A wall clock that returns the given seconds in turn, then repeats the last.
    final class ScriptedClock: WallClock {
        private let times: Mutex<[TimeInterval]>
        init(_ seconds: [TimeInterval]) { times = Mutex(seconds) }
        func now() -> Date {
            Date(timeIntervalSince1970: times.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] })
        }
    }

    /// Events one per batch, stamped by `clock`.
    private func write(_ count: Int, to store: IncidentStore, clock: ScriptedClock) async throws -> [StoredEvent] {
        let writer = try EventWriter(store: store, clock: clock, logger: .quiet)
        return try await withRunningWriter(writer) {
            var events: [StoredEvent] = []
            for index in 0..<count { events.append(try await writer.append(draft(index))) }
            return events
        }
    }

    @Test func everyTimeRangeReturnsExactlyTheEventsRecordedInIt() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        // Repeated and stepped-back times: the stored stamps are non-decreasing with plateaus.
        let clock = ScriptedClock([100, 100, 101, 101, 101, 103, 102, 105, 105, 110, 111, 111])
        let events = try await write(12, to: store, clock: clock)
        let stamps = events.map(\.timestampMillis)
        #expect(stamps == stamps.sorted())
        let bounds: [Int64?] = [nil, 0, 99_999, 100_000, 100_500, 101_000, 103_000, 104_000, 105_000, 111_000, 111_001, 200_000]
        for since in bounds {
            for until in bounds {
                let filter = EventFilter(since: since, until: until)
                let expected = events.filter(filter.matches)
                #expect(try store.events(matching: filter) == expected, "since \(String(describing: since)) until \(String(describing: until))")
            }
        }
    }

    @Test func aTimeRangeIsReadThroughThePrimaryKeyNotAFullScan() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        _ = try await write(20, to: store, clock: ScriptedClock(Array(stride(from: 1000.0, to: 1020.0, by: 1))))
        let plan = try await store.pool.read { db in
            let (whereClause, arguments) = try EventFilter(since: 1_005_000, until: 1_010_000).sql(in: db)
            return try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT * FROM events\(whereClause)", arguments: arguments)
                .map { $0["detail"] as String }
        }
        #expect(plan.contains { $0.contains("SEARCH events USING INTEGER PRIMARY KEY") }, "plan: \(plan)")
        #expect(!plan.contains { $0.hasPrefix("SCAN events") }, "plan: \(plan)")
    }

    @Test func aClockSteppedBackBeforeARestartStillNeverRecordsAnEarlierTime() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let before = try temp.open()
        let first = try await write(3, to: before, clock: ScriptedClock([2_000_000]))
        try before.close()
        // Restarted with the clock an hour behind.
        let store = try temp.open()
        let second = try await write(3, to: store, clock: ScriptedClock([2_000_000 - 3600]))
        #expect(second.allSatisfy { $0.timestampMillis >= first.last!.timestampMillis })
        #expect(try store.events(matching: EventFilter(since: first.last!.timestampMillis)).count == 6)
    }
}
