import GRDB
import ParleyCore

/// What `verify` found.
public struct ChainReport: Sendable, Equatable, Codable {
    /// Events whose hashes were checked.
    public var checked: Int64
    /// The last good sequence number.
    public var lastGoodSequence: Int64
    /// The first sequence number at which the chain is wrong, or nil when it is intact.
    public var firstBadSequence: Int64?
    /// What is wrong there, in words an engineer can act on.
    public var problem: String?

    public var intact: Bool { firstBadSequence == nil }
}

/// Walks the event log from sequence 1, recomputing every hash.
///
/// It detects an edited row (hash mismatch), a deleted row (gap in sequence numbers), a
/// reordered or re-inserted row (previous-hash link broken), and a truncated tail (fewer events
/// than the writer acknowledged, per the in-file anchor or an expected head given by the caller,
/// e.g. the last sequence number a client was acknowledged).
public enum ChainVerifier {
    public static func verify(
        _ store: IncidentStore, expectedHead: Int64? = nil, pageSize: Int = 5000,
        progress: (_ checked: Int64, _ total: Int64) -> Void = { _, _ in }
    ) throws -> ChainReport {
        let (total, anchor) = try store.pool.read { db in
            (try Int64.fetchOne(db, sql: "SELECT count(*) FROM events") ?? 0, try IncidentStore.readAnchor(db))
        }
        var previous = ChainHead.genesis
        var checked: Int64 = 0
        func bad(_ sequence: Int64, _ problem: String) -> ChainReport {
            ChainReport(checked: checked, lastGoodSequence: previous.sequence, firstBadSequence: sequence, problem: problem)
        }
        while true {
            let after = previous.sequence
            let page = try store.pool.read { db in
                try Row.fetchAll(
                    db, sql: "\(EventRow.select) WHERE sequence > ? ORDER BY sequence LIMIT ?",
                    arguments: [after, pageSize]
                ).map(EventRow.decode)
            }
            if page.isEmpty { break }
            for event in page {
                let expected = previous.sequence + 1
                if event.sequence != expected {
                    return bad(expected, "event \(expected) is missing (next present is \(event.sequence)): rows were deleted")
                }
                if event.previousHash != previous.hash {
                    return bad(
                        event.sequence,
                        "event \(event.sequence) does not follow event \(previous.sequence) (previous-hash link broken): "
                            + "rows were reordered, replaced or re-inserted")
                }
                let recomputed = EventChain.hash(of: event)
                if recomputed != event.hash {
                    return bad(event.sequence, "event \(event.sequence) content does not match its hash: the row was edited")
                }
                previous = ChainHead(sequence: event.sequence, hash: event.hash)
                checked += 1
            }
            progress(checked, total)
        }
        if anchor.sequence > previous.sequence {
            return bad(
                previous.sequence + 1,
                "the log ends at event \(previous.sequence) but the writer acknowledged up to \(anchor.sequence): "
                    + "the tail was truncated")
        }
        if anchor.sequence == previous.sequence, anchor.hash != previous.hash, anchor.sequence > 0 {
            return bad(previous.sequence, "event \(previous.sequence) differs from the one the writer acknowledged")
        }
        if anchor.sequence < previous.sequence {
            return bad(
                anchor.sequence + 1,
                "events after \(anchor.sequence), the last one the writer acknowledged, were added outside parleyd")
        }
        if let expectedHead, expectedHead > previous.sequence {
            return bad(
                previous.sequence + 1,
                "the log ends at event \(previous.sequence) but event \(expectedHead) was acknowledged: "
                    + "the tail was truncated")
        }
        return ChainReport(checked: checked, lastGoodSequence: previous.sequence, firstBadSequence: nil, problem: nil)
    }
}
