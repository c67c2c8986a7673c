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
    /// `EventChain.hexLength` bytes per hash: the head's, then each chained event's.
    private var hexes: [UInt8]
    /// Events chained so far.
    private(set) var count = 0
    /// Events whose hashes are already in `hexes` (`hashAhead`): `append` only inserts them.
    private var hashed = 0

    init(head: ChainHead, timestamp: Int64, expectedEvents: Int) throws {
        guard head.hash.utf8.count == EventChain.hexLength, head.hash.utf8.allSatisfy({ $0 < 0x80 }) else {
            throw StoreError.writeFailed(
                "the chain head (event \(head.sequence)) has a malformed hash; run 'parleyctl verify' on the store")
        }
        self.head = head
        self.timestamp = timestamp
        hexes = []
        hexes.reserveCapacity(EventChain.hexLength * (expectedEvents + 1))
        hexes.append(contentsOf: head.hash.utf8)
    }

    /// Hashes `events` as the next links, all at once, for `append` to insert in that order.
    /// Hashing a run of events and then inserting them is faster than alternating the two:
    /// each loop keeps its own code and tables in the CPU's caches.
    mutating func hashAhead(_ events: [PreparedEvent]) {
        precondition(hashed == count, "hashes are computed ahead only for the events that come next")
        let length = EventChain.hexLength
        let first = count
        let head = head, timestamp = timestamp
        hexes.append(contentsOf: repeatElement(0, count: length * events.count))
        hexes.withUnsafeMutableBufferPointer { all in
            for (offset, event) in events.enumerated() {
                let index = first + offset
                let previous = UnsafeBufferPointer(rebasing: all[(index * length)..<((index + 1) * length)])
                let hash = UnsafeMutableBufferPointer(rebasing: all[((index + 1) * length)..<((index + 2) * length)])
                event.withUTF8 { kind, source, payload in
                    EventChain.writeHash(
                        sequence: head.sequence + Int64(index) + 1, timestampMillis: timestamp, priority: event.priority,
                        kind: kind, source: source, incidentID: event.incidentID, payload: payload, previousHash: previous,
                        into: hash)
                }
            }
        }
        hashed += events.count
    }

    /// The chain's head after the events chained so far.
    var end: ChainHead {
        count == 0 ? head : ChainHead(sequence: head.sequence + Int64(count), hash: hashText(at: count))
    }

    /// Hashes `event` as the next link, inserts it, and returns its index in the batch.
    mutating func append(_ event: PreparedEvent, insert: EventInsertStatement) throws -> Int {
        let index = count
        let length = EventChain.hexLength
        let sequence = head.sequence + Int64(index) + 1
        let timestamp = timestamp
        let needsHash = index >= hashed
        if needsHash { hexes.append(contentsOf: repeatElement(0, count: length)) }
        try hexes.withUnsafeMutableBufferPointer { all in
            let previous = UnsafeBufferPointer(rebasing: all[(index * length)..<((index + 1) * length)])
            let hash = UnsafeMutableBufferPointer(rebasing: all[((index + 1) * length)..<((index + 2) * length)])
            try event.withUTF8 { kind, source, payload in
                if needsHash {
                    EventChain.writeHash(
                        sequence: sequence, timestampMillis: timestamp, priority: event.priority, kind: kind, source: source,
                        incidentID: event.incidentID, payload: payload, previousHash: previous, into: hash)
                }
                try insert.insert(
                    sequence: sequence, recordedAt: timestamp, priority: event.priority, kind: kind, source: source,
                    incidentID: event.incidentID, payload: payload, previousHash: previous, hash: UnsafeBufferPointer(hash))
            }
        }
        count += 1
        hashed = max(hashed, count)
        return index
    }

    /// Inserts the events hashed ahead (`hashAhead`), `multi.rows` at a time, the rest one by
    /// one; they must be the events `hashAhead` was given, in order.
    mutating func insertHashed(_ events: [PreparedEvent], multi: EventMultiInsertStatement, single: EventInsertStatement) throws {
        precondition(count == 0 && hashed == events.count)
        let length = EventChain.hexLength
        let head = head, timestamp = timestamp
        let whole = events.count / multi.rows * multi.rows
        try hexes.withUnsafeMutableBufferPointer { all in
            func hashes(_ index: Int) -> (UnsafeBufferPointer<UInt8>, UnsafeBufferPointer<UInt8>) {
                (UnsafeBufferPointer(rebasing: all[(index * length)..<((index + 1) * length)]),
                 UnsafeBufferPointer(rebasing: all[((index + 1) * length)..<((index + 2) * length)]))
            }
            // Each row's texts stay valid until the step: bind row by row, one closure inside
            // the next.
            func bindRows(from first: Int, row: Int) throws {
                if row == multi.rows { return try multi.step() }
                let index = first + row
                let event = events[index]
                try event.withUTF8 { kind, source, payload in
                    let (previous, hash) = hashes(index)
                    multi.bind(
                        row: row, sequence: head.sequence + Int64(index) + 1, recordedAt: timestamp, priority: event.priority,
                        kind: kind, source: source, incidentID: event.incidentID, payload: payload, previousHash: previous, hash: hash)
                    try bindRows(from: first, row: row + 1)
                }
            }
            var first = 0
            while first < whole {
                try bindRows(from: first, row: 0)
                first += multi.rows
            }
            for index in whole..<events.count {
                let event = events[index]
                try event.withUTF8 { kind, source, payload in
                    let (previous, hash) = hashes(index)
                    try single.insert(
                        sequence: head.sequence + Int64(index) + 1, recordedAt: timestamp, priority: event.priority, kind: kind,
                        source: source, incidentID: event.incidentID, payload: payload, previousHash: previous, hash: hash)
                }
            }
        }
        count = events.count
    }

    /// Forgets the events from index `count` on (their savepoint was rolled back).
    mutating func truncate(to count: Int) {
        precondition(count <= self.count)
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
