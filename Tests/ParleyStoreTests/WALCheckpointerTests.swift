import Foundation
import Logging
import ParleyTestSupport
import Synchronization
import Testing

@testable import ParleyStore

@Suite("WAL checkpointer")
struct WALCheckpointerTests {
    /// A background checkpoint that fails (a full disk, an I/O error) is logged once, not once
    /// per attempt; it is retried after a pause, not at every commit; and its recovery is
    /// logged. Mock: no fault can be made to happen to a real checkpoint on demand here, so
    /// the first three attempts report `SQLITE_FULL`'s error instead of running; every later
    /// attempt is a real PASSIVE checkpoint on the real file.
    @Test func aFailingCheckpointIsLoggedOnceRetriedAfterAPauseAndItsRecoveryLogged() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        // About 300 WAL pages of rows in a scratch table, left in the WAL (no in-commit
        // checkpoint, as while an event writer runs).
        try await store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_autocheckpoint = 0") }
        try await store.pool.write { db in
            try db.execute(sql: "CREATE TABLE scratch (b BLOB NOT NULL)")
            for _ in 0..<300 { try db.execute(sql: "INSERT INTO scratch VALUES (zeroblob(4000))") }
        }
        let walFrames = (try fileSize(temp.path + "-wal") - 32) / (4096 + 24)
        let databaseBefore = try fileSize(temp.path)

        let attempts = Mutex<[(at: ContinuousClock.Instant, failed: Bool)]>([])
        let logs = LogCapture()
        let retryDelay = 0.2
        let checkpointer = try WALCheckpointer(
            store: store, marks: WALCheckpointer.Marks(background: 200, restart: 100_000),
            logger: logs.logger(), retryDelay: retryDelay,
            runOnConnection: { connection in
                let fail = attempts.withLock { $0.count < 3 }
                let result: Result<Int, StoreError> =
                    fail ? .failure(.writeFailed("WAL checkpoint: database or disk is full")) : WALCheckpointer.passiveCheckpoint(connection)
                attempts.withLock { $0.append((ContinuousClock.now, fail)) }
                return result
            })
        checkpointer.start()
        // The writer reports the WAL after every commit: here every 5 ms while the
        // checkpoints fail, which must not make them retry sooner.
        let deadline = ContinuousClock.now + .seconds(20)
        while attempts.withLock({ !$0.contains { !$0.failed } }) && ContinuousClock.now < deadline {
            checkpointer.walGrew(to: walFrames)
            try await Task.sleep(for: .milliseconds(5))
        }
        checkpointer.stop()

        let made = attempts.withLock { $0 }
        #expect(made.map(\.failed) == [true, true, true, false], "attempts: \(made.map(\.failed))")
        for (earlier, later) in zip(made, made.dropFirst()) {
            #expect(later.at - earlier.at >= .seconds(retryDelay * 0.9), "retried after \(later.at - earlier.at)")
        }
        #expect(logs.records(.warning).map(\.message) == ["WAL checkpoint failed; committed events stay in the WAL, retrying"])
        #expect(logs.records(.warning).first?.metadata["store.error"]?.description.contains("disk is full") == true)
        #expect(logs.records(.notice).map(\.message) == ["WAL checkpoints resumed"])
        // The successful attempt was a real checkpoint: the rows are in the database file now.
        #expect(try fileSize(temp.path) > databaseBefore + 1_000_000)
    }
}
