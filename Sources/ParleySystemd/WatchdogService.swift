#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import ServiceLifecycle

/// Pings systemd's service watchdog (`WATCHDOG=1`) every `WATCHDOG_USEC / 2` while the
/// daemon is healthy.
///
/// The health check runs before every ping; when it returns false — or never returns,
/// because the store is wedged — no ping goes out, and after `WatchdogSec=` systemd
/// kills parleyd (SIGABRT) and restarts it. When systemd configured no watchdog for this
/// process, ``run()`` only waits for graceful shutdown.
///
/// Generic over the clock so that tests drive time by hand.
public struct WatchdogService<C: Clock>: Service where C.Duration == Duration {
    /// The watchdog in effect; nil when disabled (see ``disabledReason``).
    public let configuration: WatchdogConfiguration?
    /// Why the watchdog is off, when it is.
    public let disabledReason: WatchdogConfiguration.Disabled?
    private let notifier: SystemdNotifier
    private let clock: C
    private let healthCheck: (@Sendable () async -> Bool)?
    private let logger: Logger

    /// - Parameters:
    ///   - notifier: sends the pings.
    ///   - environment: read for `WATCHDOG_USEC` and `WATCHDOG_PID`.
    ///   - clock: paces the pings.
    ///   - healthCheck: asked before every ping; ping only when it returns true.
    ///   - logger: watchdog state changes at info, each withheld ping at debug.
    public init(
        notifier: SystemdNotifier,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        clock: C,
        healthCheck: (@Sendable () async -> Bool)? = nil,
        logger: Logger
    ) {
        switch WatchdogConfiguration.from(environment: environment) {
        case .success(let configuration):
            self.configuration = configuration
            self.disabledReason = nil
        case .failure(let reason):
            self.configuration = nil
            self.disabledReason = reason
        }
        self.notifier = notifier
        self.clock = clock
        self.healthCheck = healthCheck
        self.logger = logger
    }

    /// How often pings go out; nil when the watchdog is disabled.
    public var pingInterval: Duration? { configuration?.pingInterval }

    public func run() async throws {
        guard let configuration else {
            logger.debug("systemd watchdog disabled", metadata: ["systemd.watchdog.reason": "\(disabledReason?.description ?? "")"])
            // Returning early would end the ServiceGroup; stay until shutdown.
            try? await gracefulShutdown()
            return
        }
        logger.info(
            "systemd watchdog enabled",
            metadata: [
                "systemd.watchdog.timeout": "\(configuration.timeout)",
                "systemd.watchdog.interval": "\(configuration.pingInterval)",
            ]
        )
        await cancelWhenGracefulShutdown {
            await self.pingUntilCancelled(every: configuration.pingInterval)
        }
    }

    private func pingUntilCancelled(every interval: Duration) async {
        var healthy = true
        var deadline = clock.now.advanced(by: interval)
        // First ping at once: the timer runs from our start, not from our first tick.
        await ping(healthy: &healthy)
        while !Task.isCancelled {
            do {
                try await clock.sleep(until: deadline, tolerance: nil)
            } catch {
                return  // cancelled: graceful shutdown or the group is ending
            }
            await ping(healthy: &healthy)
            deadline = deadline.advanced(by: interval)
            let now = clock.now
            if deadline <= now {
                // A slow health check put us behind: resume the rhythm from now rather
                // than sending a burst of catch-up pings.
                deadline = now.advanced(by: interval)
            }
        }
    }

    private func ping(healthy: inout Bool) async {
        let nowHealthy = await healthCheck?() ?? true
        if nowHealthy != healthy {
            healthy = nowHealthy
            logger.info(nowHealthy ? "health check passed: watchdog pings resumed" : "health check failed: watchdog pings withheld")
        }
        guard nowHealthy else {
            logger.debug("watchdog ping withheld")
            return
        }
        notifier.watchdog()
    }
}

extension WatchdogService where C == ContinuousClock {
    /// A watchdog paced by the real monotonic clock.
    public init(
        notifier: SystemdNotifier,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        healthCheck: (@Sendable () async -> Bool)? = nil,
        logger: Logger
    ) {
        self.init(notifier: notifier, environment: environment, clock: ContinuousClock(), healthCheck: healthCheck, logger: logger)
    }
}
