import Foundation
import Logging
import Synchronization

/// The log level, shared by every logger of the process so that SIGHUP can change it live.
final class SharedLogLevel: Sendable {
    private let level: Mutex<Logger.Level>
    init(_ level: Logger.Level) { self.level = Mutex(level) }
    var value: Logger.Level {
        get { level.withLock { $0 } }
        set { level.withLock { $0 = newValue } }
    }
}

/// One line per log event on stderr, ready for journald.
///
/// Under systemd (`JOURNAL_STREAM` set) each line starts with the syslog priority prefix
/// (`<6>`), which journald turns into the entry's priority, and carries no timestamp (journald
/// adds its own). Elsewhere the line starts with a UTC timestamp and the level. Metadata follows
/// the message as `key=value`, sorted by key, values quoted when they contain spaces.
struct StderrLogHandler: LogHandler {
    let label: String
    let sharedLevel: SharedLogLevel
    let journal: Bool
    var metadata: Logger.Metadata = [:]

    init(label: String, level: SharedLogLevel, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.label = label
        self.sharedLevel = level
        self.journal = environment["JOURNAL_STREAM"] != nil
    }

    var logLevel: Logger.Level {
        get { sharedLevel.value }
        set { sharedLevel.value = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var line = ""
        if journal {
            line += "<\(Self.syslogPriority(event.level))>"
        } else {
            line += Self.timestamp() + " " + event.level.rawValue + " "
        }
        line += event.message.description
        var merged = metadata
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        for key in merged.keys.sorted() {
            line += " " + key + "=" + Self.quote("\(merged[key]!)")
        }
        line += "\n"
        line.withUTF8 { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return
                }
                offset += written
            }
        }
    }

    static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    static func quote(_ value: String) -> String {
        if !value.isEmpty, !value.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.isNewline }) {
            return value
        }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"" + escaped + "\""
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(now.tv_nsec / 1_000_000))
    }
}
