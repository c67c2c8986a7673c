#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// One sd_notify datagram: newline-separated `KEY=value` assignments (see sd_notify(3)).
public struct NotifyMessage: Hashable, Sendable, CustomStringConvertible {
    /// One `KEY=value` assignment.
    public struct Field: Hashable, Sendable {
        public let key: String
        public let value: String

        /// systemd splits the datagram on newlines, so a value cannot contain one:
        /// newlines (and NULs) become spaces.
        public init(_ key: String, _ value: String) {
            self.key = key
            self.value = String(value.map { $0.isNewline || $0 == "\0" ? " " : $0 })
        }
    }

    public let fields: [Field]

    public init(_ fields: [Field]) {
        self.fields = fields
    }

    /// The service finished starting up (Type=notify), or finished a reload.
    public static let ready = NotifyMessage([Field("READY", "1")])
    /// The service is beginning its shutdown.
    public static let stopping = NotifyMessage([Field("STOPPING", "1")])
    /// Keep-alive for `WatchdogSec=`.
    public static let watchdog = NotifyMessage([Field("WATCHDOG", "1")])

    /// Free-form status shown by `systemctl status`.
    public static func status(_ text: String) -> NotifyMessage {
        NotifyMessage([Field("STATUS", text)])
    }

    /// The service is reloading its configuration. `MONOTONIC_USEC` (CLOCK_MONOTONIC in
    /// microseconds) is required by systemd ≥ 253 for `Type=notify-reload` and ignored before.
    public static func reloading(monotonicMicroseconds: UInt64) -> NotifyMessage {
        NotifyMessage([Field("RELOADING", "1"), Field("MONOTONIC_USEC", String(monotonicMicroseconds))])
    }

    /// This message followed by the fields of `other`, sent as one datagram.
    public func appending(_ other: NotifyMessage) -> NotifyMessage {
        NotifyMessage(fields + other.fields)
    }

    /// The datagram as sent: `KEY=value` lines joined by newlines.
    public var description: String {
        fields.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
    }
}

/// CLOCK_MONOTONIC now, in microseconds, as systemd's `MONOTONIC_USEC` expects.
func monotonicMicroseconds() -> UInt64 {
    var now = timespec()
    // clock_gettime(CLOCK_MONOTONIC) cannot fail with a valid pointer.
    _ = clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
}
