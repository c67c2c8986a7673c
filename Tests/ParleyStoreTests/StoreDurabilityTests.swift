import Foundation
import GRDB
import ParleyCore
import Testing

@testable import ParleyStore

/// `synchronous = FULL` is what makes an acknowledged event survive a power loss: SQLite then
/// syncs the WAL in every commit. GRDB's `DatabasePool` sets its writer to `NORMAL` when it turns
/// WAL on, after the configuration's own pragmas, so these read the mode back from the writer
/// connection itself — the one the event writer commits on.
@Suite("Store durability")
struct StoreDurabilityTests {
    private func writerSynchronous(_ store: IncidentStore) throws -> Int? {
        try store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
    }

    @Test(arguments: [(StoreOptions.Synchronous.full, 2), (.normal, 1)])
    func theWriterConnectionCommitsWithTheSynchronousModeAskedFor(mode: StoreOptions.Synchronous, pragma: Int) async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        // Created fresh, then opened again on the existing file (WAL already on).
        for _ in 0..<2 {
            let store = try temp.open(StoreOptions(synchronous: mode))
            #expect(try writerSynchronous(store) == pragma)
            let writer = try EventWriter(store: store, batchMaxEvents: 10, logger: .quiet)
            try await withRunningWriter(writer) {
                for index in 0..<20 { _ = try await writer.append(draft(index)) }
            }
            #expect(try writerSynchronous(store) == pragma, "the mode must hold on the connection the writer committed on")
            try store.close()
        }
    }
}
