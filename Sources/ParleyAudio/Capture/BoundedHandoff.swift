import Foundation

/// A bounded first-in first-out queue between a dedicated thread and async code.
///
/// The thread side blocks (on a condition variable) and the async side suspends (on a
/// continuation), each when the queue is full or empty. Nothing is dropped: a consumer that
/// falls behind holds the producer back (for a capture device, ALSA then overruns and
/// ``AlsaPCM`` recovers, as it would for any late reader). One producer and one consumer.
final class BoundedHandoff<Element: Sendable>: @unchecked Sendable {
    // @unchecked: every stored property below is read and written only with `condition` held.
    private let condition = NSCondition()
    private var items: [Element] = []
    private var head = 0
    private let capacity: Int
    private var producerFinished = false
    private var consumerCancelled = false
    private var waitingConsumer: CheckedContinuation<Element?, Never>?
    private var waitingProducer: CheckedContinuation<Void, Never>?

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        items.reserveCapacity(self.capacity)
    }

    private var count: Int { items.count - head }

    // MARK: Thread side

    /// Producer thread: appends, blocking while full. Returns false once the consumer is gone.
    func pushBlocking(_ element: Element) -> Bool {
        condition.lock()
        while count >= capacity && !consumerCancelled { condition.wait() }
        guard !consumerCancelled else {
            condition.unlock()
            return false
        }
        if let consumer = waitingConsumer {
            waitingConsumer = nil
            condition.unlock()
            consumer.resume(returning: element)
            return true
        }
        items.append(element)
        condition.unlock()
        return true
    }

    /// Consumer thread: removes the oldest element, blocking while empty; nil once the
    /// producer has finished and everything was taken, or the queue was cancelled.
    func popBlocking() -> Element? {
        condition.lock()
        while count == 0 && !producerFinished && !consumerCancelled { condition.wait() }
        guard !consumerCancelled, count > 0 else {
            condition.unlock()
            return nil
        }
        let element = removeFirst()
        let producer = waitingProducer
        waitingProducer = nil
        condition.unlock()
        producer?.resume()
        return element
    }

    // MARK: Async side

    /// Async consumer: the oldest element, suspending while empty; nil at the end.
    func pop() async -> Element? {
        await withCheckedContinuation { (continuation: CheckedContinuation<Element?, Never>) in
            condition.lock()
            if count > 0 {
                let element = removeFirst()
                let producer = waitingProducer
                waitingProducer = nil
                condition.signal()
                condition.unlock()
                producer?.resume()
                continuation.resume(returning: element)
            } else if producerFinished || consumerCancelled {
                condition.unlock()
                continuation.resume(returning: nil)
            } else {
                waitingConsumer = continuation
                condition.unlock()
            }
        }
    }

    /// Async producer: appends, suspending while full. Returns false once the consumer is gone.
    func push(_ element: Element) async -> Bool {
        while true {
            switch tryPush(element) {
            case .pushed: return true
            case .refused: return false
            case .full: await waitForSpace()
            }
        }
    }

    private enum PushOutcome { case pushed, refused, full }

    private func tryPush(_ element: Element) -> PushOutcome {
        condition.lock()
        defer { condition.unlock() }
        if consumerCancelled { return .refused }
        guard count < capacity else { return .full }
        items.append(element)
        condition.signal()
        return .pushed
    }

    private func waitForSpace() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if count < capacity || consumerCancelled {
                condition.unlock()
                continuation.resume()
            } else {
                waitingProducer = continuation
                condition.unlock()
            }
        }
    }

    // MARK: Ending

    /// The producer will push nothing more; the consumer drains what is queued, then gets nil.
    func finish() {
        condition.lock()
        producerFinished = true
        let consumer = waitingConsumer
        waitingConsumer = nil
        condition.broadcast()
        condition.unlock()
        consumer?.resume(returning: nil)
    }

    /// The consumer is gone: wakes and refuses the producer, ends any waiting consumer.
    func cancel() {
        condition.lock()
        consumerCancelled = true
        let consumer = waitingConsumer
        let producer = waitingProducer
        waitingConsumer = nil
        waitingProducer = nil
        condition.broadcast()
        condition.unlock()
        consumer?.resume(returning: nil)
        producer?.resume()
    }

    private func removeFirst() -> Element {
        let element = items[head]
        head += 1
        if head >= 64 && head * 2 >= items.count {
            items.removeFirst(head)
            head = 0
        }
        return element
    }
}
