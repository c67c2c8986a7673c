import DequeModule
import HeapModule
import ParleyCore

/// The writer's shared state, guarded by its `Mutex`.
struct WriterState: ~Copyable {
    var queue = Heap<PendingItem>()
    var nextArrival: UInt64 = 0
    var spaceWaiters = Deque<CheckedContinuation<Void, any Error>>()
    var writerWake: CheckedContinuation<Void, Never>?
    var shuttingDown = false
    var head: ChainHead
    var lastTimestamp: Int64 = 0
    var committedEvents: Int64 = 0
    var committedBatches: Int64 = 0
    var failedBatches: Int64 = 0
    var refusing: String?

    init(head: ChainHead) {
        self.head = head
    }

    /// Takes up to `maxEvents` items, most urgent first, oldest first within a priority.
    mutating func takeBatch(maxEvents: Int) -> [PendingItem] {
        var batch: [PendingItem] = []
        batch.reserveCapacity(min(maxEvents, queue.count))
        while batch.count < maxEvents, let item = queue.popMin() {
            batch.append(item)
        }
        return batch
    }

    /// Producers that may now submit, given the room left in the backlog.
    mutating func releaseWaiters(capacity: Int) -> [CheckedContinuation<Void, any Error>] {
        var room = capacity - queue.count
        var released: [CheckedContinuation<Void, any Error>] = []
        while room > 0, let waiter = spaceWaiters.popFirst() {
            released.append(waiter)
            room -= 1
        }
        return released
    }
}
