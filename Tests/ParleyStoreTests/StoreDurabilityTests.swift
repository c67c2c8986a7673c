import Foundation
import GRDB
import ParleyCore
import Testing

@testable import ParleyStore

/// `synchronous = FULL` is what makes an acknowledged event survive a power loss: the WAL is
/// synced after every commit, before the commit's events are acknowledged. GRDB's
/// `DatabasePool` sets its writer to `NORMAL` when it turns WAL on, after the configuration's
/// own pragmas, so these read the mode back from the writer connection itself — the one the
/// event writer commits on. While the writer runs, a `full` store's WAL is synced beside the
/// commits (`WALSync`, tested in `WALSyncTests`) instead of inside them.
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
            let (syncs, during) = try await withRunningWriter(writer) {
                for index in 0..<20 { _ = try await writer.append(draft(index)) }
                return (writer.walSyncs, try writerSynchronous(store))
            }
            if mode == .full {
                // Every event was acknowledged, so at least one sync covered its commit.
                #expect((syncs ?? 0) >= 1, "a full store's WAL was not synced beside the commits")
                #expect(during == 1, "SQLite synced inside the commits as well")
            } else {
                #expect(syncs == nil, "a normal store syncs only at checkpoints")
                #expect(during == 1)
            }
            #expect(try writerSynchronous(store) == pragma, "the mode must be back on the writer connection after it stops")
            try store.close()
        }
    }
}
