import Foundation
import Logging
import Synchronization

/// Makes the event writer's commits durable beside its next batch, rather than inside each
/// commit.
///
/// With `synchronous = FULL`, the one thing SQLite does in WAL mode that `NORMAL` does not is
/// sync the WAL at the end of every commit (sqlite.org/pragma.html#pragma_synchronous: with
/// `NORMAL` it still syncs the WAL before each checkpoint, the database file after it, and the
/// WAL's header when the WAL starts again). That sync made the writer thread wait for the disk
/// once per batch, with the next batch's events queued behind it.
///
/// So for a `full` store, the writer commits with `NORMAL` and this syncs the WAL itself, on the
/// acknowledging queue, before any producer in the batch is acknowledged. Meanwhile the writer
/// inserts the next batch. A sync covers every commit written before it began, so one sync can
/// acknowledge several batches. An event is acknowledged only once its commit is on disk, as
/// with `FULL`.
///
/// The descriptor is opened on the `-wal` file once. SQLite keeps that file (truncating it, not
/// replacing it) while any connection to the store is open, and the writer's connection stays
/// open as long as the writer runs.
final class WALSync: Sendable {
    /// Syncs a file's data to disk: 0, or the `errno` of the failure.
    typealias SyncFile = @Sendable (_ descriptor: Int32) -> Int32

    let walPath: String
    private let descriptor: Int32
    private let syncFile: SyncFile
    private let logger: Logger
    private let marks = Mutex(Marks())

    private struct Marks {
        /// Commits whose frames are written (tickets handed out).
        var written: Int64 = 0
        /// Commits covered by the last successful sync.
        var synced: Int64 = 0
        /// Commits covered by the last failed sync, and why it failed.
        var failedThrough: Int64 = 0
        var failure = ""
        var syncs: Int64 = 0
        /// The last sync failed; cleared (and logged) when one succeeds.
        var failing = false
    }

    /// Opens the store's WAL for syncing, and syncs its directory once so that the WAL's own
    /// entry is on disk (as SQLite does on its first WAL sync).
    init(storePath: String, logger: Logger, syncFile: @escaping SyncFile = WALSync.fdatasyncRetrying) throws {
        walPath = storePath + "-wal"
        let descriptor = open(walPath, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw StoreError.openFailed(path: storePath, reason: "WAL \(walPath): \(String(cString: strerror(errno)))")
        }
        let directory = open((walPath as NSString).deletingLastPathComponent.nonEmpty ?? ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            _ = fsync(directory)
            close(directory)
        }
        self.descriptor = descriptor
        self.syncFile = syncFile
        self.logger = logger
    }

    deinit { close(descriptor) }

    /// Called by the writer thread after each commit: its frames are written. Returns the
    /// commit's ticket for `waitDurable`.
    func committed() -> Int64 {
        marks.withLock { marks in
            marks.written += 1
            return marks.written
        }
    }

    /// Returns once the commit with `ticket` is on disk: at once if a sync since it was written
    /// has succeeded, otherwise after syncing every commit written so far. Throws
    /// `StoreError.notDurable` if the sync that covered it failed: that commit is not synced
    /// again, since after a failed sync Linux may report the next one as successful without
    /// having written the lost pages.
    ///
    /// Called on the writer's acknowledging queue, which is serial: one sync at a time.
    func waitDurable(_ ticket: Int64) throws(StoreError) {
        enum Step { case done, failed(String), sync(through: Int64, after: Int64) }
        let step: Step = marks.withLock { marks in
            if ticket <= marks.failedThrough, ticket > marks.synced { return .failed(marks.failure) }
            if ticket <= marks.synced { return .done }
            return .sync(through: marks.written, after: max(marks.synced, marks.failedThrough))
        }
        switch step {
        case .done:
            return
        case .failed(let failure):
            throw StoreError.notDurable(failure)
        case .sync(let target, let previous):
            let code = syncFile(descriptor)
            let failure = code == 0 ? "" : "fdatasync \(walPath): \(String(cString: strerror(code)))"
            let recovered: Bool = marks.withLock { marks in
                marks.syncs += 1
                if code == 0 {
                    marks.synced = target
                    defer { marks.failing = false }
                    return marks.failing
                }
                marks.failedThrough = target
                marks.failure = failure
                marks.failing = true
                return false
            }
            if code == 0 {
                if recovered { logger.notice("WAL syncs succeeding again", metadata: ["store.wal": "\(walPath)"]) }
                return
            }
            logger.error(
                "WAL sync failed: committed events are not confirmed on disk, and their producers get an error",
                metadata: ["store.wal": "\(walPath)", "store.error": "\(failure)", "store.commits": "\(target - previous)"])
            throw StoreError.notDurable(failure)
        }
    }

    /// Syncs attempted so far.
    var syncs: Int64 { marks.withLock { $0.syncs } }

    /// `fdatasync`, retried if a signal interrupts it.
    static let fdatasyncRetrying: SyncFile = { descriptor in
        while fdatasync(descriptor) != 0 {
            if errno != EINTR { return errno }
        }
        return 0
    }
}

extension String {
    fileprivate var nonEmpty: String? { isEmpty ? nil : self }
}
