import Logging
import Synchronization

/// Keeps every log record so tests can assert what was logged, and keeps test output quiet.
/// Shared by the test targets (`ParleyTestSupport`).
public final class LogCapture: Sendable {
    public struct Record: Sendable {
        public var level: Logger.Level
        public var message: String
        public var metadata: Logger.Metadata
    }

    public init() {}

    private let storage = Mutex<[Record]>([])

    public var records: [Record] { storage.withLock { $0 } }

    /// The records at `level`.
    public func records(_ level: Logger.Level) -> [Record] { records.filter { $0.level == level } }

    /// How many records carry exactly this message.
    public func count(_ message: String) -> Int { records.filter { $0.message == message }.count }

    public func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "parley.test") { _ in Handler(capture: self) }
        logger.logLevel = level
        return logger
    }

    fileprivate func append(_ record: Record) {
        storage.withLock { $0.append(record) }
    }

    private struct Handler: LogHandler {
        let capture: LogCapture
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            capture.append(Record(level: event.level, message: "\(event.message)", metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
        }
    }
}
