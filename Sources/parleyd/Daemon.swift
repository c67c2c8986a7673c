import Foundation
import Logging
import ParleyConfig
import ParleyControlServer
import ParleyDevices
import ParleyCore
import ParleyRadio
import ParleyStore
import ParleyTelephony
import ParleySystemd
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Why the daemon could not start. 78 (EX_CONFIG) tells systemd not to restart.
struct DaemonStartError: Error, CustomStringConvertible {
    var description: String
    var exitCode: Int32
}

/// Opens the store and runs every long-running part as a `Service` in one `ServiceGroup`, in
/// dependency order: the writer first (it stops last, flushing), then the control socket,
/// reload handling, the watchdog, and readiness (which stops first, sending STOPPING=1).
struct Daemon {
    let configuration: ParleyConfiguration
    let configFile: String
    let stateDirOverride: String?
    let logLevelOverridden: Bool
    let logLevel: SharedLogLevel
    let version: String
    let logger: Logger

    func run() async throws {
        let started = ContinuousClock.now
        // SIGHUP's default action ends the process, and libdispatch registers the reload
        // handler asynchronously: a SIGHUP just after READY=1 (`systemctl reload`) could kill the
        // daemon. Ignore it until the handler is in place, and trap it before anything starts.
        signal(SIGHUP, SIG_IGN)
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        let notifier = SystemdNotifier(logger: logger)
        let store: IncidentStore
        do {
            store = try IncidentStore.open(
                path: configuration.storePath,
                options: StoreOptions(
                    synchronous: configuration.store.synchronous == .full ? .full : .normal,
                    maxSizeMiB: configuration.store.maxSizeMiB == 0 ? nil : configuration.store.maxSizeMiB))
        } catch {
            throw DaemonStartError(description: "\(error)", exitCode: 1)
        }
        let writer = try EventWriter(
            store: store, batchMaxEvents: configuration.store.batchMaxEvents,
            queueCapacity: configuration.store.queueCapacity, logger: logger)
        logger.info(
            "Incident store open",
            metadata: ["store.path": "\(store.path)", "store.head": "\(writer.statistics.head.sequence)"])

        // The store makes its own directory; the socket's can differ (`runtime_dir`, or
        // `--state-dir` with an absolute `store.file`). A failure shows when binding.
        let socketDirectory = URL(fileURLWithPath: configuration.socketPath).deletingLastPathComponent().path
        try? FileManager.default.createDirectory(atPath: socketDirectory, withIntermediateDirectories: true)

        let channels = RadioChannelSet(
            services: configuration.channels.map { channel in
                ChannelService(
                    channel: channel, recordingsDirectory: configuration.recordingsDirectory, writer: writer, logger: logger)
            },
            store: store, writer: writer, logger: logger)
        let telephony = await TelephonyService(
            configuration: configuration.telephony, recordingsDirectory: configuration.recordingsDirectory, store: store,
            writer: writer,
            devices: SoundCardLineDevices(
                ringReader: { ChannelCOR.reader($0) },
                openHook: { ptt, logger throws(DeviceError) in try ChannelPTT.open(ptt, logger: logger) }),
            logger: logger)

        let reloader = ConfigurationReloader(
            configuration: configuration, configFile: configFile, stateDirOverride: stateDirOverride,
            logLevelOverridden: logLevelOverridden, logLevel: logLevel, notifier: notifier, writer: writer, logger: logger)
        let daemonUID = getuid()
        let configFile = self.configFile
        let version = self.version
        let controlServer = ControlServer(
            settings: ControlServerSettings(
                socketPath: configuration.socketPath, socketMode: configuration.control.socketMode,
                maxLineBytes: configuration.control.maxLineBytes, idleTimeout: configuration.control.idleTimeout,
                daemonVersion: version),
            store: store, writer: writer,
            roles: { peer in reloader.current.role(forUID: peer.uid, gids: [peer.gid], daemonUID: daemonUID) },
            reload: { try await reloader.reload(trigger: "control") },
            status: {
                let uptime = ContinuousClock.now - started
                return [
                    "version": .string(version), "pid": .int(Int64(getpid())),
                    "uptime_seconds": .int(uptime.components.seconds), "config_file": .string(configFile),
                    "state_dir": .string(reloader.current.daemon.stateDirectory),
                ]
            },
            radio: channels,
            telephony: configuration.telephony.lines.isEmpty ? nil : telephony.switchboard,
            logger: logger)
        reloader.onApply = { configuration in
            controlServer.idleTimeout = configuration.control.idleTimeout
            let cap = configuration.store.maxSizeMiB
            do {
                try await store.setMaxSizeMiB(cap == 0 ? nil : cap)
            } catch {
                logger.warning("Could not apply store.max_size_mb", metadata: ["error": "\(error)"])
            }
        }

        let health = WriterHealth(writer: writer)
        let watchdog = WatchdogService(notifier: notifier, healthCheck: { health.check() }, logger: logger)
        let readiness = SystemdReadinessService(
            notifier: notifier,
            readyStatus: "store open at event \(writer.statistics.head.sequence); \(configuration.channels.count) channel(s); \(configuration.telephony.lines.count) line(s); control socket listening",
            waitUntilReady: {
                try await controlServer.waitUntilListening()
                try await writer.append(
                    EventDraft(
                        priority: .admin, kind: "daemon.started", source: .system,
                        payload: ["version": .string(version), "pid": .int(Int64(getpid()))]))
                logger.info("parleyd ready", metadata: ["control.socket": "\(controlServer.settings.socketPath)"])
            }, logger: logger)

        // A service that ends or fails (e.g. the control socket is in use) shuts the group down
        // gracefully. Cancellation, the default, left parleyd hanging: the writer waits for
        // work and stops only on graceful shutdown, so the error was never logged, nor exited.
        // Channels stop after the control socket (no key request arrives at a stopped channel)
        // and before the writer (their last transmission rows and unkey events are stored);
        // so do the telephone lines (their calls' last events are stored).
        let services: [any Service] = [
            writer, channels, telephony, controlServer, ReloadSignalService(reloader: reloader, signals: hangups, logger: logger), watchdog,
            readiness,
        ]
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map {
                    .init(
                        service: $0, successTerminationBehavior: .gracefullyShutdownGroup,
                        failureTerminationBehavior: .gracefullyShutdownGroup)
                },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
        do {
            try await group.run()
        } catch {
            logger.error("parleyd stopping after a service failed", metadata: ["error": "\(error)"])
            try? store.close()
            throw error
        }
        try store.close()
        logger.info("parleyd stopped", metadata: ["store.head": "\(writer.statistics.head.sequence)"])
    }
}

/// The watchdog's health check: the writer is wedged if it has a backlog and has finished no
/// batch (committed or failed) since the previous check.
final class WriterHealth: Sendable {
    private let writer: EventWriter
    private let last = Mutex<(batches: Int64, backlog: Int)>((0, 0))

    init(writer: EventWriter) { self.writer = writer }

    func check() -> Bool {
        let stats = writer.statistics
        let batches = stats.committedBatches + stats.failedBatches
        return last.withLock { last in
            defer { last = (batches, stats.backlog) }
            return !(last.backlog > 0 && stats.backlog > 0 && batches == last.batches)
        }
    }
}
