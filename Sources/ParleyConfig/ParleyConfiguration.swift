import ParleyCore

/// Everything `parleyd` reads from its configuration file (YAML; see docs/configuration.md).
///
/// Every field has a default, so an empty file is a valid configuration. Load a file with
/// ``load(file:accounts:)``, then call ``resolvingPaths(stateDirOverride:currentDirectory:)``
/// once to get absolute ``storePath`` and ``socketPath``.
public struct ParleyConfiguration: Sendable, Equatable {
    /// `daemon:` — where the daemon keeps its files, and how much it logs.
    public var daemon: Daemon
    /// `store:` — the incident store (SQLite) and its writer.
    public var store: Store
    /// `control:` — the control socket and who may use it.
    public var control: Control
    /// `channels:` — the radio channels (ChannelConfiguration.swift). Default none.
    public var channels: [Channel]
    /// `telephony:` — telephone lines and call handling (TelephonyConfiguration.swift). Default none.
    public var telephony: Telephony

    public init(
        daemon: Daemon = Daemon(), store: Store = Store(), control: Control = Control(), channels: [Channel] = [],
        telephony: Telephony = Telephony()
    ) {
        self.daemon = daemon
        self.store = store
        self.control = control
        self.channels = channels
        self.telephony = telephony
    }

    /// The `daemon:` section.
    public struct Daemon: Sendable, Equatable {
        /// `state_dir`: the store and recordings live here. A relative path is relative to the
        /// working directory of the process. `parleyd --state-dir DIR` overrides it (and also
        /// moves the runtime directory there). Default `/var/lib/parley`.
        public var stateDirectory: String
        /// `runtime_dir`: the control socket lives here. A relative path is relative to the
        /// working directory of the process. Default `/run/parley`.
        public var runtimeDirectory: String
        /// `log_level`: the least severe level logged. Default `info`. Reloadable.
        public var logLevel: LogLevel

        public init(stateDirectory: String = "/var/lib/parley", runtimeDirectory: String = "/run/parley",
                    logLevel: LogLevel = .info) {
            self.stateDirectory = stateDirectory
            self.runtimeDirectory = runtimeDirectory
            self.logLevel = logLevel
        }
    }

    /// The `store:` section.
    public struct Store: Sendable, Equatable {
        /// `file`: the SQLite database, relative to the state directory or absolute.
        /// Default `incidents.sqlite`.
        public var file: String
        /// `synchronous`: SQLite `PRAGMA synchronous` in WAL mode. Default `full` (a committed
        /// event survives power loss); `normal` may lose the last commits on power loss.
        public var synchronous: SynchronousMode
        /// `batch_max_events`: group commit — the most events in one transaction (1...100000).
        /// Default 1000.
        public var batchMaxEvents: Int
        /// `queue_capacity`: bound on the writer backlog; producers wait when it is full
        /// (1...10000000). Default 20000.
        public var queueCapacity: Int
        /// `max_size_mb`: cap on the store file's size in MiB; 0 means no cap (0...16777216).
        /// A store at its cap refuses writes as a full disk does, so a runaway producer cannot
        /// fill the disk the rest of the system needs. Default 0. Reloadable (raise it to resume).
        public var maxSizeMiB: Int

        public init(file: String = "incidents.sqlite", synchronous: SynchronousMode = .full,
                    batchMaxEvents: Int = 1000, queueCapacity: Int = 20_000, maxSizeMiB: Int = 0) {
            self.file = file
            self.synchronous = synchronous
            self.batchMaxEvents = batchMaxEvents
            self.queueCapacity = queueCapacity
            self.maxSizeMiB = maxSizeMiB
        }

        /// Allowed values of `batch_max_events`.
        public static let batchMaxEventsRange = 1...100_000
        /// Allowed values of `queue_capacity`.
        public static let queueCapacityRange = 1...10_000_000
        /// Allowed values of `max_size_mb`.
        public static let maxSizeMiBRange = 0...16_777_216
    }

    /// The `control:` section.
    public struct Control: Sendable, Equatable {
        /// `socket`: the Unix control socket, relative to the runtime directory or absolute.
        /// Default `control.sock`.
        public var socket: String
        /// `socket_mode`: permission bits of the socket file, written in octal (`"0660"`).
        /// Default 0o660.
        public var socketMode: UInt32
        /// `max_line_bytes`: a request line longer than this is refused (1024...16 MiB).
        /// Default 65536.
        public var maxLineBytes: Int
        /// `idle_timeout_seconds`: a client that sends nothing for this long is closed
        /// (1...86400 s). Default 300 s. Reloadable.
        public var idleTimeout: Duration
        /// `daemon_user_role`: the role of a peer with the daemon's own uid; `nil` (`none`)
        /// gives it no role of its own. Default `admin`. Reloadable.
        public var daemonUserRole: Role?
        /// `roles`: SO_PEERCRED rules; see ``role(forUID:gids:daemonUID:)``. Default none.
        /// Reloadable.
        public var roles: [RoleRule]

        public init(socket: String = "control.sock", socketMode: UInt32 = 0o660, maxLineBytes: Int = 65_536,
                    idleTimeout: Duration = .seconds(300), daemonUserRole: Role? = .admin, roles: [RoleRule] = []) {
            self.socket = socket
            self.socketMode = socketMode
            self.maxLineBytes = maxLineBytes
            self.idleTimeout = idleTimeout
            self.daemonUserRole = daemonUserRole
            self.roles = roles
        }

        /// Allowed values of `max_line_bytes`.
        public static let maxLineBytesRange = 1024...16 * 1024 * 1024
        /// Allowed values of `idle_timeout_seconds`.
        public static let idleTimeoutSecondsRange = 1...86_400

        /// The role of a control-socket peer, or `nil` to refuse it.
        ///
        /// - A uid match beats a gid match: rules with `uid:`/`user:` matching `uid`, plus
        ///   `daemon_user_role` when `uid == daemonUID`, are looked at first; the highest role
        ///   among them wins.
        /// - Only when none of those match are rules with `gid:`/`group:` looked at, matching
        ///   any of `gids` (the peer's primary gid from SO_PEERCRED); the highest role wins.
        /// - A peer matching nothing is refused.
        ///
        /// So a rule for one user can lower that user below what their group would give.
        public func role(forUID uid: UInt32, gids: [UInt32], daemonUID: UInt32) -> Role? {
            var byUser = roles.filter { $0.selector.matches(uid: uid) }.map(\.role)
            if uid == daemonUID, let daemonUserRole { byUser.append(daemonUserRole) }
            if let best = byUser.max() { return best }
            return roles.filter { $0.selector.matches(gids: gids) }.map(\.role).max()
        }
    }

    /// One `control.roles` entry: who (one selector) gets which role.
    public struct RoleRule: Sendable, Equatable {
        /// Whom the rule is for. Names are resolved to ids when the file is loaded.
        public enum Selector: Sendable, Equatable {
            case uid(UInt32)
            case gid(UInt32)
            case user(name: String, uid: UInt32)
            case group(name: String, gid: UInt32)

            func matches(uid peer: UInt32) -> Bool {
                switch self {
                case let .uid(uid), let .user(_, uid): uid == peer
                case .gid, .group: false
                }
            }

            func matches(gids: [UInt32]) -> Bool {
                switch self {
                case let .gid(gid), let .group(_, gid): gids.contains(gid)
                case .uid, .user: false
                }
            }
        }

        public var selector: Selector
        public var role: Role

        public init(_ selector: Selector, role: Role) {
            self.selector = selector
            self.role = role
        }
    }

    /// `daemon.log_level`. Raw values are those of swift-log's `Logger.Level`, so
    /// `Logger.Level(rawValue: level.rawValue)` converts.
    public enum LogLevel: String, Sendable, Equatable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    /// `store.synchronous`.
    public enum SynchronousMode: String, Sendable, Equatable, CaseIterable {
        /// `PRAGMA synchronous = FULL`: durable across power loss.
        case full
        /// `PRAGMA synchronous = NORMAL`: durable across a crash of parleyd, not of the machine.
        case normal
    }
}

extension ParleyConfiguration {
    /// Convenience for ``Control/role(forUID:gids:daemonUID:)``.
    public func role(forUID uid: UInt32, gids: [UInt32], daemonUID: UInt32) -> Role? {
        control.role(forUID: uid, gids: gids, daemonUID: daemonUID)
    }
}
