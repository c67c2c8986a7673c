import Foundation
import GRDBSQLite
import Logging

/// Copies the WAL back into the database file on a connection and a thread of its own, so the
/// event writer goes on committing meanwhile: a PASSIVE checkpoint takes SQLite's checkpoint
/// lock, not the write lock. With a WAL sync in every commit, a checkpoint costs two syncs of
/// its own (the WAL, then the database file); run between the writer's commits, it held up
/// every event queued behind it.
///
/// SQLite starts the WAL again from its beginning only when a transaction begins with every
/// frame already copied back. Under sustained load the writer commits while the background
/// checkpoint runs, so that never happens by itself: the writer calls `checkpointNow()` between
/// two of its commits once the WAL passes `Marks.restart`. By then the background thread has
/// copied nearly all of it, and the next commit starts the WAL again.
final class WALCheckpointer: @unchecked Sendable {
    // @unchecked: `connection` is used by one checkpoint at a time (`running`, under
    // `condition`), and every other stored `var` is read and written only with `condition` held.

    /// WAL lengths (pages) at which checkpoints run.
    struct Marks: Sendable {
        /// Frames not yet copied back at which the background thread checkpoints.
        var background: Int
        /// WAL length at which the writer checkpoints between its commits, so the WAL starts
        /// again from its beginning.
        var restart: Int

        /// Measured with `parley-bench store` at a sustained 20,000 events/s (docs/BENCHMARKS.md,
        /// "background checkpoints"): in sixteen alternating pairs against the writer
        /// checkpointing every 200 pages itself, p99 was lower in fifteen (1.32–2.74 ms against
        /// 1.81–4.19 ms); the writer's throughput showed no clear difference either way. A
        /// restart mark of 2,000 pages did no worse than 4,000 in six pairs, and keeps the WAL
        /// file at about 8 MiB, half the store's `journal_size_limit`.
        static let standard = Marks(background: 200, restart: 2000)
    }

    private let connection: OpaquePointer
    private let path: String
    let marks: Marks
    private let logger: Logger
    private let condition = NSCondition()
    /// The WAL's length after the writer's last commit.
    private var walFrames = 0
    /// Frames of the current WAL copied back, as the last checkpoint reported.
    private var copied = 0
    /// Counts the WAL's restarts, so that a checkpoint straddling one does not count frames of
    /// the old WAL as copied.
    private var generation = 0
    /// A checkpoint is using `connection`.
    private var running = false
    private var stopping = false
    private var threadRunning = false
    /// The last background checkpoint failed; cleared (and logged) when one succeeds.
    private var failing = false
    /// `stop()` has closed `connection`.
    private var closed = false

    /// How long the background thread waits after a failed checkpoint before it tries again.
    private let retryDelay: TimeInterval
    /// Runs one checkpoint on the connection (`passiveCheckpoint`; a test may make it fail).
    private let runOnConnection: (OpaquePointer) -> Result<Int, StoreError>

    /// Opens the checkpoint connection on the store's file. It syncs with the store's mode.
    init(
        store: IncidentStore, marks: Marks, logger: Logger, retryDelay: TimeInterval = 1,
        runOnConnection: @escaping (OpaquePointer) -> Result<Int, StoreError> = WALCheckpointer.passiveCheckpoint
    ) throws {
        var handle: OpaquePointer?
        let opened = sqlite3_open_v2(store.path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        let pragma = "PRAGMA synchronous = \(store.options.synchronous.pragma.keyword)"
        guard opened == SQLITE_OK, let handle, sqlite3_exec(handle, pragma, nil, nil, nil) == SQLITE_OK else {
            let reason = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(handle)
            throw StoreError.openFailed(path: store.path, reason: "WAL checkpoint connection: \(reason)")
        }
        // As the store's own connections: the WAL index may be busy for a moment as it opens.
        sqlite3_busy_timeout(handle, 5000)
        self.connection = handle
        self.path = store.path
        self.marks = marks
        self.logger = logger
        self.retryDelay = retryDelay
        self.runOnConnection = runOnConnection
    }

    deinit {
        if !closed { sqlite3_close(connection) }
    }

    /// Starts the background thread.
    func start() {
        condition.lock()
        threadRunning = true
        condition.unlock()
        let thread = Thread { [self] in checkpointInBackground() }
        thread.name = "parley-checkpoint"
        thread.start()
    }

    /// Stops the background thread, after the checkpoint it may be running, and closes the
    /// connection (its descriptors go with it); returns once it has.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while threadRunning || running { condition.wait() }
        if !closed {
            closed = true
            sqlite3_close(connection)
        }
        condition.unlock()
    }

    /// The writer reports the WAL's length (frames) after each commit.
    func walGrew(to frames: Int) {
        condition.lock()
        if frames < walFrames {
            // The commit started the WAL again from its beginning.
            generation += 1
            copied = 0
        }
        walFrames = frames
        if frames - copied >= marks.background { condition.broadcast() }
        condition.unlock()
    }

    /// Checkpoints on the caller's thread, after the background checkpoint in progress if any.
    func checkpointNow() throws {
        condition.lock()
        while running { condition.wait() }
        guard !closed else {
            condition.unlock()
            throw StoreError.writeFailed("WAL checkpoint: the checkpoint connection is closed")
        }
        let result = runCheckpoint()
        condition.unlock()
        if case .failure(let error) = result { throw error }
    }

    private func checkpointInBackground() {
        condition.lock()
        while true {
            while !stopping && (running || walFrames - copied < marks.background) { condition.wait() }
            if stopping { break }
            let result = runCheckpoint()
            let wasFailing = failing
            failing = if case .failure = result { true } else { false }
            condition.unlock()
            switch result {
            case .success where wasFailing:
                logger.notice("WAL checkpoints resumed", metadata: ["store.path": "\(path)"])
            case .failure(let error) where !wasFailing:
                logger.warning(
                    "WAL checkpoint failed; committed events stay in the WAL, retrying",
                    metadata: ["store.path": "\(path)", "store.error": "\(error)", "store.retry_seconds": "\(retryDelay)"])
            default:
                break
            }
            condition.lock()
            // After a failure, not at once (every commit signals): the WAL is no shorter, and
            // the cause (a full disk) rarely clears within a commit.
            let retry = Date(timeIntervalSinceNow: retryDelay)
            while failing && !stopping && Date() < retry { _ = condition.wait(until: retry) }
        }
        threadRunning = false
        condition.broadcast()
        condition.unlock()
    }

    /// Runs a checkpoint, with `condition` released while it runs, and records its outcome.
    /// Called, and returns, with `condition` held and no checkpoint running.
    private func runCheckpoint() -> Result<Int, StoreError> {
        running = true
        let started = generation
        condition.unlock()
        let result = runOnConnection(connection)
        condition.lock()
        if case .success(let frames) = result, generation == started { copied = frames }
        running = false
        condition.broadcast()
        return result
    }

    /// A PASSIVE checkpoint; returns the frames of the WAL now copied back.
    static func passiveCheckpoint(_ connection: OpaquePointer) -> Result<Int, StoreError> {
        var walLength: Int32 = 0
        var copiedBack: Int32 = 0
        guard sqlite3_wal_checkpoint_v2(connection, nil, SQLITE_CHECKPOINT_PASSIVE, &walLength, &copiedBack) == SQLITE_OK else {
            return .failure(.writeFailed("WAL checkpoint: \(String(cString: sqlite3_errmsg(connection)))"))
        }
        return .success(Int(copiedBack))
    }
}
