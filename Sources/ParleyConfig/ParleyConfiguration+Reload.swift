/// What a reload (SIGHUP) would change, split by whether it can be applied while running.
public struct ReloadPlan: Sendable, Equatable {
    /// Changed keys (dotted, as in the file) that the daemon applies at once.
    public var liveChanges: [String]
    /// Changed keys that take effect only after a restart; until then the old values stay.
    public var restartRequired: [String]

    public init(liveChanges: [String] = [], restartRequired: [String] = []) {
        self.liveChanges = liveChanges
        self.restartRequired = restartRequired
    }

    /// True when the new file changes nothing.
    public var isEmpty: Bool { liveChanges.isEmpty && restartRequired.isEmpty }
}

extension ParleyConfiguration {
    /// One key: whether a running daemon can take a new value, and how to compare and copy it.
    struct Setting: Sendable {
        let key: String
        let live: Bool
        let differs: @Sendable (ParleyConfiguration, ParleyConfiguration) -> Bool
        let copy: @Sendable (inout ParleyConfiguration, ParleyConfiguration) -> Void

        init<Value: Equatable & Sendable>(_ key: String, live: Bool, _ path: any WritableKeyPath<ParleyConfiguration, Value> & Sendable) {
            self.key = key
            self.live = live
            differs = { $0[keyPath: path] != $1[keyPath: path] }
            copy = { $0[keyPath: path] = $1[keyPath: path] }
        }
    }

    /// Every key of the file. A new key must be added here, or reloads will not notice it.
    static let settings: [Setting] = [
        Setting("daemon.state_dir", live: false, \.daemon.stateDirectory),
        Setting("daemon.runtime_dir", live: false, \.daemon.runtimeDirectory),
        Setting("daemon.log_level", live: true, \.daemon.logLevel),
        Setting("store.file", live: false, \.store.file),
        Setting("store.synchronous", live: false, \.store.synchronous),
        Setting("store.batch_max_events", live: false, \.store.batchMaxEvents),
        Setting("store.queue_capacity", live: false, \.store.queueCapacity),
        Setting("store.max_size_mb", live: true, \.store.maxSizeMiB),
        Setting("control.socket", live: false, \.control.socket),
        Setting("control.socket_mode", live: false, \.control.socketMode),
        Setting("control.max_line_bytes", live: false, \.control.maxLineBytes),
        Setting("control.idle_timeout_seconds", live: true, \.control.idleTimeout),
        Setting("control.daemon_user_role", live: true, \.control.daemonUserRole),
        Setting("control.roles", live: true, \.control.roles),
        Setting("channels", live: false, \.channels),
        Setting("telephony", live: false, \.telephony),
    ]

    /// Keys a running daemon applies on reload; every other key needs a restart.
    public static var liveReloadableKeys: [String] { settings.filter(\.live).map(\.key) }

    /// Which keys differ between `old` (running) and `self` (newly loaded), split into those
    /// applied live and those needing a restart. Compare configurations resolved the same way
    /// (both through ``resolvingPaths(stateDirOverride:currentDirectory:)`` with the same override).
    public func reloadPlan(from old: ParleyConfiguration) -> ReloadPlan {
        var plan = ReloadPlan()
        for setting in Self.settings where setting.differs(old, self) {
            if setting.live { plan.liveChanges.append(setting.key) } else { plan.restartRequired.append(setting.key) }
        }
        return plan
    }

    /// What the daemon runs with after a reload: `self` (running) with the live keys taken
    /// from `new`; restart-only keys keep their running values.
    public func applyingLiveChanges(from new: ParleyConfiguration) -> ParleyConfiguration {
        var result = self
        for setting in Self.settings where setting.live { setting.copy(&result, new) }
        return result
    }
}
