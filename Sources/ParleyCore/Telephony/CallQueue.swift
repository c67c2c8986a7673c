/// The one call queue across all lines, in order of service: emergency first, then by
/// priority, then by how long the caller has waited (then by call id, so the order is total).
///
/// A 999 call arriving goes ahead of every non-emergency call, so it pre-empts the head of the
/// queue; `enqueue` says which call it displaced so the switchboard can log and record it.
/// Only waiting calls are queued: an answered or held call is with a dispatcher.
public struct CallQueue: Sendable, Hashable {
    public struct Entry: Sendable, Hashable {
        public var callID: Int64
        public var lineID: String
        public var priority: Priority
        /// When the call started waiting (milliseconds since the epoch).
        public var queuedAt: Int64

        public init(callID: Int64, lineID: String, priority: Priority, queuedAt: Int64) {
            self.callID = callID
            self.lineID = lineID
            self.priority = priority
            self.queuedAt = queuedAt
        }

        /// Served before `other`.
        func precedes(_ other: Entry) -> Bool {
            if priority != other.priority { return priority < other.priority }
            if queuedAt != other.queuedAt { return queuedAt < other.queuedAt }
            return callID < other.callID
        }
    }

    /// What joining the queue did.
    public struct Placement: Sendable, Hashable {
        /// 1 for the head of the queue.
        public var position: Int
        /// The call that was at the head and is now behind this one.
        public var preempted: Entry?

        public init(position: Int, preempted: Entry?) {
            self.position = position
            self.preempted = preempted
        }
    }

    public private(set) var entries: [Entry] = []

    public init() {}

    public var head: Entry? { entries.first }
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// Adds a waiting call (or moves it, if it is already queued).
    @discardableResult
    public mutating func enqueue(_ entry: Entry) -> Placement {
        remove(entry.callID)
        let previousHead = head
        let index = entries.firstIndex(where: { entry.precedes($0) }) ?? entries.count
        entries.insert(entry, at: index)
        return Placement(position: index + 1, preempted: index == 0 ? previousHead : nil)
    }

    /// Takes a call out (answered, abandoned, ended); nil if it was not waiting.
    @discardableResult
    public mutating func remove(_ callID: Int64) -> Entry? {
        guard let index = entries.firstIndex(where: { $0.callID == callID }) else { return nil }
        return entries.remove(at: index)
    }

    /// 1-based place in the queue, nil if not waiting.
    public func position(of callID: Int64) -> Int? {
        entries.firstIndex(where: { $0.callID == callID }).map { $0 + 1 }
    }

    public func contains(_ callID: Int64) -> Bool { position(of: callID) != nil }
}
