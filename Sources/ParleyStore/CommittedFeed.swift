import Foundation
import Synchronization

/// Tells followers the latest committed sequence number.
///
/// Followers read the events themselves from the store (`IncidentStore.events(after:)`), so what
/// they show is exactly what is on disk, and a slow follower never holds up the writer: each
/// subscription buffers only the newest sequence number.
public final class CommittedFeed: Sendable {
    private struct State {
        var latest: Int64
        var subscribers: [UInt64: AsyncStream<Int64>.Continuation] = [:]
        var nextID: UInt64 = 0
    }

    private let state: Mutex<State>

    init(initial: Int64) {
        state = Mutex(State(latest: initial))
    }

    /// The last committed sequence number.
    public var latest: Int64 { state.withLock { $0.latest } }

    /// A stream of committed sequence numbers (starting with the current one). Ends when the
    /// consumer stops iterating.
    public func subscribe() -> AsyncStream<Int64> {
        let (stream, continuation) = AsyncStream.makeStream(of: Int64.self, bufferingPolicy: .bufferingNewest(1))
        let id: UInt64 = state.withLock { state in
            let id = state.nextID
            state.nextID += 1
            state.subscribers[id] = continuation
            continuation.yield(state.latest)
            return id
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) }
        }
        return stream
    }

    func publish(_ sequence: Int64) {
        let subscribers: [AsyncStream<Int64>.Continuation] = state.withLock { state in
            state.latest = sequence
            return Array(state.subscribers.values)
        }
        for subscriber in subscribers { subscriber.yield(sequence) }
    }

    /// Ends every subscription (daemon shutdown).
    public func finishAll() {
        let subscribers = state.withLock { state in
            let all = Array(state.subscribers.values)
            state.subscribers.removeAll()
            return all
        }
        for subscriber in subscribers { subscriber.finish() }
    }
}
