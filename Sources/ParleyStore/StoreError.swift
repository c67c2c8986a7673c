/// Why the incident store refused or failed an operation. Every description says what was
/// wrong and what to do.
public struct StoreError: Error, Sendable, CustomStringConvertible, Equatable {
    private enum Code: Sendable, Equatable {
        case full(String)
        case writeFailed(String)
        case notDurable(String)
        case shuttingDown
        case notFound(String)
        case invalid(String)
        case openFailed(path: String, reason: String)
        case inUse(path: String, holder: String)
        case schemaTooNew(found: String)
    }

    private let code: Code

    private init(_ code: Code) { self.code = code }

    /// The disk (or the configured size cap) is full; nothing from the failed batch was written.
    public static func full(_ detail: String) -> StoreError { StoreError(.full(detail)) }
    /// SQLite refused a batch for another reason (I/O error, read-only file).
    public static func writeFailed(_ detail: String) -> StoreError { StoreError(.writeFailed(detail)) }
    /// The request was committed, but syncing it to disk failed: it may not survive a power
    /// loss. Not retryable: resubmitting could store it twice.
    public static func notDurable(_ detail: String) -> StoreError { StoreError(.notDurable(detail)) }
    /// The writer is shutting down and takes no new work.
    public static let shuttingDown = StoreError(.shuttingDown)
    /// A referenced record (incident, event) does not exist.
    public static func notFound(_ what: String) -> StoreError { StoreError(.notFound(what)) }
    /// The request is not valid for the current state of the record.
    public static func invalid(_ why: String) -> StoreError { StoreError(.invalid(why)) }
    public static func openFailed(path: String, reason: String) -> StoreError {
        StoreError(.openFailed(path: path, reason: reason))
    }
    /// Another process holds the store's lock.
    public static func inUse(path: String, holder: String) -> StoreError { StoreError(.inUse(path: path, holder: holder)) }
    public static func schemaTooNew(found: String) -> StoreError { StoreError(.schemaTooNew(found: found)) }

    /// True when retrying later may succeed (space returns, file becomes writable).
    public var isRetryable: Bool {
        switch code {
        case .full, .writeFailed: true
        default: false
        }
    }

    /// Committed, but not confirmed on disk (`notDurable`).
    public var isNotDurable: Bool {
        if case .notDurable = code { return true }
        return false
    }

    public var isNotFound: Bool {
        if case .notFound = code { return true }
        return false
    }

    public var description: String {
        switch code {
        case .full(let detail):
            "incident store is full (\(detail)); nothing from this request was written — free disk space "
                + "(or raise store.max_size_mb); writes resume automatically"
        case .writeFailed(let detail):
            "incident store write failed (\(detail)); nothing from this request was written — check the "
                + "state directory's permissions and disk health, then retry"
        case .notDurable(let detail):
            "incident store committed this request but could not sync it to disk (\(detail)); it may not survive a "
                + "power loss — check the disk's health (dmesg), and look the request up (`parleyctl events`) before "
                + "sending it again"
        case .shuttingDown:
            "incident store is shutting down and accepts no new writes — retry when parleyd is running again"
        case .notFound(let what):
            "\(what) not found — check the identifier (`parleyctl incidents list`)"
        case .invalid(let why):
            why
        case .openFailed(let path, let reason):
            "cannot open incident store \(path): \(reason) — check the path exists and is writable by parleyd"
        case .inUse(let path, let holder):
            "incident store \(path) is in use by another process (\(holder)) — run one parleyd per store, or give "
                + "this one another state directory (--state-dir)"
        case .schemaTooNew(let found):
            "incident store was written by a newer parleyd (migration \(found) is unknown) — run that version "
                + "or restore a backup"
        }
    }
}
