import Foundation

/// A stop request for a dedicated audio thread, with a sleep that the request interrupts
/// (the one-second retry delay must not hold up shutdown).
final class StopSignal: @unchecked Sendable {
    // @unchecked: `stopped` is only touched with `condition` held.
    private let condition = NSCondition()
    private var stopped = false

    var isStopped: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    /// Sleeps for `duration` or until stopped. Returns true if stopped.
    func sleep(for duration: Duration) -> Bool {
        let parts = duration.components
        let deadline = Date(timeIntervalSinceNow: Double(parts.seconds) + Double(parts.attoseconds) * 1e-18)
        condition.lock()
        defer { condition.unlock() }
        while !stopped {
            if !condition.wait(until: deadline) { break }
        }
        return stopped
    }
}

/// Lets async code await a dedicated thread's exit without blocking the concurrency pool.
final class ThreadExit: @unchecked Sendable {
    // @unchecked: both properties are only touched with `lock` held.
    private let lock = NSLock()
    private var exited = false
    private var waiter: CheckedContinuation<Void, Never>?

    /// Called by the thread as its very last action.
    func signal() {
        lock.lock()
        exited = true
        let waiting = waiter
        waiter = nil
        lock.unlock()
        waiting?.resume()
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            lock.lock()
            if exited {
                lock.unlock()
                continuation.resume()
            } else {
                waiter = continuation
                lock.unlock()
            }
        }
    }
}
