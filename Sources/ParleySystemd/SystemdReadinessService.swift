import Logging
import ServiceLifecycle

/// Sends `READY=1` once the daemon is ready, and `STOPPING=1` when it begins to stop.
///
/// List it *last* in the `ServiceGroup`: services start in order and receive graceful
/// shutdown in reverse order, so this one hears of shutdown first and `STOPPING=1` goes
/// out before the other services start winding down.
public struct SystemdReadinessService: Service {
    private let notifier: SystemdNotifier
    private let readyStatus: String?
    private let waitUntilReady: @Sendable () async throws -> Void
    private let logger: Logger

    /// - Parameters:
    ///   - notifier: sends the notifications.
    ///   - readyStatus: `STATUS=` text sent with `READY=1`.
    ///   - waitUntilReady: returns once the store is open and devices are started; if it
    ///     throws, `READY=1` is never sent and the error ends ``run()``.
    ///   - logger: notifications actually sent, at info.
    public init(
        notifier: SystemdNotifier,
        readyStatus: String? = nil,
        waitUntilReady: @escaping @Sendable () async throws -> Void = {},
        logger: Logger
    ) {
        self.notifier = notifier
        self.readyStatus = readyStatus
        self.waitUntilReady = waitUntilReady
        self.logger = logger
    }

    public func run() async throws {
        defer {
            if notifier.stopping() { logger.info("told systemd we are stopping") }
        }
        do {
            try await cancelWhenGracefulShutdown { try await self.waitUntilReady() }
            if Task.isCancelled || Task.isShuttingDownGracefully { return }
            if notifier.ready(status: readyStatus) { logger.info("told systemd we are ready") }
            try await gracefulShutdown()
        } catch is CancellationError {
            return
        }
    }
}
