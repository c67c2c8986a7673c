import Foundation
import ParleyCore
import ParleyTestSupport
import Synchronization
import Testing

@testable import ParleyStore

@Suite("Event writer")
struct EventWriterTests {
    @Test func acknowledgedEventsCarryConsecutiveSequencesAndAChainedHash() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let events = try await withRunningWriter(writer) {
            var events: [StoredEvent] = []
            for index in 0..<5 { events.append(try await writer.append(draft(index))) }
            return events
        }
        #expect(events.map(\.sequence) == [1, 2, 3, 4, 5])
        #expect(events[0].previousHash == ChainHead.genesis.hash)
        for (previous, next) in zip(events, events.dropFirst()) {
            #expect(next.previousHash == previous.hash)
        }
        for event in events { #expect(EventChain.hash(of: event) == event.hash) }
        #expect(try store.events(matching: EventFilter()) == events)
        #expect(try store.anchor() == ChainHead(sequence: 5, hash: events[4].hash))
    }

    @Test func concurrentProducersAreGroupCommittedAndAllAcknowledged() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, batchMaxEvents: 500, logger: .quiet)
        let sequences = try await withRunningWriter(writer) {
            try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<2000 {
                    group.addTask { try await writer.append(draft(index)).sequence }
                }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
        }
        #expect(Set(sequences) == Set(1...2000))
        let stats = writer.statistics
        #expect(stats.committedEvents == 2000)
        #expect(stats.committedBatches < 2000, "events were not batched")
        #expect(try ChainVerifier.verify(store).intact)
    }

    /// Submits `drafts` at once to a writer that does not run yet, and returns (their producers)
    /// once all are queued: the writer then starts with a backlog to order.
    private func queueBacklog(_ drafts: [EventDraft], on writer: EventWriter) async throws -> Task<[StoredEvent], any Error> {
        let producers = Task {
            try await withThrowingTaskGroup(of: StoredEvent.self) { group in
                for draft in drafts { group.addTask { try await writer.append(draft) } }
                return try await group.reduce(into: [StoredEvent]()) { $0.append($1) }
            }
        }
        while writer.statistics.backlog < drafts.count { try await Task.sleep(for: .milliseconds(5)) }
        return producers
    }

    @Test func aBacklogIsWrittenEmergencyFirst() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        // Batches of one, so the order of commits is the order of service.
        let writer = try EventWriter(store: store, batchMaxEvents: 1, logger: .quiet)
        let producers = try await queueBacklog(
            (0..<3).map { draft($0, priority: .admin) } + (0..<3).map { draft($0, priority: .routine) }
                + [draft(99, priority: .emergency, kind: "radio.emergency")],
            on: writer)
        let events = try await withRunningWriter(writer) { try await producers.value }
        let ordered = events.sorted { $0.sequence < $1.sequence }
        #expect(ordered.first?.kind == "radio.emergency")
        #expect(ordered.map(\.priority) == [.emergency, .routine, .routine, .routine, .admin, .admin, .admin])
    }

    @Test func emergenciesAreCommittedWithoutTheRoutineBacklogBehindThem() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        // Room for everything in one batch: only the emergency rule splits it.
        let writer = try EventWriter(store: store, batchMaxEvents: 100, logger: .quiet)
        let producers = try await queueBacklog(
            (0..<50).map { draft($0) } + (0..<2).map { draft($0, priority: .emergency, kind: "radio.emergency") }, on: writer)
        let events = try await withRunningWriter(writer) { try await producers.value }
        let emergencies = events.filter { $0.priority == .emergency }
        #expect(emergencies.map(\.sequence).sorted() == [1, 2])
        // The two emergencies in one commit, then the fifty routine events in another.
        #expect(writer.statistics.committedBatches == 2)
        #expect(Set(emergencies.map(\.timestampMillis)).count == 1)
        #expect(try ChainVerifier.verify(store).intact)
    }

    @Test func anEmergencyWaitingIsCommittedBeforeTheWALRestarts() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let log = LogCapture()
        // A restart checkpoint after every commit; none in the background.
        let writer = try EventWriter(
            store: store, batchMaxEvents: 100, queueCapacity: 100, clock: SystemWallClock(),
            walMarks: WALCheckpointer.Marks(background: 1_000_000, restart: 1), logger: log.logger())
        let emergency = Mutex<Task<StoredEvent, any Error>?>(nil)
        let events = try await withRunningWriter(writer) {
            // The first batch's operation submits an emergency and returns once it is queued, so
            // it waits when that batch's commit passes the restart mark.
            _ = try await writer.perform(priority: .routine) { _, _ -> ((), [EventDraft]) in
                emergency.withLock { $0 = Task { try await writer.append(draft(1, priority: .emergency, kind: "radio.emergency")) } }
                let deadline = Date(timeIntervalSinceNow: 10)
                while writer.statistics.backlog == 0 && Date() < deadline { usleep(1000) }
                return ((), [draft(0)])
            }
            return [try await emergency.withLock { $0! }.value, try await writer.append(draft(2))]
        }
        #expect(events.map(\.sequence) == [2, 3])
        // Put off once, for the emergency; the restarts after its commit and the next one ran.
        #expect(log.count("WAL restart put off: an emergency is committed first") == 1)
        #expect(try ChainVerifier.verify(store).intact)
    }

    @Test func producersWaitWhenTheBacklogIsFullAndNothingIsShed() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, batchMaxEvents: 2, queueCapacity: 4, logger: .quiet)
        let producers = Task {
            try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<10 { group.addTask { try await writer.append(draft(index)).sequence } }
                return try await group.reduce(into: [Int64]()) { $0.append($1) }
            }
        }
        // Without a running writer, four are queued and six producers wait for room.
        while writer.statistics.waitingProducers < 6 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(writer.statistics.backlog == 4)
        // An emergency is never made to wait for room.
        let emergency = Task { try await writer.append(draft(0, priority: .emergency)) }
        while writer.statistics.backlog < 5 { try await Task.sleep(for: .milliseconds(5)) }
        let sequences = try await withRunningWriter(writer) { try await producers.value }
        #expect(Set(sequences).count == 10)
        #expect(try await emergency.value.sequence == 1)
        #expect(try store.counts().events == 11)
    }

    @Test func aFailingOperationIsUndoneWithoutTakingItsBatchDown() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, batchMaxEvents: 100, logger: .quiet)
        let failures = try await withRunningWriter(writer) {
            await withTaskGroup(of: Bool.self) { group in
                for index in 0..<20 {
                    group.addTask {
                        do {
                            if index == 7 {
                                // Violates a foreign key: incident 12345 does not exist.
                                _ = try await writer.perform(priority: .routine) { db, _ -> ((), [EventDraft]) in
                                    try db.execute(sql: "INSERT INTO grade_history (incident_id, grade, graded_at, graded_by, reason) VALUES (12345, 1, 0, 'x', 'y')")
                                    return ((), [draft(index)])
                                }
                            } else if index == 8 {
                                _ = try await writer.append(EventDraft(priority: .routine, kind: "bad kind", source: "system"))
                            } else {
                                _ = try await writer.append(draft(index))
                            }
                            return false
                        } catch {
                            return true
                        }
                    }
                }
                return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
            }
        }
        #expect(failures == 2)
        #expect(try store.counts().events == 18)
        #expect(try ChainVerifier.verify(store).intact)
    }

    /// One batch holding every kind of submission, with an operation that fails after its first
    /// event was already chained: that event is forgotten, and every acknowledgement matches the
    /// row stored under its sequence number.
    @Test func aMixedBatchAcknowledgesExactlyWhatItStored() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, batchMaxEvents: 100, logger: .quiet)
        enum Outcome: Sendable { case stored([StoredEvent]), failed }
        let producers = Task {
            await withTaskGroup(of: Outcome.self) { group in
                group.addTask { (try? await writer.append(draft(1))).map { .stored([$0]) } ?? .failed }
                group.addTask {
                    (try? await writer.append(contentsOf: [draft(2), draft(3), draft(4)])).map { .stored($0) } ?? .failed
                }
                group.addTask {
                    // The second event names an incident that does not exist: its INSERT fails
                    // the foreign key after the first event was chained and inserted.
                    let result = try? await writer.perform(priority: .routine) { _, _ -> (Int, [EventDraft]) in
                        var orphan = draft(6)
                        orphan.incidentID = 424_242
                        return (7, [draft(5), orphan])
                    }
                    return result.map { .stored($0.1) } ?? .failed
                }
                group.addTask {
                    let result = try? await writer.perform(priority: .routine) { _, _ -> (Int, [EventDraft]) in (8, [draft(8), draft(9)]) }
                    return result.map { .stored($0.1) } ?? .failed
                }
                group.addTask { (try? await writer.append(draft(10))).map { .stored([$0]) } ?? .failed }
                return await group.reduce(into: [Outcome]()) { $0.append($1) }
            }
        }
        while writer.statistics.backlog < 5 { try await Task.sleep(for: .milliseconds(5)) }
        let outcomes = try await withRunningWriter(writer) { await producers.value }
        #expect(writer.statistics.committedBatches == 1)
        let acknowledged = outcomes.flatMap { outcome -> [StoredEvent] in
            if case .stored(let events) = outcome { return events }
            return []
        }.sorted { $0.sequence < $1.sequence }
        #expect(outcomes.filter { if case .failed = $0 { true } else { false } }.count == 1)
        #expect(acknowledged.map(\.sequence) == Array(1...7))
        #expect(!acknowledged.contains { $0.payload.contains("\"index\":5") || $0.payload.contains("\"index\":6") })
        #expect(try store.events(matching: EventFilter()) == acknowledged)
        for event in acknowledged { #expect(EventChain.hash(of: event) == event.hash) }
        #expect(try ChainVerifier.verify(store).intact)
        #expect(try store.anchor() == ChainHead(sequence: 7, hash: acknowledged[6].hash))
    }

    /// A batch's leading plain events go in through multi-row INSERTs (16 at a time, the rest
    /// one by one); an operation and the events after it, one by one. Queued in a known order
    /// before the writer runs, so they form one batch.
    @Test func aLongRunOfPlainEventsIsStoredAsAcknowledged() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, batchMaxEvents: 1000, logger: .quiet)
        let run = Task { try await writer.append(contentsOf: (0..<37).map { draft($0) }) }
        while writer.statistics.backlog < 1 { try await Task.sleep(for: .milliseconds(2)) }
        let single = Task { try await writer.append(draft(37)) }
        while writer.statistics.backlog < 2 { try await Task.sleep(for: .milliseconds(2)) }
        let operation = Task {
            try await writer.perform(priority: .routine) { _, _ -> (Int, [EventDraft]) in (1, [draft(38), draft(39)]) }
        }
        while writer.statistics.backlog < 3 { try await Task.sleep(for: .milliseconds(2)) }
        let tail = Task { try await writer.append(contentsOf: (40..<43).map { draft($0) }) }
        while writer.statistics.backlog < 4 { try await Task.sleep(for: .milliseconds(2)) }
        let acknowledged = try await withRunningWriter(writer) {
            try await run.value + [single.value] + operation.value.1 + tail.value
        }
        #expect(writer.statistics.committedBatches == 1)
        #expect(acknowledged.map(\.sequence) == Array(1...43))
        #expect(acknowledged.map(\.payload) == (0..<43).map { #"{"index":\#($0)}"# })
        #expect(try store.events(matching: EventFilter()) == acknowledged)
        for event in acknowledged { #expect(EventChain.hash(of: event) == event.hash) }
        #expect(try ChainVerifier.verify(store).intact)
    }

    @Test(arguments: ["", "has space", "tab\there", "é", String(repeating: "k", count: 129), "del\u{7f}"])
    func eventsWithABadKindOrSourceAreRefusedOnSubmission(name: String) async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        try await withRunningWriter(writer) {
            await #expect(throws: StoreError.self) {
                try await writer.append(EventDraft(priority: .routine, kind: EventKind(rawValue: name), source: "system"))
            }
            await #expect(throws: StoreError.self) {
                try await writer.append(EventDraft(priority: .routine, kind: "test.event", source: EventSource(rawValue: name)))
            }
            // The longest and the most unusual names allowed still go through.
            let longest = String(repeating: "k", count: 128)
            let stored = try await writer.append(EventDraft(priority: .routine, kind: EventKind(rawValue: longest), source: "a!~"))
            #expect(stored.kind.rawValue == longest)
        }
        #expect(try store.counts().events == 1)
    }

    @Test func theChainContinuesAcrossARestart() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        do {
            let store = try temp.open()
            let writer = try EventWriter(store: store, logger: .quiet)
            try await withRunningWriter(writer) { for index in 0..<3 { try await writer.append(draft(index)) } }
            try store.close()
        }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let next = try await withRunningWriter(writer) { try await writer.append(draft(3)) }
        #expect(next.sequence == 4)
        #expect(try ChainVerifier.verify(store) == ChainReport(checked: 4, lastGoodSequence: 4, firstBadSequence: nil, problem: nil))
    }

    @Test func afterShutdownTheBacklogIsFlushedAndNewWorkIsRefused() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let pending = Task { try await writer.append(draft(1)) }
        while writer.statistics.backlog < 1 { try await Task.sleep(for: .milliseconds(5)) }
        writer.beginShutdown()
        try await writer.run()
        #expect(try await pending.value.sequence == 1)
        await #expect(throws: StoreError.shuttingDown) { try await writer.append(draft(2)) }
    }

    @Test func timestampsNeverGoBackwardsWhenTheWallClockIsStepped() async throws {
        final class SteppedClock: WallClock {
            let times = Mutex<[Date]>([Date(timeIntervalSince1970: 2_000_000), Date(timeIntervalSince1970: 1_000_000)])
            func now() -> Date { times.withLock { $0.count > 1 ? $0.removeFirst() : $0[0] } }
        }
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, clock: SteppedClock(), logger: .quiet)
        let (first, second) = try await withRunningWriter(writer) {
            (try await writer.append(draft(1)), try await writer.append(draft(2)))
        }
        #expect(second.timestampMillis >= first.timestampMillis)
    }

    /// Under sustained load the writer is never idle, so the WAL is copied back by the
    /// background checkpointer while the writer goes on committing (SQLite's in-commit
    /// checkpoint is off on the writer's connection while it runs, and back when it stops).
    /// The restart mark is out of reach here, so only the background thread can copy.
    @Test func underSustainedLoadTheWALIsCopiedBackBesideTheCommits() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(
            store: store, batchMaxEvents: 100, queueCapacity: 20000, clock: SystemWallClock(),
            walMarks: WALCheckpointer.Marks(background: 200, restart: 1_000_000), logger: .quiet)
        func autocheckpoint() throws -> Int? {
            try store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") }
        }
        let before = try fileSize(temp.path)
        let (duringRun, largest) = try await withRunningWriter(writer) {
            // About 3.6 MiB of events from 40 producers at once: some 900 WAL pages, in batches
            // of 100 events with no idle pause for the idle checkpoint.
            let largest = try await largestFilesUnderBulkLoad(writer, temp: temp, producers: 40, eventsEach: 100)
            return (try autocheckpoint(), largest)
        }
        #expect(duringRun == 0, "SQLite's in-commit checkpoint was still on while the writer ran")
        // The database file grows only when a checkpoint copies pages into it.
        #expect(largest.database > before + 1_000_000, "the database file grew from \(before) to \(largest.database) bytes under load")
        #expect(try autocheckpoint() == IncidentStore.walBackstopPages)
        #expect(try store.counts().events == 4000)
        #expect(try ChainVerifier.verify(store).intact)
    }

    /// SQLite starts the WAL again only after a checkpoint that copied all of it, which the
    /// background thread never achieves while commits go on: past the restart mark the writer
    /// checkpoints between two commits, so the WAL stays bounded.
    @Test func pastTheRestartMarkTheWriterStartsTheWALAgain() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let marks = WALCheckpointer.Marks(background: 200, restart: 1000)
        let writer = try EventWriter(
            store: store, batchMaxEvents: 100, queueCapacity: 20000, clock: SystemWallClock(), walMarks: marks, logger: .quiet)
        let largest = try await withRunningWriter(writer) {
            // About 12 MiB of events (some 3,000 WAL pages) from 400 producers at once.
            try await largestFilesUnderBulkLoad(writer, temp: temp, producers: 400, eventsEach: 30)
        }
        let frame = 4096 + 24
        // The restart mark plus a batch (~30 pages) and the commits in flight meanwhile.
        #expect(largest.wal < (marks.restart + 200) * frame, "the WAL grew to \(largest.wal) bytes")
        #expect(try store.counts().events == 12000)
        #expect(try ChainVerifier.verify(store).intact)
    }

    /// Without the background checkpointer (its connection could not be opened), the writer
    /// checkpoints between its commits at the short mark, as it did before there was one.
    @Test func withoutBackgroundCheckpointsTheWriterBoundsTheWALBetweenCommits() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(
            store: store, batchMaxEvents: 100, queueCapacity: 20000, clock: SystemWallClock(), walMarks: nil, logger: .quiet)
        let largest = try await withRunningWriter(writer) {
            try await largestFilesUnderBulkLoad(writer, temp: temp, producers: 40, eventsEach: 100)
        }
        // The mark is 200 pages (800 KiB); one batch adds at most about 100 pages more.
        #expect(largest.wal > 0)
        #expect(largest.wal < 1_600_000, "the WAL grew to \(largest.wal) bytes: no checkpoint ran between commits")
        #expect(try store.counts().events == 4000)
        #expect(try ChainVerifier.verify(store).intact)
    }

    /// The checkpoint connection is the writer's own: opened when it starts, closed when it
    /// stops (a daemon that restarted its writer would otherwise leak descriptors), and the
    /// store closes as before, with the WAL copied back and emptied.
    @Test func theCheckpointConnectionLivesAsLongAsTheWriterRuns() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        /// This process's descriptors open on the WAL. Not the database file's: SQLite holds
        /// back the close of that one while another connection of the process has it locked.
        func openOnWAL() throws -> Int {
            try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter { fd in
                (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)")) == temp.path + "-wal"
            }.count
        }
        let writer = try EventWriter(store: store, batchMaxEvents: 100, logger: .quiet)
        let before = try openOnWAL()
        let during = try await withRunningWriter(writer) {
            // About 1.4 MiB of events: some 400 WAL pages, past the background mark (200).
            _ = try await largestFilesUnderBulkLoad(writer, temp: temp, producers: 40, eventsEach: 40)
            return try openOnWAL()
        }
        let after = try openOnWAL()
        #expect(during > before, "no connection of the writer's own had the WAL open while it ran")
        #expect(after == before, "the checkpoint connection outlived the writer (descriptors on the WAL \(before) → \(during) → \(after))")
        try store.close()
        #expect(try fileSize(temp.path + "-wal") == 0)
        let reopened = try temp.open()
        #expect(try reopened.counts().events == 1600)
        #expect(try ChainVerifier.verify(reopened).intact)
    }

    /// `producers` tasks each append `eventsEach` events of about 1 KB at once; returns the
    /// largest sizes of the database file and of the WAL seen after any append.
    private func largestFilesUnderBulkLoad(
        _ writer: EventWriter, temp: TemporaryStore, producers: Int, eventsEach: Int
    ) async throws -> (database: Int, wal: Int) {
        try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for producer in 0..<producers {
                group.addTask {
                    var largest = (0, 0)
                    for index in 0..<eventsEach {
                        try await writer.append(EventDraft(
                            priority: .routine, kind: "test.bulk", source: "channel:test",
                            payload: ["index": .int(Int64(producer * eventsEach + index)), "text": .string(String(repeating: "x", count: 900))]))
                        // The WAL may not exist yet.
                        largest = (max(largest.0, (try? fileSize(temp.path)) ?? 0), max(largest.1, (try? fileSize(temp.path + "-wal")) ?? 0))
                    }
                    return largest
                }
            }
            return try await group.reduce((database: 0, wal: 0)) { (max($0.database, $1.0), max($0.wal, $1.1)) }
        }
    }

    /// SQLite would copy the WAL back inside some later commit; the writer does it while idle,
    /// so the database file catches up without any event waiting for it.
    @Test func anIdleWriterCopiesTheWALBackIntoTheDatabaseFile() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let before = try fileSize(temp.path)
        let grewWhileRunning = try await withRunningWriter(writer) {
            // ~100 KiB of events in one commit: about 25 WAL pages, far below SQLite's own
            // checkpoint threshold (`IncidentStore.walBackstopPages`, 200).
            try await writer.append(contentsOf: (0..<200).map { index in
                EventDraft(
                    priority: .routine, kind: "test.bulk", source: "channel:test",
                    payload: ["index": .int(Int64(index)), "text": .string(String(repeating: "x", count: 400))])
            })
            // Polled, not timed: the checkpoint follows the idle delay (200 ms) on a shared machine.
            for _ in 0..<200 {
                if try fileSize(temp.path) > before + 64 * 1024 { return true }
                try await Task.sleep(for: .milliseconds(50))
            }
            return false
        }
        #expect(grewWhileRunning, "the WAL was not checkpointed while the writer was idle")
        #expect(try ChainVerifier.verify(store).intact)
    }
}
