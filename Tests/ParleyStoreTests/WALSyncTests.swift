import Foundation
import GRDB
import Logging
import ParleyCore
import ParleyTestSupport
import Synchronization
import Testing

@testable import ParleyStore

/// A `full` store's commits are made durable beside the writer's next batch (`WALSync`): each
/// batch is acknowledged only after a sync of the WAL that began after its commit.
@Suite("WAL sync")
struct WALSyncTests {
    /// The descriptors and outcomes of the syncs asked for; each real sync is `fdatasync`.
    private final class SyncRecorder: Sendable {
        let descriptors = Mutex<[Int32]>([])
        /// How many of the first syncs report `EIO` instead of syncing (mock: no disk fault can
        /// be made to happen on demand here).
        let failFirst: Int
        /// Whether each sync waits for a `release` signal before it runs.
        let held: Bool
        let release = DispatchSemaphore(value: 0)

        init(failFirst: Int = 0, held: Bool = false) {
            self.failFirst = failFirst
            self.held = held
        }

        /// Syncs started so far.
        var count: Int { descriptors.withLock { $0.count } }

        func sync(_ descriptor: Int32) -> Int32 {
            let attempt = descriptors.withLock { descriptors in
                descriptors.append(descriptor)
                return descriptors.count
            }
            if held { release.wait() }
            return attempt <= failFirst ? EIO : WALSync.fdatasyncRetrying(descriptor)
        }

        /// Lets every sync from here on run at once.
        func releaseAll() { for _ in 0..<100 { release.signal() } }
    }

    /// A writer on a `full` store whose WAL syncs go through `recorder`.
    private func fullStoreWriter(
        _ store: IncidentStore, batchMaxEvents: Int, recorder: SyncRecorder, logger: Logger = .quiet
    ) throws -> EventWriter {
        try EventWriter(
            store: store, batchMaxEvents: batchMaxEvents, queueCapacity: 1000, clock: SystemWallClock(),
            walMarks: .standard, syncFile: recorder.sync, logger: logger)
    }

    @Test func oneSyncOfTheWALCoversEveryCommitWrittenBeforeIt() throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let recorder = SyncRecorder()
        let walSync = try WALSync(storePath: store.path, logger: .quiet, syncFile: recorder.sync)
        let tickets = (0..<3).map { _ in walSync.committed() }
        for ticket in tickets { try walSync.waitDurable(ticket) }
        #expect(recorder.count == 1, "three commits written before the first sync need only that sync")
        try walSync.waitDurable(walSync.committed())
        #expect(recorder.count == 2, "a commit written after the last sync needs a sync of its own")
        #expect(walSync.syncs == 2)
        // What is synced is the store's WAL itself.
        let descriptors = recorder.descriptors.withLock { Set($0) }
        #expect(descriptors.count == 1)
        let target = try descriptors.first.map { try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)") }
        #expect(target == temp.path + "-wal")
    }

    /// A WAL that cannot be opened is a clear error naming it (the writer then logs it and
    /// lets SQLite sync inside each commit).
    @Test func aWALThatCannotBeOpenedIsAClearError() throws {
        let missing = FileManager.default.temporaryDirectory.appendingPathComponent("parley-no-such-dir-\(UUID().uuidString)/incidents.sqlite").path
        #expect {
            _ = try WALSync(storePath: missing, logger: .quiet)
        } throws: { error in
            let description = (error as? StoreError)?.description ?? ""
            return description.contains("\(missing)-wal") && description.contains("No such file or directory")
        }
    }

    /// A failed sync fails every commit it covered, once, with an error saying the request was
    /// committed but not confirmed; those commits are not synced again (after a failed
    /// `fdatasync` Linux may report the next one as a success without the lost pages). The
    /// failure is logged once, with the error, and so is the recovery.
    @Test func aFailedSyncFailsTheCommitsItCoveredAndIsLoggedOnce() throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let recorder = SyncRecorder(failFirst: 1)
        let logs = LogCapture()
        let walSync = try WALSync(storePath: store.path, logger: logs.logger(), syncFile: recorder.sync)
        let first = walSync.committed(), second = walSync.committed()
        for ticket in [first, second] {
            #expect {
                try walSync.waitDurable(ticket)
            } throws: { error in
                let description = (error as? StoreError)?.description ?? ""
                return description.contains("committed this request but could not sync it to disk")
                    && description.contains("Input/output error") && !((error as? StoreError)?.isRetryable ?? true)
            }
        }
        #expect(recorder.count == 1, "the second commit was covered by the failed sync and is not synced again")
        try walSync.waitDurable(walSync.committed())
        #expect(recorder.count == 2)
        let errors = logs.records(.error)
        #expect(errors.map(\.message) == ["WAL sync failed: committed events are not confirmed on disk, and their producers get an error"])
        #expect(errors.first?.metadata["store.error"]?.description.contains("Input/output error") == true)
        #expect(errors.first?.metadata["store.commits"] == "2")
        #expect(logs.records(.notice).map(\.message) == ["WAL syncs succeeding again"])
    }

    /// The writer acknowledges an event only after the WAL is synced; while the sync is held up
    /// the event is committed (readable) but neither its producer nor followers (`tail`) have
    /// heard of it. Every sync here is a real `fdatasync`, started when the test lets it.
    @Test func anEventIsAcknowledgedOnlyAfterItsCommitIsSynced() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open(StoreOptions(synchronous: .full))
        let recorder = SyncRecorder(held: true)
        let writer = try fullStoreWriter(store, batchMaxEvents: 100, recorder: recorder)
        try await withRunningWriter(writer) {
            let acknowledged = Atomic<Bool>(false)
            let append = Task {
                let event = try await writer.append(draft(1))
                acknowledged.store(true, ordering: .relaxed)
                return event
            }
            let deadline = ContinuousClock.now + .seconds(10)
            while recorder.count == 0 && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(5))
            }
            #expect(try store.lastEvent()?.sequence == 1, "committed before the sync")
            try await Task.sleep(for: .milliseconds(200))
            let early = acknowledged.load(ordering: .relaxed)
            #expect(!early, "acknowledged before its commit was synced")
            #expect(writer.committed.latest == 0, "followers told of an event before it was synced")
            recorder.release.signal()
            let event = try await append.value
            #expect(event.sequence == 1)
            #expect(writer.committed.latest == 1)
            // Later batches are synced too; let every sync through from here.
            recorder.releaseAll()
            for index in 2...5 { try await writer.append(draft(index)) }
            #expect(recorder.count >= 2)
        }
        #expect(try ChainVerifier.verify(store).intact)
    }

    /// While a sync is in flight the writer commits again only for a whole batch or an
    /// emergency (alone): a few routine events wait for the sync and go into one fuller commit
    /// after it.
    /// The syncs here are held by the test, then run as real `fdatasync`s.
    @Test func whileASyncIsInFlightOnlyAWholeBatchOrAnEmergencyIsCommitted() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open(StoreOptions(synchronous: .full))
        let recorder = SyncRecorder(held: true)
        let writer = try fullStoreWriter(store, batchMaxEvents: 10, recorder: recorder)
        func committed() throws -> Int64 { try store.lastEvent()?.sequence ?? 0 }
        func waitUntilCommitted(_ sequence: Int64) async throws {
            let deadline = ContinuousClock.now + .seconds(10)
            while try committed() < sequence && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        }
        try await withRunningWriter(writer) {
            try await withThrowingTaskGroup(of: StoredEvent.self) { group in
                group.addTask { try await writer.append(draft(1)) }
                try await waitUntilCommitted(1)
                // Its sync is held: four routine events wait for it.
                for index in 2...5 { group.addTask { try await writer.append(draft(index)) } }
                try await Task.sleep(for: .milliseconds(300))
                #expect(try committed() == 1, "routine events were committed in a batch of their own while the sync ran")
                // An emergency goes ahead, first and in a commit of its own: the routine events
                // go on waiting for the sync.
                group.addTask { try await writer.append(draft(6, priority: .emergency)) }
                try await waitUntilCommitted(2)
                let second = try await store.pool.read { db in try String.fetchOne(db, sql: "SELECT priority FROM events WHERE sequence = 2") }
                #expect(second == "emergency")
                try await Task.sleep(for: .milliseconds(300))
                #expect(try committed() == 2, "routine events were committed with the emergency, or alone while the sync ran")
                // So does a whole batch: ten of the fourteen routine events now queued, oldest
                // first; the four left over wait.
                for index in 7...16 { group.addTask { try await writer.append(draft(index)) } }
                try await waitUntilCommitted(12)
                try await Task.sleep(for: .milliseconds(300))
                #expect(try committed() == 12)
                recorder.releaseAll()
                var acknowledged = 0
                for try await _ in group { acknowledged += 1 }
                #expect(acknowledged == 16)
            }
        }
        #expect(try store.lastEvent()?.sequence == 16)
        #expect(try ChainVerifier.verify(store).intact)
    }

    /// A failed sync gives the batch's producers an error; the events stay committed, the chain
    /// intact, and the writer goes on: the next event is synced and acknowledged.
    @Test func aFailedSyncGivesItsProducersAnErrorAndTheWriterGoesOn() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open(StoreOptions(synchronous: .full))
        let recorder = SyncRecorder(failFirst: 1)
        let logs = LogCapture()
        let writer = try fullStoreWriter(store, batchMaxEvents: 100, recorder: recorder, logger: logs.logger())
        try await withRunningWriter(writer) {
            await #expect {
                try await writer.append(draft(1))
            } throws: { error in
                (error as? StoreError)?.description.contains("committed this request but could not sync it to disk") == true
            }
            #expect(try store.lastEvent()?.sequence == 1, "the event whose sync failed is committed")
            let next = try await writer.append(draft(2))
            #expect(next.sequence == 2)
        }
        #expect(recorder.count >= 2)
        #expect(logs.count("WAL sync failed: committed events are not confirmed on disk, and their producers get an error") == 1)
        #expect(logs.count("WAL syncs succeeding again") == 1)
        #expect(try ChainVerifier.verify(store).intact)
    }
}
