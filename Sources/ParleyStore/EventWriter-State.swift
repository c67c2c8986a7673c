import DequeModule
import ParleyCore

/// The writer's shared state, guarded by its `Mutex`.
struct WriterState: ~Copyable {
    /// One FIFO per priority, most urgent first: O(1) to add and take, and oldest-first within
    /// a priority without comparing arrival numbers.
    var queue = PriorityQueues()
    /// Routine submissions waiting for room in the backlog, oldest first.
    var parked = Deque<PendingItem>()
    /// The writer thread waits on its semaphore: the backlog was empty, or (`writerAwaitsSync`)
    /// it waits for the WAL sync in flight. Whoever clears this (a submitter, the delivery
    /// queue after a sync, shutdown) signals once.
    var writerSleeping = false
    /// The writer's sleep is for the WAL sync in flight, not for work (`shouldAwaitSync`).
    var writerAwaitsSync = false
    /// `WALSync` tickets: of the last commit handed to the delivery queue, and of the last one
    /// the queue has synced (or failed to).
    var lastCommitTicket: Int64 = 0
    var lastSyncedTicket: Int64 = 0
    var shuttingDown = false
    var head: ChainHead
    var lastTimestamp: Int64 = 0
    var committedEvents: Int64 = 0
    var committedBatches: Int64 = 0
    var failedBatches: Int64 = 0
    var refusing: String?

    init(head: ChainHead, lastTimestamp: Int64) {
        self.head = head
        self.lastTimestamp = lastTimestamp
    }

    /// Whether the writer should let the WAL sync in flight finish before it takes the next
    /// batch. Not while a whole batch, or an emergency, waits: under load the writer commits
    /// beside the sync. Otherwise a commit now would hold only the few events that arrived since
    /// the last one, and the events arriving meanwhile go into a fuller batch after the sync,
    /// as when the sync was part of the commit: fewer, fuller commits write fewer WAL pages.
    func shouldAwaitSync(batchMaxEvents: Int) -> Bool {
        lastSyncedTicket < lastCommitTicket && !shuttingDown && !commitsBesideSync(batchMaxEvents: batchMaxEvents)
    }

    /// Whether work just queued should wake the sleeping writer: any work wakes a writer
    /// waiting for work; one waiting for a sync wakes when it no longer should wait.
    func wakesWriter(batchMaxEvents: Int) -> Bool {
        writerSleeping && (!writerAwaitsSync || commitsBesideSync(batchMaxEvents: batchMaxEvents))
    }

    /// A whole batch, or an emergency, is queued: the writer commits without waiting for the
    /// WAL sync in flight.
    private func commitsBesideSync(batchMaxEvents: Int) -> Bool {
        queue.count >= batchMaxEvents || queue.has(.emergency)
    }

    /// Takes items worth up to `maxEvents` events (at least one item), most urgent first,
    /// oldest first within a priority.
    ///
    /// Emergencies are taken without the backlog behind them: their commit then holds a few
    /// events, not a whole batch, and they are acknowledged that much sooner. Measured with
    /// `parley-bench store` (phase (d): an emergency every 10 ms while 4,000 producers keep
    /// the writer busy), see docs/BENCHMARKS.md.
    mutating func takeBatch(maxEvents: Int) -> WriterBatch {
        var batch = WriterBatch()
        let emergenciesOnly = queue.has(.emergency)
        while batch.events < maxEvents, let item = emergenciesOnly ? queue.popFirst(.emergency) : queue.popFirst() {
            batch.events += item.weight
            batch.items.append(item)
        }
        return batch
    }

    /// Moves parked submissions into the backlog while there is room, oldest first.
    mutating func admitParked(capacity: Int) {
        while queue.count < capacity, let item = parked.popFirst() {
            queue.insert(item)
        }
    }
}

/// Items taken from the backlog for one transaction, and the events they are expected to add
/// (`PendingItem.weight`), counted once as they are taken.
struct WriterBatch: Sendable {
    var items: [PendingItem] = []
    var events = 0
}

/// The writer's backlog: a FIFO per priority.
struct PriorityQueues {
    private var lanes: [Deque<PendingItem>] = Array(repeating: Deque(), count: Priority.allCases.count)
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    func has(_ priority: Priority) -> Bool { !lanes[priority.rawValue].isEmpty }

    mutating func insert(_ item: PendingItem) {
        lanes[item.priority.rawValue].append(item)
        count += 1
    }

    /// The oldest item of `priority`, if any.
    mutating func popFirst(_ priority: Priority) -> PendingItem? {
        guard !lanes[priority.rawValue].isEmpty else { return nil }
        count -= 1
        return lanes[priority.rawValue].removeFirst()
    }

    mutating func popFirst() -> PendingItem? {
        for lane in lanes.indices where !lanes[lane].isEmpty {
            count -= 1
            return lanes[lane].removeFirst()
        }
        return nil
    }
}
