import DequeModule
import ParleyCore

/// The writer's shared state, guarded by its `Mutex`.
struct WriterState: ~Copyable {
    /// One FIFO per priority, most urgent first: O(1) to add and take, and oldest-first within
    /// a priority without comparing arrival numbers.
    var queue = PriorityQueues()
    /// Routine submissions waiting for room in the backlog, oldest first.
    var parked = Deque<PendingItem>()
    /// The writer thread found the backlog empty and waits on its semaphore; the next
    /// submitter (or shutdown) clears this and signals once.
    var writerSleeping = false
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

    /// Takes items worth up to `maxEvents` events (at least one item), most urgent first,
    /// oldest first within a priority.
    mutating func takeBatch(maxEvents: Int) -> WriterBatch {
        var batch = WriterBatch()
        while batch.events < maxEvents, let item = queue.popFirst() {
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

    mutating func insert(_ item: PendingItem) {
        lanes[item.priority.rawValue].append(item)
        count += 1
    }

    mutating func popFirst() -> PendingItem? {
        for lane in lanes.indices where !lanes[lane].isEmpty {
            count -= 1
            return lanes[lane].removeFirst()
        }
        return nil
    }
}
