import ParleyControl
import Synchronization

/// One connection's `ControlSessionStateMachine`, shared by the connection's reader, executor
/// and idle watch, with the suspension points they wait at. Holds no I/O.
final class ControlSession: Sendable {
    /// Why streams on this connection were told to stop.
    enum StopReason: Sendable, Equatable {
        case inputClosed
        case shuttingDown
    }

    private struct State: ~Copyable {
        var machine: ControlSessionStateMachine
        var executorWaiter: CheckedContinuation<Void, Never>?
        var readerWaiter: CheckedContinuation<Void, Never>?
        var streamWaiters: [CheckedContinuation<Void, Never>] = []
        var stopReason: StopReason?
        var closed = false
    }

    private let state: Mutex<State>

    init(machine: ControlSessionStateMachine) {
        state = Mutex(State(machine: machine))
    }

    // MARK: Reader side

    /// Feeds received bytes; returns what the reader should do next.
    func received(_ bytes: UnsafeRawBufferPointer, at now: Duration) -> ControlSessionStateMachine.ReadAction {
        let (action, wake) = state.withLock { state in
            let action = state.machine.received(bytes, at: now)
            let wake = state.machine.queuedCount > 0 ? state.executorWaiter.take() : nil
            return (action, wake)
        }
        wake?.resume()
        return action
    }

    /// Suspends the reader until the queue has room again (or the session closes).
    func waitForRoom() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if state.closed || state.machine.queuedCount < state.machine.maxQueued { return true }
                state.readerWaiter = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    /// The peer's input ended; returns the bytes of an unfinished line that were dropped.
    func inputEnded(at now: Duration) -> Int {
        let (ended, wakes) = state.withLock { state in
            let ended = state.machine.inputEnded(at: now)
            var wakes: [CheckedContinuation<Void, Never>] = []
            if let waiter = state.executorWaiter.take() { wakes.append(waiter) }
            // A running stream stops, and so does any started later: nobody is left to watch it.
            state.stopReason = state.stopReason ?? .inputClosed
            wakes += state.streamWaiters
            state.streamWaiters.removeAll()
            return (ended, wakes)
        }
        for wake in wakes { wake.resume() }
        return ended.discardedBytes
    }

    // MARK: Executor side

    /// The next work to run, waiting for it if need be; nil when the connection should close.
    func next() async -> ControlSessionStateMachine.Work? {
        while true {
            let next = state.withLock { state in
                state.closed ? .close : state.machine.next()
            }
            switch next {
            case .run(let work): return work
            case .close: return nil
            case .wait:
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = state.withLock { state in
                        if state.closed || state.machine.queuedCount > 0 || !state.machine.acceptsInput {
                            return true
                        }
                        state.executorWaiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
        }
    }

    /// The work from `next()` is done.
    func finished(at now: Duration) {
        let wake = state.withLock { state in
            _ = state.machine.workFinished(at: now)
            return state.readerWaiter.take()
        }
        wake?.resume()
    }

    // MARK: Streams

    /// Why streams must stop, once they must.
    var stopReason: StopReason? { state.withLock { $0.stopReason } }

    /// Returns when streams on this connection must stop (input closed, daemon stopping).
    func waitUntilStreamsStop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state in
                if state.stopReason != nil || state.closed { return true }
                state.streamWaiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }

    // MARK: Idle and shutdown

    func idleDeadline(timeout: Duration) -> Duration? {
        state.withLock { $0.machine.idleDeadline(timeout: timeout) }
    }

    /// If idle at `now`, ends input (no further requests are taken) and returns true. Call
    /// `wakeExecutor()` once the idle message is written so that the connection closes.
    func endIfIdle(at now: Duration, timeout: Duration) -> Bool {
        state.withLock { state in
            guard state.machine.isIdle(at: now, timeout: timeout) else { return false }
            _ = state.machine.inputEnded(at: now)
            return true
        }
    }

    func wakeExecutor() {
        state.withLock { $0.executorWaiter.take() }?.resume()
    }

    /// The daemon is stopping: stop streams, refuse what is queued, close after the running command.
    func shutdown() {
        let wakes = state.withLock { state in
            _ = state.machine.shutdown()
            state.stopReason = .shuttingDown
            var wakes = state.streamWaiters
            state.streamWaiters.removeAll()
            if let waiter = state.executorWaiter.take() { wakes.append(waiter) }
            if let waiter = state.readerWaiter.take() { wakes.append(waiter) }
            return wakes
        }
        for wake in wakes { wake.resume() }
    }

    /// The connection is closing: release every waiter.
    func close() {
        let wakes = state.withLock { state in
            state.closed = true
            var wakes = state.streamWaiters
            state.streamWaiters.removeAll()
            if let waiter = state.executorWaiter.take() { wakes.append(waiter) }
            if let waiter = state.readerWaiter.take() { wakes.append(waiter) }
            return wakes
        }
        for wake in wakes { wake.resume() }
    }
}
