import Foundation
import GRDB
import GRDBSQLite
import Logging
import Metrics
import ParleyCore
import ServiceLifecycle
import Synchronization

/// The store's single writer: producers submit events (or operations that change records and
/// emit events); the writer commits them in batches (group commit), emergency first when there
/// is a backlog, hash-chains every event, and acknowledges each submitter only after its
/// transaction has committed.
///
/// Nothing is shed. When the backlog reaches `queueCapacity`, producers wait until the writer
/// has made room (bounded memory). Emergency submissions are never made to wait for room: they
/// may take the backlog past its bound, because an emergency must not queue behind routine
/// traffic.
public final class EventWriter: Service, Sendable {
    /// A write to perform inside the batch transaction: change records, return a result and the
    /// events to chain. Runs in a savepoint: if it throws, only its own changes are undone.
    public typealias Operation<Result: Sendable> = @Sendable (Database, OperationContext) throws -> (Result, [EventDraft])

    /// What an operation may know about the batch it runs in.
    public struct OperationContext: Sendable {
        /// The commit timestamp the batch's events will carry (UTC ms).
        public let timestampMillis: Int64
    }

    public struct Statistics: Sendable, Equatable {
        public var backlog: Int
        public var waitingProducers: Int
        public var committedEvents: Int64
        public var committedBatches: Int64
        public var failedBatches: Int64
        public var head: ChainHead
        /// Non-nil while the store refuses writes (disk full, I/O error); the last reason.
        public var refusing: String?
    }

    private let store: IncidentStore
    private let batchMaxEvents: Int
    private let queueCapacity: Int
    private let clock: any WallClock
    private let logger: Logger
    private let state: Mutex<WriterState>
    /// Signalled when work arrives (or a WAL sync it waits for finishes) while the writer thread
    /// sleeps (see `WriterState.writerSleeping`).
    private let wake = DispatchSemaphore(value: 0)
    /// Commits since the last checkpoint. Only the writer thread touches it.
    nonisolated(unsafe) private var walDirty = false
    /// Checkpoints the WAL beside the writer (`WALCheckpointer`); nil while the writer is not
    /// running, or if its connection could not be opened. Only the writer thread touches it.
    nonisolated(unsafe) private var checkpointer: WALCheckpointer?
    /// The last commit's restart checkpoint was put off for an emergency (`restartWAL`). Only
    /// the writer thread touches it.
    nonisolated(unsafe) private var restartPutOff = false
    private let walMarks: WALCheckpointer.Marks?
    /// How a `full` store's WAL is synced beside the commits (`WALSync`); nil: inside them.
    private let syncFile: WALSync.SyncFile?
    /// The running writer's `WALSync`, if it has one.
    private let activeWALSync = Mutex<WALSync?>(nil)
    /// The WAL's length after the last commit, from SQLite's WAL hook (`WALLength`).
    private let walLength = WALLength()
    private let feed: CommittedFeed
    private let committedCounter = Counter(label: "parley_store_events_committed_total")
    private let batchRecorder = Recorder(label: "parley_store_batch_events")

    public convenience init(
        store: IncidentStore, batchMaxEvents: Int = 1000, queueCapacity: Int = 20000,
        clock: any WallClock = SystemWallClock(), logger: Logger
    ) throws {
        try self.init(
            store: store, batchMaxEvents: batchMaxEvents, queueCapacity: queueCapacity, clock: clock,
            walMarks: .standard, logger: logger)
    }

    /// `walMarks` nil: no background checkpoints; the writer checkpoints between its commits
    /// past `IncidentStore.walBackstopPages`, as it does when the checkpoint connection cannot
    /// be opened. `syncFile` nil: SQLite syncs a `full` store's WAL inside each commit, as it
    /// does when the WAL cannot be opened for `WALSync`.
    init(
        store: IncidentStore, batchMaxEvents: Int, queueCapacity: Int, clock: any WallClock,
        walMarks: WALCheckpointer.Marks?, syncFile: WALSync.SyncFile? = WALSync.fdatasyncRetrying, logger: Logger
    ) throws {
        precondition(batchMaxEvents > 0 && queueCapacity > 0)
        self.walMarks = walMarks
        self.syncFile = syncFile
        self.store = store
        self.batchMaxEvents = batchMaxEvents
        self.queueCapacity = queueCapacity
        self.clock = clock
        self.logger = logger
        let head = try store.anchor()
        // Timestamps never go backwards along the chain, across restarts too: time queries
        // rely on it (`EventFilter`).
        let lastTimestamp = try store.lastEvent()?.timestampMillis ?? 0
        self.state = Mutex(WriterState(head: head, lastTimestamp: lastTimestamp))
        self.feed = CommittedFeed(initial: head.sequence)
    }

    /// Committed-sequence notifications for followers (`tail`).
    public var committed: CommittedFeed { feed }

    public var statistics: Statistics {
        state.withLock { state in
            Statistics(
                backlog: state.queue.count, waitingProducers: state.parked.count,
                committedEvents: state.committedEvents, committedBatches: state.committedBatches,
                failedBatches: state.failedBatches, head: state.head, refusing: state.refusing)
        }
    }

    // MARK: Submitting

    /// Records one event; returns it as committed (with its sequence and hash).
    @discardableResult
    public func append(_ draft: EventDraft) async throws -> StoredEvent {
        let prepared = try PreparedEvent(draft)
        // The commonest submission has its own path: no arrays and no boxed result per event.
        return try await withUnsafeThrowingContinuation { continuation in
            submit(PendingItem(priority: draft.priority, work: .event(prepared), waiter: .event(continuation)))
        }
    }

    /// Records several events in order, in one transaction; returns them as committed.
    @discardableResult
    public func append(contentsOf drafts: [EventDraft]) async throws -> [StoredEvent] {
        guard let priority = drafts.map(\.priority).min() else { return [] }
        let prepared = try drafts.map(PreparedEvent.init)
        return try await enqueue(priority: priority, work: .events(prepared)).1
    }

    /// Runs `operation` in the next batch transaction and chains the events it returns.
    public func perform<Result: Sendable>(
        priority: Priority, _ operation: @escaping Operation<Result>
    ) async throws -> (Result, [StoredEvent]) {
        let (result, events) = try await enqueue(
            priority: priority,
            work: .operation({ db, context in
                let (result, drafts) = try operation(db, context)
                return (result as any Sendable, try drafts.map(PreparedEvent.init))
            }))
        return (result as! Result, events)
    }

    /// Queues the work and waits for its acknowledgement.
    private func enqueue(priority: Priority, work: PendingItem.Work) async throws -> (any Sendable, [StoredEvent]) {
        try await withUnsafeThrowingContinuation { continuation in
            submit(PendingItem(priority: priority, work: work, waiter: .general(continuation)))
        }
    }

    /// Queues an item: one lock per submission. When the backlog is full a routine submission
    /// waits parked, in arrival order, and the writer moves it into the backlog as batches commit
    /// (`WriterState.admitParked`). Every item is completed exactly once: by its batch, or
    /// rejected here or at shutdown.
    private func submit(_ item: PendingItem) {
        let verdict: EnqueueVerdict = state.withLock { state in
            guard !state.shuttingDown else { return .rejected }
            // Emergencies are never made to wait for room; routine work queues behind parked
            // work so that nothing overtakes within a priority.
            if item.priority != .emergency, state.queue.count >= self.queueCapacity || !state.parked.isEmpty {
                state.parked.append(item)
                return .queued
            }
            state.queue.insert(item)
            guard state.wakesWriter(batchMaxEvents: self.batchMaxEvents) else { return .queued }
            state.writerSleeping = false
            return .queuedWakeWriter
        }
        switch verdict {
        case .rejected: item.fail(StoreError.shuttingDown)
        case .queuedWakeWriter: wake.signal()
        case .queued: break
        }
    }

    private enum EnqueueVerdict { case rejected, queued, queuedWakeWriter }

    // MARK: Running

    public func run() async throws {
        logger.info(
            "Event writer started",
            metadata: ["store.head": "\(statistics.head.sequence)", "store.synchronous": "\(store.options.synchronous.rawValue)"])
        // Cancellation (a ServiceGroup cancelling its services) is treated as a graceful shutdown:
        // the backlog is still written, so nothing already submitted is lost.
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                    // The writer owns a thread: a batch goes from the backlog into SQLite without
                    // hopping between the cooperative pool and GRDB's queue (a synchronous write
                    // from a non-queue thread runs on that thread), and a transaction that waits
                    // on fsync never blocks one of the cooperative pool's few threads.
                    // The thread lets go of the writer before `run()` returns, so a store
                    // dropped after the writer stops is closed (and its lock released) at once.
                    let owner = ThreadOwner(self)
                    let thread = Thread {
                        owner.take()?.writeUntilShutdown()
                        finished.resume()
                    }
                    thread.name = "parley-writer"
                    thread.start()
                }
            } onGracefulShutdown: {
                self.beginShutdown()
            }
        } onCancel: {
            self.beginShutdown()
        }
        logger.info("Event writer stopped", metadata: ["store.head": "\(statistics.head.sequence)"])
    }

    /// Stops taking new work; `run()` returns once the backlog is written.
    public func beginShutdown() {
        let parked: [PendingItem] = state.withLock { state in
            state.shuttingDown = true
            let parked = Array(state.parked)
            state.parked.removeAll()
            return parked
        }
        wakeWriter()
        for item in parked { item.fail(StoreError.shuttingDown) }
    }

    /// The writer thread's loop: batch, commit, hand the acknowledgements to the delivery queue.
    private func writeUntilShutdown() {
        // Acknowledging a batch (syncing a `full` store's WAL, then resuming its producers)
        // runs beside the next batch's transaction, so the writer waits neither for the disk's
        // sync nor for producers being woken. A serial queue keeps acknowledgements in commit
        // order.
        let deliveries = DispatchQueue(label: "parley-writer-acks")
        let hooked = installWALHook()
        if hooked { checkpointer = openCheckpointer() }
        checkpointer?.start()
        let restartMark = checkpointer?.marks.restart ?? IncidentStore.walBackstopPages
        let walSync = openWALSync()
        activeWALSync.withLock { $0 = walSync }
        while let batch = nextBatch() {
            let written = write(batch)
            // The commit's frames are written; with a `WALSync` they are synced (and the batch
            // acknowledged) on the delivery queue while this thread goes on to the next batch.
            let durable = written.committed ? walSync.map { ($0, $0.committed()) } : nil
            if let (_, ticket) = durable { state.withLock { $0.lastCommitTicket = ticket } }
            deliveries.async { self.acknowledge(written, durable: durable) }
            // The WAL's length after the commit, once per commit that reports one: a failed
            // batch (disk full) reports nothing, so a refusing store is not asked to checkpoint
            // after every attempt. The background thread copies it back as it grows; past the
            // restart mark the writer checkpoints here, after the batch's acknowledgements are
            // on their way, so that the next commit starts the WAL again. SQLite's own backstop
            // would run inside the commit and hold them up.
            if hooked {
                let frames = walLength.frames.exchange(0, ordering: .relaxed)
                if frames > 0 { checkpointer?.walGrew(to: frames) }
                if frames >= restartMark { restartWAL(frames: frames) }
            }
        }
        checkpointer?.stop()
        checkpointer = nil
        if hooked { removeWALHook() }
        deliveries.sync {}
        if walSync != nil { closeWALSync() }
    }

    /// For a `full` store: turns the writer connection's in-commit WAL sync off and returns the
    /// `WALSync` that syncs beside the commits instead. Nil (SQLite syncing inside each commit)
    /// for a `normal` store, or, with a log line, if the WAL cannot be opened.
    private func openWALSync() -> WALSync? {
        guard store.options.synchronous == .full, let syncFile else { return nil }
        do {
            // A read on the writer's connection opens the WAL (creating it if a clean shutdown
            // removed it), so the file is there to be opened.
            try store.pool.writeWithoutTransaction { db in _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM chain_anchor") }
            let walSync = try WALSync(storePath: store.path, logger: logger, syncFile: syncFile)
            try IncidentStore.applySynchronous(.normal, to: store.pool, path: store.path)
            return walSync
        } catch {
            logger.warning(
                "WAL synced inside each commit; the writer waits for the disk once per batch",
                metadata: ["store.path": "\(store.path)", "store.error": "\(error)"])
            return nil
        }
    }

    /// Gives the writer connection back its in-commit WAL sync, for writes made after the
    /// writer stops (the store's closing checkpoint).
    private func closeWALSync() {
        activeWALSync.withLock { $0 = nil }
        do {
            try IncidentStore.applySynchronous(.full, to: store.pool, path: store.path)
        } catch {
            logger.warning(
                "Writer connection left at synchronous = NORMAL after the writer stopped",
                metadata: ["store.path": "\(store.path)", "store.error": "\(error)"])
        }
    }

    /// WAL syncs attempted by the running writer's `WALSync`; nil if it has none.
    var walSyncs: Int64? { activeWALSync.withLock { $0?.syncs } }

    /// The background checkpointer, or nil (with a log line) if its connection cannot be
    /// opened or `walMarks` asks for none: the writer then checkpoints between its commits.
    private func openCheckpointer() -> WALCheckpointer? {
        guard let walMarks else { return nil }
        do {
            return try WALCheckpointer(store: store, marks: walMarks, logger: logger)
        } catch {
            logger.warning(
                "WAL checkpoints not in the background; the writer checkpoints between commits, which holds events up",
                metadata: ["store.path": "\(store.path)", "store.error": "\(error)"])
            return nil
        }
    }

    /// Wakes the writer thread if it is waiting for work (or for shutdown).
    private func wakeWriter() {
        let sleeping: Bool = state.withLock { state in
            defer { state.writerSleeping = false }
            return state.writerSleeping
        }
        if sleeping { wake.signal() }
    }

    /// Blocks the writer thread until there is work; nil once shut down with nothing left.
    /// With less than a whole batch queued, waits for the WAL sync in flight first
    /// (`WriterState.shouldAwaitSync`).
    ///
    /// After `idleCheckpointDelay` with nothing to write, copies the WAL back into the database
    /// file (a PASSIVE checkpoint). A checkpoint inside a commit would make every event
    /// acknowledged with that commit wait for the copy and the database fsync. Control-room
    /// traffic leaves the writer idle nearly all the time, so checkpoints happen between events;
    /// under sustained load the background checkpointer copies the WAL back, and the restart
    /// mark (checked after each commit in `writeUntilShutdown`) bounds it.
    private func nextBatch() -> WriterBatch? {
        enum Step { case batch(WriterBatch), finished, awaitWork, awaitSync }
        var checkpointDue = false
        while true {
            let step: Step = state.withLock { state in
                if state.queue.isEmpty {
                    if state.shuttingDown { return .finished }
                    state.writerSleeping = true
                    state.writerAwaitsSync = false
                    return .awaitWork
                }
                if state.shouldAwaitSync(batchMaxEvents: self.batchMaxEvents) {
                    state.writerSleeping = true
                    state.writerAwaitsSync = true
                    return .awaitSync
                }
                return .batch(state.takeBatch(maxEvents: self.batchMaxEvents))
            }
            switch step {
            case .batch(let taken):
                walDirty = true
                return taken
            case .finished:
                return nil
            case .awaitSync:
                // Woken when the sync finishes, a whole batch or an emergency is queued, or at
                // shutdown.
                wake.wait()
                continue
            case .awaitWork:
                break
            }
            if checkpointDue {
                checkpointDue = false
                checkpointWAL()
                // Re-check the queue: work that arrived during the checkpoint has signalled.
                continue
            }
            if walDirty {
                // One signal per sleep: whoever clears `writerSleeping` signals exactly once.
                if wake.wait(timeout: .now() + idleCheckpointDelay) == .timedOut {
                    let stillSleeping = state.withLock { state in
                        defer { state.writerSleeping = false }
                        return state.writerSleeping
                    }
                    // Lost the race with a submitter: consume its signal before going on.
                    if !stillSleeping { wake.wait() }
                    checkpointDue = true
                }
            } else {
                wake.wait()
            }
        }
    }

    /// Takes over SQLite's WAL hook on the writer's connection: SQLite then reports the WAL's
    /// length after each commit instead of checkpointing inside it (the hook is where its
    /// `wal_autocheckpoint` lives). False if the connection could not be reached; SQLite's
    /// backstop stays in place then.
    private func installWALHook() -> Bool {
        let context = Unmanaged.passUnretained(walLength).toOpaque()
        do {
            try store.pool.writeWithoutTransaction { db in
                guard let connection = db.sqliteConnection else { throw StoreError.writeFailed("the writer's connection is closed") }
                sqlite3_wal_hook(connection, { context, _, _, frames in
                    // Called on the writer thread, inside its commit.
                    Unmanaged<WALLength>.fromOpaque(context!).takeUnretainedValue().frames.store(Int(frames), ordering: .relaxed)
                    return SQLITE_OK
                }, context)
            }
            return true
        } catch {
            logger.warning("WAL hook not installed; SQLite checkpoints inside commits", metadata: ["store.error": "\(error)"])
            return false
        }
    }

    /// Gives the WAL hook back to SQLite's own backstop, before the writer (the hook's
    /// context) can go away.
    private func removeWALHook() {
        store.pool.writeWithoutTransaction { db in
            guard let connection = db.sqliteConnection else { return }
            sqlite3_wal_autocheckpoint(connection, Int32(IncidentStore.walBackstopPages))
        }
    }

    /// Idle time after a commit before the writer checkpoints the WAL.
    private var idleCheckpointDelay: DispatchTimeInterval { .milliseconds(200) }

    private func checkpointWAL() {
        walDirty = false
        restartPutOff = false
        do {
            if let checkpointer {
                try checkpointer.checkpointNow()
            } else {
                try store.pool.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
            }
        } catch {
            // Not fatal: committed events are safe in the WAL; the next idle period retries.
            walDirty = true
            logger.warning("WAL checkpoint failed; will retry when idle", metadata: ["store.path": "\(store.path)", "store.error": "\(error)"])
        }
    }

    /// The checkpoint past the restart mark, unless an emergency waits: that is committed first,
    /// and the checkpoint (which waits for the background one and for the database file's sync)
    /// follows its commit. Put off once at a time, so that a stream of emergencies cannot let
    /// the WAL grow without end.
    private func restartWAL(frames: Int) {
        if !restartPutOff, state.withLock({ $0.queue.has(.emergency) }) {
            restartPutOff = true
            logger.debug("WAL restart put off: an emergency is committed first", metadata: ["store.wal_frames": "\(frames)"])
            return
        }
        checkpointWAL()
    }

    /// Commits a batch and updates the chain head.
    private func write(_ batch: WriterBatch) -> WrittenBatch {
        let (startHead, lastTimestamp) = state.withLock { ($0.head, $0.lastTimestamp) }
        // Timestamps never go backwards along the chain, even if the wall clock is stepped back.
        let now = max(Timestamp.millis(clock.now()), lastTimestamp)
        let outcome: Result<BatchResult, any Error>
        do {
            let result = try store.pool.write { db in
                try Self.writeBatch(batch, in: db, head: startHead, now: now)
            }
            outcome = .success(result)
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let result):
            let recovered: String? = state.withLock { state in
                state.head = result.head
                state.lastTimestamp = result.chain.timestamp
                state.committedEvents += Int64(result.eventCount)
                state.committedBatches += 1
                let recovered = state.refusing
                state.refusing = nil
                state.admitParked(capacity: self.queueCapacity)
                return recovered
            }
            if let recovered {
                logger.notice("Incident store accepting writes again", metadata: ["store.previous_error": "\(recovered)"])
            }
            committedCounter.increment(by: result.eventCount)
            batchRecorder.record(result.eventCount)
            return WrittenBatch(items: batch.items, outcome: .success(result))
        case .failure(let error):
            let storeError = Self.classify(error)
            let firstFailure: Bool = state.withLock { state in
                state.failedBatches += 1
                let first = state.refusing == nil
                state.refusing = storeError.description
                state.admitParked(capacity: self.queueCapacity)
                return first
            }
            if firstFailure {
                logger.error(
                    "Incident store refusing writes",
                    metadata: ["store.path": "\(store.path)", "store.error": "\(error)", "store.batch_items": "\(batch.items.count)"])
            }
            return WrittenBatch(items: batch.items, outcome: .failure(storeError))
        }
    }

    /// Resumes a written batch's producers, on the delivery queue. A committed batch of a
    /// `full` store is first made durable (`durable`: the WAL sync and the commit's ticket);
    /// followers (`tail`) hear of its events after that, so what they show is on disk.
    private func acknowledge(_ written: WrittenBatch, durable: (WALSync, Int64)?) {
        switch written.outcome {
        case .success(let result):
            var notDurable: StoreError?
            if let (walSync, ticket) = durable {
                do { try walSync.waitDurable(ticket) } catch { notDurable = error }
                syncFinished(ticket)
            }
            // Committed, so in the store and on the chain, even if its sync failed: followers
            // may read it.
            feed.publish(result.head.sequence)
            if let notDurable {
                for item in written.items { item.fail(notDurable) }
                return
            }
            let committed = CommittedChain(result.chain)
            for (item, itemOutcome) in zip(written.items, result.outcomes) { item.complete(itemOutcome, in: committed) }
        case .failure(let error):
            for item in written.items { item.fail(error) }
        }
    }

    /// Records that the commit with `ticket` is synced (or failed to be), and wakes the writer
    /// if it waits for that (`WriterState.shouldAwaitSync`).
    private func syncFinished(_ ticket: Int64) {
        let wakeWriter: Bool = state.withLock { state in
            state.lastSyncedTicket = max(state.lastSyncedTicket, ticket)
            guard state.writerSleeping, state.writerAwaitsSync else { return false }
            state.writerSleeping = false
            return true
        }
        if wakeWriter { wake.signal() }
    }

    /// A batch after its transaction: committed (with what it did), or failed as a whole.
    private struct WrittenBatch: Sendable {
        let items: [PendingItem]
        let outcome: Result<BatchResult, StoreError>
        var committed: Bool { if case .success = outcome { true } else { false } }
    }

    private struct BatchResult: Sendable {
        var head: ChainHead
        var chain: BatchChain
        var eventCount: Int
        var outcomes: [ItemOutcome]
    }

    /// Events per multi-row INSERT for a batch's run of plain events.
    private static let multiInsertRows = 16

    private static func writeBatch(_ taken: WriterBatch, in db: Database, head: ChainHead, now: Int64) throws -> BatchResult {
        let batch = taken.items, expected = taken.events
        var chain = try BatchChain(head: head, timestamp: now, expectedEvents: expected)
        var outcomes: [ItemOutcome] = []
        outcomes.reserveCapacity(batch.count)
        let insert = try EventInsertStatement(db)
        let context = OperationContext(timestampMillis: now)
        // The plain events up to the first operation (usually the whole batch) are hashed
        // first and inserted 16 rows at a time (`BatchChain.hashAhead`, `insertHashed`); the
        // loop below chains them in order and inserts whatever was not inserted ahead.
        var plain: [PreparedEvent] = []
        plain.reserveCapacity(expected)
        leading: for item in batch {
            switch item.work {
            case .event(let event): plain.append(event)
            case .events(let events): plain.append(contentsOf: events)
            case .operation: break leading
            }
        }
        chain.hashAhead(plain)
        if plain.count >= multiInsertRows {
            try chain.insertHashed(plain, insert: EventInsertStatement(db, rows: multiInsertRows))
        }
        for item in batch {
            switch item.work {
            case .event(let event):
                // Validated on submission: only a batch-fatal error (disk full, I/O) can fail this.
                outcomes.append(.chained(first: try chain.append(event, insert: insert)))
            case .events(let events):
                // Validated on submission: only a batch-fatal error (disk full, I/O) can fail these.
                let first = chain.count
                for event in events { _ = try chain.append(event, insert: insert) }
                outcomes.append(.chained(first: first))
            case .operation(let operation):
                let first = chain.count
                do {
                    var performed: (any Sendable, [PreparedEvent])?
                    try db.inSavepoint {
                        let (result, events) = try operation(db, context)
                        for event in events { _ = try chain.append(event, insert: insert) }
                        performed = (result, events)
                        return .commit
                    }
                    outcomes.append(.performed(performed!.0, performed!.1, first: first))
                } catch {
                    if isBatchFatal(error) { throw error }
                    chain.truncate(to: first)
                    outcomes.append(.failure(error))
                }
            }
        }
        let end = chain.end
        if end != head {
            try db.execute(
                sql: """
                    INSERT INTO chain_anchor (id, last_sequence, last_hash) VALUES (1, ?, ?)
                    ON CONFLICT(id) DO UPDATE SET last_sequence = excluded.last_sequence, last_hash = excluded.last_hash
                    """, arguments: [end.sequence, end.hash])
        }
        return BatchResult(head: end, chain: chain, eventCount: chain.count, outcomes: outcomes)
    }

    /// Errors that mean the whole transaction cannot commit (as opposed to one operation's
    /// constraint violation, which only fails that operation).
    private static func isBatchFatal(_ error: any Error) -> Bool {
        guard let dbError = error as? DatabaseError else { return false }
        switch dbError.resultCode {
        case .SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_CANTOPEN,
            .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_NOMEM:
            return true
        default:
            return false
        }
    }

    private static func classify(_ error: any Error) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        if let dbError = error as? DatabaseError {
            if dbError.resultCode == .SQLITE_FULL {
                return .full("SQLite: database or disk is full")
            }
            return .writeFailed("SQLite \(dbError.resultCode): \(dbError.message ?? "")")
        }
        return .writeFailed("\(error)")
    }
}

/// An event checked and encoded by its producer (off the writer's thread), waiting for its
/// sequence number and hash.
struct PreparedEvent: Sendable {
    let priority: Priority
    let kind: EventKind
    let source: EventSource
    let incidentID: Int64?
    /// Canonical JSON, exactly as it will be hashed and stored.
    let payload: String

    init(_ draft: EventDraft) throws {
        guard EventChain.isValidName(draft.kind.rawValue) else {
            throw StoreError.invalid("event kind '\(draft.kind)' must be 1…128 printable characters without spaces")
        }
        guard EventChain.isValidName(draft.source.rawValue) else {
            throw StoreError.invalid("event source '\(draft.source)' must be 1…128 printable characters without spaces")
        }
        priority = draft.priority
        kind = draft.kind
        source = draft.source
        incidentID = draft.incidentID
        payload = draft.payload.canonicalString
    }

    /// Calls `body` with the kind, source and payload as UTF-8 bytes.
    func withUTF8<Result>(
        _ body: (_ kind: UnsafeBufferPointer<UInt8>, _ source: UnsafeBufferPointer<UInt8>, _ payload: UnsafeBufferPointer<UInt8>)
            throws -> Result
    ) rethrows -> Result {
        var kind = kind.rawValue, source = source.rawValue, payload = payload
        return try kind.withUTF8 { kind in
            try source.withUTF8 { source in
                try payload.withUTF8 { payload in try body(kind, source, payload) }
            }
        }
    }
}

struct PendingItem: Sendable {
    enum Work: Sendable {
        /// One plain event (`append(_:)`), validated and encoded on submission.
        case event(PreparedEvent)
        /// Plain events in order, validated and encoded on submission.
        case events([PreparedEvent])
        /// Record changes plus events, run in a savepoint.
        case operation(@Sendable (Database, EventWriter.OperationContext) throws -> (any Sendable, [PreparedEvent]))
    }

    /// The submitter, suspended until its batch commits (or fails). Resumed exactly once.
    enum Waiter: Sendable {
        case event(UnsafeContinuation<StoredEvent, any Error>)
        case general(UnsafeContinuation<(any Sendable, [StoredEvent]), any Error>)
    }

    let priority: Priority
    let work: Work
    let waiter: Waiter

    /// How many events this item is expected to add to a batch (operations usually add one).
    var weight: Int {
        switch work {
        case .event: 1
        case .events(let events): max(events.count, 1)
        case .operation: 1
        }
    }

    /// Resumes the submitter with what its batch did with it.
    func complete(_ outcome: ItemOutcome, in chain: CommittedChain) {
        switch (outcome, work, waiter) {
        case (.failure(let error), _, _):
            fail(error)
        case (.chained(let first), .event(let event), .event(let continuation)):
            continuation.resume(returning: chain.event(event, at: first))
        case (.chained(let first), .events(let events), .general(let continuation)):
            continuation.resume(returning: ((), chain.events(events, from: first)))
        case (.performed(let result, let events, let first), _, .general(let continuation)):
            continuation.resume(returning: (result, chain.events(events, from: first)))
        default:
            fail(StoreError.writeFailed("internal: a submission's acknowledgement did not match its work"))
        }
    }

    /// Resumes the submitter with `error`.
    func fail(_ error: any Error) {
        switch waiter {
        case .event(let continuation): continuation.resume(throwing: error)
        case .general(let continuation): continuation.resume(throwing: error)
        }
    }
}

/// What a batch did with one item.
enum ItemOutcome: Sendable {
    /// The item's events (`.event`, `.events`) were chained from this index in the batch.
    case chained(first: Int)
    /// An operation's result, and the events it returned, chained from `first`.
    case performed(any Sendable, [PreparedEvent], first: Int)
    /// The item failed alone (its savepoint was rolled back).
    case failure(any Error)
}

/// The WAL's length in frames (pages) after the last commit on the writer's connection, as
/// SQLite's WAL hook reports it.
final class WALLength: Sendable {
    let frames = Atomic<Int>(0)
}

/// Hands an object to a thread exactly once, so the thread's closure does not keep it alive.
final class ThreadOwner<Object: AnyObject & Sendable>: Sendable {
    private let object: Mutex<Object?>
    init(_ object: Object) { self.object = Mutex(object) }
    func take() -> Object? { object.withLock { $0.take() } }
}
