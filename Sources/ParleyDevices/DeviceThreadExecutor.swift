import Dispatch
import Foundation
import Synchronization

/// A serial executor that runs its jobs on one dedicated thread.
///
/// Device drivers are actors that adopt it (`unownedExecutor`), so that their blocking
/// system calls — ioctl, hidraw writes, rigctld socket round trips — run on a thread of their
/// own and never on Swift's cooperative pool. Each executor has exactly one owner, which calls
/// ``shutdown()`` from its deinit; the thread ends after the jobs already queued. (Internal so
/// that it cannot be shared: a job enqueued after shutdown is a programming error.)
final class DeviceThreadExecutor: SerialExecutor, Sendable {
    private struct Queue: ~Copyable {
        var jobs: [UnownedJob] = []
        var stopped = false
    }

    private let queue = Mutex(Queue())
    private let wakeup = DispatchSemaphore(value: 0)
    let name: String

    /// Starts the thread, named `name` (visible in `top -H` and crash reports).
    init(name: String) {
        self.name = name
        let thread = Thread { [self] in self.runLoop() }
        thread.name = name
        thread.start()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let accepted = queue.withLock { queue -> Bool in
            guard !queue.stopped else { return false }
            queue.jobs.append(job)
            return true
        }
        precondition(accepted, "job enqueued on device thread \(name) after shutdown")
        wakeup.signal()
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    /// Lets the thread finish the queued jobs and exit.
    func shutdown() {
        queue.withLock { $0.stopped = true }
        wakeup.signal()
    }

    private func runLoop() {
        while true {
            wakeup.wait()
            let next = queue.withLock { queue -> (UnownedJob?, Bool) in
                if queue.jobs.isEmpty { return (nil, queue.stopped) }
                return (queue.jobs.removeFirst(), false)
            }
            if let job = next.0 {
                job.runSynchronously(on: asUnownedSerialExecutor())
            } else if next.1 {
                return
            }
        }
    }
}
