import NIOPosix
import ParleyControl
import ParleyCore
import ParleyStore
import Synchronization

extension ControlCommandRunner {
    /// Follows committed events: reads what is on disk after the cursor in pages, then waits for
    /// the writer's committed feed to announce newer sequence numbers and reads again. Each
    /// event waits for the channel to be writable, so a slow client holds at most one page.
    ///
    /// `subscribed` runs once the tail follows the feed (it writes the audit row): everything
    /// committed after it returns is shown.
    func tail(
        _ arguments: TailArguments, on context: ConnectionContext, reply: Replier, subscribed: () async -> Void
    ) async throws(ConnectionGone) {
        let feed = writer.committed
        let updates = feed.subscribe()  // before reading the head, so that nothing slips between
        let cursor = TailCursor(arguments.afterSequence ?? feed.latest)
        await subscribed()
        let filter = EventFilter(
            kind: arguments.criteria.kind, source: arguments.criteria.source,
            atLeastPriority: arguments.criteria.priority)
        context.logger.debug("Control tail started", metadata: ["tail.after": "\(cursor.value)"])
        let ending: TailEnding = await withTaskGroup(of: TailEnding.self) { group in
            group.addTask {
                await context.session.waitUntilStreamsStop()
                return .stopped
            }
            group.addTask {
                for await latest in updates {
                    do {
                        try await follow(upTo: latest, filter: filter, cursor: cursor, reply: reply)
                    } catch is ConnectionGone {
                        return .gone
                    } catch {
                        return Task.isCancelled ? .stopped : .failed(ControlError.from(error))
                    }
                }
                return Task.isCancelled ? .stopped : .feedEnded
            }
            let first = await group.next() ?? .stopped
            group.cancelAll()
            return first
        }
        context.logger.debug("Control tail ended", metadata: ["tail.last": "\(cursor.value)", "tail.end": "\(ending)"])
        switch ending {
        case .gone:
            throw ConnectionGone()
        case .stopped where context.session.stopReason == .inputClosed:
            try await reply.success(TailResult(lastSequence: cursor.value, reason: "input closed"))
        case .stopped, .feedEnded:
            try await reply.failure(.shuttingDown)
        case .failed(let problem):
            try await reply.failure(problem)
        }
    }

    private func follow(upTo latest: Int64, filter: EventFilter, cursor: TailCursor, reply: Replier) async throws {
        let store = self.store
        let pageSize = settings.tailPageSize
        var after = cursor.value
        while after < latest {
            var page = filter
            page.afterSequence = after
            let events = try await read { [page] in try store.events(matching: page, limit: pageSize) }
            let id = reply.id
            let lines = events.compactMap { try? ControlMessage.stream(id: id, kind: .event, data: ControlEvent($0)) }
            try await reply.write(lines: lines)
            // A short page read everything committed when it ran, which is at least `latest`.
            after = events.count < pageSize ? max(latest, events.last?.sequence ?? after) : events.last!.sequence
            cursor.value = after
        }
    }

    /// Walks the hash chain on NIO's blocking pool, streaming progress (only the newest step is
    /// kept while the client catches up).
    func verify(_ arguments: VerifyArguments, reply: Replier) async throws -> ControlChainReport {
        let (progress, continuation) = AsyncStream.makeStream(
            of: VerifyProgress.self, bufferingPolicy: .bufferingNewest(1))
        let store = self.store
        let expectedHead = arguments.expectedHead
        async let report: ChainReport = NIOThreadPool.singleton.runIfActive {
            defer { continuation.finish() }
            return try ChainVerifier.verify(store, expectedHead: expectedHead) { checked, total in
                continuation.yield(VerifyProgress(checked: checked, total: total))
            }
        }
        var gone = false
        for await step in progress where !gone {
            do {
                try await reply.stream(.progress, step)
            } catch {
                gone = true  // keep draining until the walk ends
            }
        }
        let result = try await report
        if gone { throw ConnectionGone() }
        return ControlChainReport(result)
    }
}

private enum TailEnding: Sendable, CustomStringConvertible {
    case stopped
    case gone
    case feedEnded
    case failed(ControlError)

    var description: String {
        switch self {
        case .stopped: "stopped"
        case .gone: "client gone"
        case .feedEnded: "writer stopped"
        case .failed(let error): "failed: \(error.code)"
        }
    }
}

/// The last sequence number a tail has passed, shared between its reader and its stopper.
private final class TailCursor: Sendable {
    private let state: Mutex<Int64>

    init(_ value: Int64) { state = Mutex(value) }

    var value: Int64 {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
