#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

/// The service watchdog systemd asked for (`WatchdogSec=` → `$WATCHDOG_USEC`), as
/// sd_watchdog_enabled(3) reads it.
public struct WatchdogConfiguration: Hashable, Sendable {
    /// systemd's timeout: with no `WATCHDOG=1` for this long, it kills and restarts us.
    public let timeout: Duration

    /// How often to ping: half the timeout, as sd_watchdog_enabled(3) recommends, so one
    /// late ping does not cost a restart.
    public var pingInterval: Duration { timeout / 2 }

    public init(timeout: Duration) {
        self.timeout = timeout
    }

    /// Why the environment does not enable the watchdog.
    public enum Disabled: Error, Hashable, Sendable, CustomStringConvertible {
        /// `$WATCHDOG_USEC` is absent.
        case notConfigured
        /// `$WATCHDOG_USEC` is not a positive integer.
        case invalidTimeout(String)
        /// `$WATCHDOG_PID` is not a process id.
        case invalidPID(String)
        /// `$WATCHDOG_PID` names another process (we inherited a parent's environment).
        case otherProcess(pid: Int32)

        public var description: String {
            switch self {
            case .notConfigured: return "WATCHDOG_USEC not set"
            case .invalidTimeout(let text): return "WATCHDOG_USEC is not a positive integer: \(text)"
            case .invalidPID(let text): return "WATCHDOG_PID is not a process id: \(text)"
            case .otherProcess(let pid): return "WATCHDOG_PID is another process: \(pid)"
            }
        }
    }

    /// Reads `$WATCHDOG_USEC` and `$WATCHDOG_PID` from `environment`.
    /// - Parameter pid: our process id; `$WATCHDOG_PID`, when set, must match it.
    public static func from(
        environment: [String: String],
        pid: Int32 = getpid()
    ) -> Result<WatchdogConfiguration, Disabled> {
        guard let usecText = environment["WATCHDOG_USEC"] else { return .failure(.notConfigured) }
        guard let usec = UInt64(usecText), usec > 0, usec <= UInt64(Int64.max) else {
            return .failure(.invalidTimeout(usecText))
        }
        if let pidText = environment["WATCHDOG_PID"] {
            guard let watchdogPID = Int32(pidText), watchdogPID > 0 else { return .failure(.invalidPID(pidText)) }
            guard watchdogPID == pid else { return .failure(.otherProcess(pid: watchdogPID)) }
        }
        return .success(WatchdogConfiguration(timeout: .microseconds(Int64(usec))))
    }
}
