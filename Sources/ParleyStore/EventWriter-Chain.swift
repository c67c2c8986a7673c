import ParleyCore

/// The events one batch adds to the hash chain, as the writer thread builds them.
///
/// Their sequence numbers follow `head` and they share one timestamp. Their hashes are kept as
/// hex bytes end to end in one buffer (the head's first), so that chaining and inserting an
/// event allocates nothing on the writer's thread: each event is hashed from, and bound to the
/// INSERT straight from, bytes already held. The acknowledgements, which run off that thread,
/// turn the hashes into the `StoredEvent`s returned to producers (`CommittedChain`).
struct BatchChain: Sendable {
    let head: ChainHead
    let timestamp: Int64
    /// Where each event's sequence number and hash slots are.
    private let links: Links
    /// `EventChain.hexLength` bytes per hash: the head's, then each chained event's.
    private var hexes: [UInt8]
    /// Events chained so far.
    private(set) var count = 0
    /// Events whose hashes are already in `hexes` (`hashAhead`): `append` does not hash them again.
    private var hashed = 0
    /// Events already inserted (`insertHashed`): `append` only counts them.
    private var inserted = 0

    init(head: ChainHead, timestamp: Int64, expectedEvents: Int) throws {
        guard head.hash.utf8.count == EventChain.hexLength, head.hash.utf8.allSatisfy({ $0 < 0x80 }) else {
            throw StoreError.writeFailed(
                "the chain head (event \(head.sequence)) has a malformed hash; run 'parleyctl verify' on the store")
        }
        self.head = head
        self.timestamp = timestamp
        links = Links(head: head.sequence, timestamp: timestamp)
        hexes = []
        hexes.reserveCapacity(EventChain.hexLength * (expectedEvents + 1))
        hexes.append(contentsOf: head.hash.utf8)
    }

    /// Hashes `events` as the next links, all at once, for `append` to chain in that order.
    /// Hashing a run of events and then inserting them is faster than alternating the two:
    /// each loop keeps its own code and tables in the CPU's caches.
    mutating func hashAhead(_ events: [PreparedEvent]) {
        precondition(hashed == count, "hashes are computed ahead only for the events that come next")
        let first = count
        let links = links
        hexes.append(contentsOf: repeatElement(0, count: EventChain.hexLength * events.count))
        hexes.withUnsafeMutableBufferPointer { all in
            for (offset, event) in events.enumerated() {
                event.withUTF8 { kind, source, payload in
                    links.hash(event, kind: kind, source: source, payload: payload, at: first + offset, in: all)
                }
            }
        }
        hashed += events.count
    }

    /// Inserts the events just hashed ahead (`hashAhead`, given `events`) in whole steps of
    /// `insert.rows`. `append` must then be given the same events, in order: it counts the ones
    /// inserted here and inserts the rest.
    mutating func insertHashed(_ events: [PreparedEvent], insert: EventInsertStatement) throws {
        precondition(count == 0 && inserted == 0 && hashed == events.count)
        let whole = events.count / insert.rows * insert.rows
        let links = links
        try hexes.withUnsafeMutableBufferPointer { all in
            // Each row's texts stay valid until the step: bind row by row, one closure inside
            // the next.
            func bindRows(from first: Int, row: Int) throws {
                if row == insert.rows { return try insert.step() }
                let event = events[first + row]
                try event.withUTF8 { kind, source, payload in
                    links.bind(event, kind: kind, source: source, payload: payload, at: first + row, in: all, row: row, to: insert)
                    try bindRows(from: first, row: row + 1)
                }
            }
            for first in stride(from: 0, to: whole, by: insert.rows) { try bindRows(from: first, row: 0) }
        }
        inserted = whole
    }

    /// The chain's head after the events chained so far.
    var end: ChainHead {
        count == 0 ? head : ChainHead(sequence: links.sequence(at: count - 1), hash: hashText(at: count))
    }

    /// Chains `event` as the next link (hashing and inserting it unless that was done ahead),
    /// and returns its index in the batch.
    mutating func append(_ event: PreparedEvent, insert: EventInsertStatement) throws -> Int {
        let index = count
        if index >= inserted {
            let needsHash = index >= hashed
            if needsHash { hexes.append(contentsOf: repeatElement(0, count: EventChain.hexLength)) }
            let links = links
            try hexes.withUnsafeMutableBufferPointer { all in
                try event.withUTF8 { kind, source, payload in
                    if needsHash { links.hash(event, kind: kind, source: source, payload: payload, at: index, in: all) }
                    links.bind(event, kind: kind, source: source, payload: payload, at: index, in: all, row: 0, to: insert)
                    try insert.step()
                }
            }
        }
        count += 1
        hashed = max(hashed, count)
        return index
    }

    /// Forgets the events from index `count` on (their savepoint was rolled back).
    mutating func truncate(to count: Int) {
        precondition(count <= self.count && count >= inserted)
        self.count = count
        hashed = count
        hexes.removeLast(hexes.count - EventChain.hexLength * (count + 1))
    }

    /// The hash at `slot` as text: slot 0 is the head's, slot n the nth event's.
    fileprivate func hashText(at slot: Int) -> String {
        if slot == 0 { return head.hash }
        let length = EventChain.hexLength
        return String(decoding: hexes[(slot * length)..<((slot + 1) * length)], as: UTF8.self)
    }

    /// An event's place in the batch: its sequence number and its two hash slots in `hexes`.
    /// A copy of the chain's constants, so that the loops over `hexes` (a mutable access to
    /// the chain) can use them.
    private struct Links {
        let head: Int64
        let timestamp: Int64

        /// The sequence number of the event at `index` in the batch.
        func sequence(at index: Int) -> Int64 { head + Int64(index) + 1 }

        /// The event at `index`'s previous hash (the slot before) and its own hash's slot.
        func slots(at index: Int, in all: UnsafeMutableBufferPointer<UInt8>)
            -> (previous: UnsafeBufferPointer<UInt8>, hash: UnsafeMutableBufferPointer<UInt8>)
        {
            let length = EventChain.hexLength
            return (UnsafeBufferPointer(rebasing: all[(index * length)..<((index + 1) * length)]),
                    UnsafeMutableBufferPointer(rebasing: all[((index + 1) * length)..<((index + 2) * length)]))
        }

        /// Writes the hash of `event` (its texts as UTF-8) at `index`, from the hash before it.
        func hash(
            _ event: PreparedEvent, kind: UnsafeBufferPointer<UInt8>, source: UnsafeBufferPointer<UInt8>,
            payload: UnsafeBufferPointer<UInt8>, at index: Int, in all: UnsafeMutableBufferPointer<UInt8>
        ) {
            let (previous, hash) = slots(at: index, in: all)
            EventChain.writeHash(
                sequence: sequence(at: index), timestampMillis: timestamp, priority: event.priority, kind: kind, source: source,
                incidentID: event.incidentID, payload: payload, previousHash: previous, into: hash)
        }

        /// Binds `event` at `index`, with its hashes, as row `row` of `insert`. Its texts and
        /// `all` must stay valid until the insert's step.
        func bind(
            _ event: PreparedEvent, kind: UnsafeBufferPointer<UInt8>, source: UnsafeBufferPointer<UInt8>,
            payload: UnsafeBufferPointer<UInt8>, at index: Int, in all: UnsafeMutableBufferPointer<UInt8>, row: Int,
            to insert: EventInsertStatement
        ) {
            let (previous, hash) = slots(at: index, in: all)
            insert.bind(
                row: row, sequence: sequence(at: index), recordedAt: timestamp, priority: event.priority, kind: kind,
                source: source, incidentID: event.incidentID, payload: payload, previousHash: previous,
                hash: UnsafeBufferPointer(hash))
        }
    }
}

/// A committed batch's events, for acknowledging their producers. Built on the acknowledging
/// thread: each hash becomes text once and is shared as one event's `hash` and the next one's
/// `previousHash`.
struct CommittedChain {
    private let firstSequence: Int64
    private let timestamp: Int64
    /// The head's hash, then each event's.
    private let hashes: [String]

    init(_ chain: BatchChain) {
        firstSequence = chain.head.sequence + 1
        timestamp = chain.timestamp
        hashes = (0...chain.count).map(chain.hashText(at:))
    }

    /// The stored form of the event chained at `index`.
    func event(_ event: PreparedEvent, at index: Int) -> StoredEvent {
        StoredEvent(
            sequence: firstSequence + Int64(index), timestampMillis: timestamp, priority: event.priority, kind: event.kind,
            source: event.source, incidentID: event.incidentID, payload: event.payload, previousHash: hashes[index],
            hash: hashes[index + 1])
    }

    /// The stored forms of `events`, chained in order from `first`.
    func events(_ events: [PreparedEvent], from first: Int) -> [StoredEvent] {
        events.enumerated().map { offset, prepared in event(prepared, at: first + offset) }
    }
}
