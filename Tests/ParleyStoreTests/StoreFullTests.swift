import Foundation
import ParleyCore
import Testing

@testable import ParleyStore

/// A full disk is simulated with SQLite's `max_page_count` (the store's size cap), which makes
/// SQLite fail exactly as it does on ENOSPC: SQLITE_FULL, transaction rolled back.
@Suite("Store full")
struct StoreFullTests {
    @Test func aFullStoreRefusesWritesWithAClearErrorStaysIntactAndResumesWhenSpaceReturns() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open(StoreOptions(synchronous: .normal, maxSizeMiB: 1))
        let writer = try EventWriter(store: store, batchMaxEvents: 10, logger: .quiet)
        let bulk = String(repeating: "x", count: 3000)
        let (acknowledged, failure) = try await withRunningWriter(writer) { () -> ([StoredEvent], StoreError?) in
            var acknowledged: [StoredEvent] = []
            for index in 0..<2000 {
                do {
                    acknowledged.append(
                        try await writer.append(
                            EventDraft(priority: .routine, kind: "test.bulk", source: "system", payload: ["i": .int(Int64(index)), "bulk": .string(bulk)])))
                } catch let error as StoreError {
                    return (acknowledged, error)
                }
            }
            return (acknowledged, nil)
        }
        let error = try #require(failure, "the size cap was never reached")
        #expect(error.isRetryable)
        #expect(error.description.contains("full"))
        #expect(error.description.contains("free disk space"))
        #expect(writer.statistics.refusing != nil)
        // Every acknowledged event is on disk and the file is intact.
        #expect(try store.counts().events == Int64(acknowledged.count))
        #expect(try ChainVerifier.verify(store).intact)
        #expect(try sqlite3(temp.path, "PRAGMA integrity_check;").trimmingCharacters(in: .whitespacesAndNewlines) == "ok")

        // Space returns: the same writer resumes, and the chain continues without a gap.
        try await store.setMaxSizeMiB(64)
        let writer2 = try EventWriter(store: store, logger: .quiet)
        let next = try await withRunningWriter(writer2) {
            try await writer2.append(EventDraft(priority: .routine, kind: "test.after", source: "system"))
        }
        #expect(next.sequence == Int64(acknowledged.count) + 1)
        #expect(try ChainVerifier.verify(store).intact)
    }

    @Test func theSameWriterRecoversOnceSpaceReturns() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open(StoreOptions(synchronous: .normal, maxSizeMiB: 1))
        let writer = try EventWriter(store: store, batchMaxEvents: 10, logger: .quiet)
        let bulk = String(repeating: "y", count: 3000)
        try await withRunningWriter(writer) {
            var full = false
            for index in 0..<2000 where !full {
                do {
                    try await writer.append(
                        EventDraft(priority: .routine, kind: "test.bulk", source: "system", payload: ["i": .int(Int64(index)), "bulk": .string(bulk)]))
                } catch let error as StoreError where error.isRetryable {
                    full = true
                }
            }
            #expect(full)
            #expect(writer.statistics.refusing != nil)
            try await store.setMaxSizeMiB(64)
            let event = try await writer.append(EventDraft(priority: .emergency, kind: "test.after", source: "system"))
            #expect(event.sequence == writer.statistics.head.sequence)
            #expect(writer.statistics.refusing == nil)
        }
        #expect(try ChainVerifier.verify(store).intact)
    }
}

@Suite("Store lock")
struct StoreLockTests {
    @Test func aSecondWriterOnTheSameStoreIsRefusedUntilTheFirstCloses() throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let first = try temp.open()
        #expect(throws: StoreError.self) { _ = try temp.open() }
        do {
            _ = try temp.open()
        } catch let error as StoreError {
            #expect(error.description.contains("in use by another process"))
            #expect(error.description.contains("pid \(getpid())"))
        }
        // Readers (offline verify, queries on a live store) are not locked out.
        _ = try temp.open(StoreOptions(readOnly: true))
        try first.close()
        let second = try temp.open()
        try second.close()
    }
}
