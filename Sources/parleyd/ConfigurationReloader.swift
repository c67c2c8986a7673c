import Foundation
import Logging
import ParleyConfig
import ParleyCore
import ParleyStore
import ParleySystemd
import ServiceLifecycle
import Synchronization
import UnixSignals

/// Re-reads the configuration (SIGHUP or the control `reload` command), applies what can be
/// applied live and logs what needs a restart. An invalid file leaves the running
/// configuration untouched.
final class ConfigurationReloader: Sendable {
    private let state: Mutex<ParleyConfiguration>
    private let configFile: String
    private let stateDirOverride: String?
    private let logLevelOverridden: Bool
    private let logLevel: SharedLogLevel
    private let notifier: SystemdNotifier
    private let writer: EventWriter
    private let logger: Logger
    private let applyHook = Mutex<(@Sendable (ParleyConfiguration) async -> Void)?>(nil)

    init(
        configuration: ParleyConfiguration, configFile: String, stateDirOverride: String?, logLevelOverridden: Bool,
        logLevel: SharedLogLevel, notifier: SystemdNotifier, writer: EventWriter, logger: Logger
    ) {
        self.state = Mutex(configuration)
        self.configFile = configFile
        self.stateDirOverride = stateDirOverride
        self.logLevelOverridden = logLevelOverridden
        self.logLevel = logLevel
        self.notifier = notifier
        self.writer = writer
        self.logger = logger
    }

    /// The configuration in force.
    var current: ParleyConfiguration { state.withLock { $0 } }

    /// Called with the new configuration after live changes are applied.
    var onApply: (@Sendable (ParleyConfiguration) async -> Void)? {
        get { applyHook.withLock { $0 } }
        set { applyHook.withLock { $0 = newValue } }
    }

    /// Reloads; returns a summary for the requester. Throws (with the file/line/key message)
    /// when the new file is invalid.
    func reload(trigger: String) async throws -> String {
        notifier.reloading()
        defer { notifier.ready(status: "configuration reloaded") }
        let new: ParleyConfiguration
        do {
            new = try ParleyConfiguration.load(file: configFile).resolvingPaths(stateDirOverride: stateDirOverride)
        } catch {
            logger.error(
                "Configuration reload refused; running configuration kept",
                metadata: ["config.file": "\(configFile)", "reload.trigger": "\(trigger)", "error": "\(error)"])
            _ = try? await writer.append(
                EventDraft(
                    priority: .admin, kind: "daemon.reload_failed", source: .system,
                    payload: ["trigger": .string(trigger), "error": .string("\(error)")]))
            throw error
        }
        let (plan, applied): (ReloadPlan, ParleyConfiguration) = state.withLock { current in
            let plan = new.reloadPlan(from: current)
            current = current.applyingLiveChanges(from: new)
            return (plan, current)
        }
        if !logLevelOverridden, let level = Logger.Level(rawValue: applied.daemon.logLevel.rawValue) {
            logLevel.value = level
        }
        await onApply?(applied)
        for key in plan.restartRequired {
            logger.warning(
                "Configuration change needs a restart to take effect", metadata: ["config.key": "\(key)", "config.file": "\(configFile)"])
        }
        logger.notice(
            "Configuration reloaded",
            metadata: [
                "reload.trigger": "\(trigger)", "reload.applied": "\(plan.liveChanges.joined(separator: ","))",
                "reload.needs_restart": "\(plan.restartRequired.joined(separator: ","))",
            ])
        _ = try? await writer.append(
            EventDraft(
                priority: .admin, kind: "daemon.reloaded", source: .system,
                payload: [
                    "trigger": .string(trigger), "applied": .array(plan.liveChanges.map(JSONValue.string)),
                    "needs_restart": .array(plan.restartRequired.map(JSONValue.string)),
                ]))
        if plan.isEmpty { return "configuration unchanged" }
        var summary: [String] = []
        if !plan.liveChanges.isEmpty { summary.append("applied: \(plan.liveChanges.joined(separator: ", "))") }
        if !plan.restartRequired.isEmpty {
            summary.append("needs a restart: \(plan.restartRequired.joined(separator: ", "))")
        }
        return summary.joined(separator: "; ")
    }
}

/// Reloads the configuration on each SIGHUP.
struct ReloadSignalService: Service {
    let reloader: ConfigurationReloader
    /// Created (trapping SIGHUP) before the services start, so that no SIGHUP after READY=1
    /// falls on the default action.
    let signals: UnixSignalsSequence
    let logger: Logger

    func run() async throws {
        for await _ in signals.cancelOnGracefulShutdown() {
            _ = try? await reloader.reload(trigger: "SIGHUP")
        }
    }
}
