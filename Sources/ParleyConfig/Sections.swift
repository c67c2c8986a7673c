import ParleyCore

// How each section reads its keys. Keep the keys, defaults and ranges in step with
// ParleyConfiguration.swift, config/parley.example.yaml and docs/configuration.md.

extension ParleyConfiguration.Daemon: ConfigSection {
    static let sectionKey = "daemon"
    static var defaults: Self { Self() }

    init(reading mapping: ConfigMapping) throws {
        let defaults = Self()
        self.init(
            stateDirectory: try mapping.optional("state_dir", default: defaults.stateDirectory) {
                try $0.path(example: "/var/lib/parley")
            },
            runtimeDirectory: try mapping.optional("runtime_dir", default: defaults.runtimeDirectory) {
                try $0.path(example: "/run/parley")
            },
            logLevel: try mapping.optional("log_level", default: defaults.logLevel) {
                try $0.choice(ParleyConfiguration.LogLevel.self, what: "log level")
            }
        )
    }
}

extension ParleyConfiguration.Store: ConfigSection {
    static let sectionKey = "store"
    static var defaults: Self { Self() }

    init(reading mapping: ConfigMapping) throws {
        let defaults = Self()
        self.init(
            file: try mapping.optional("file", default: defaults.file) { try $0.path(example: "incidents.sqlite") },
            synchronous: try mapping.optional("synchronous", default: defaults.synchronous) {
                try $0.choice(ParleyConfiguration.SynchronousMode.self, what: "synchronous mode")
            },
            batchMaxEvents: try mapping.optional("batch_max_events", default: defaults.batchMaxEvents) {
                try $0.int(in: Self.batchMaxEventsRange)
            },
            queueCapacity: try mapping.optional("queue_capacity", default: defaults.queueCapacity) {
                try $0.int(in: Self.queueCapacityRange)
            },
            maxSizeMiB: try mapping.optional("max_size_mb", default: defaults.maxSizeMiB) {
                try $0.int(in: Self.maxSizeMiBRange)
            }
        )
    }
}

extension ParleyConfiguration.Control: ConfigSection {
    static let sectionKey = "control"
    static var defaults: Self { Self() }

    init(reading mapping: ConfigMapping) throws {
        let defaults = Self()
        self.init(
            socket: try mapping.optional("socket", default: defaults.socket) { try $0.socketPath() },
            socketMode: try mapping.optional("socket_mode", default: defaults.socketMode) { try $0.octalMode() },
            maxLineBytes: try mapping.optional("max_line_bytes", default: defaults.maxLineBytes) {
                try $0.int(in: Self.maxLineBytesRange)
            },
            idleTimeout: try mapping.optional("idle_timeout_seconds", default: defaults.idleTimeout) {
                try $0.seconds(in: Self.idleTimeoutSecondsRange)
            },
            daemonUserRole: try mapping.optional("daemon_user_role", default: defaults.daemonUserRole) {
                try $0.daemonUserRole()
            },
            roles: try mapping.optional("roles", default: defaults.roles) { value in
                try value.list(example: "- { user: alice, role: dispatcher }").map { try $0.roleRule() }
            }
        )
    }
}

/// Longest Unix socket path: `sun_path` is 108 bytes with the terminating NUL.
let maxSocketPathBytes = 107

extension ConfigValue {
    /// A file or directory path: non-empty text without control characters.
    func path(example: String) throws -> String {
        try string(example: example)
    }

    /// `control.socket`: a path, and when absolute, short enough for `sun_path`.
    func socketPath() throws -> String {
        let text = try path(example: "control.sock")
        if text.hasPrefix("/"), text.utf8.count > maxSocketPathBytes {
            throw error(.invalidValue, "socket path is \(text.utf8.count) bytes; Unix sockets allow at most \(maxSocketPathBytes)",
                        hint: "choose a shorter path, e.g. /run/parley/control.sock")
        }
        return text
    }

    /// Permission bits written in octal: `"0660"`, `660` or `0o660`; at most 0777.
    func octalMode() throws -> UInt32 {
        let hint = "write the permission bits in octal, quoted, e.g. \"0660\" (owner and group read/write)"
        let text = try scalarText(expected: "an octal mode", example: "\"0660\"")
        var digits = Substring(text)
        if digits.hasPrefix("0o") || digits.hasPrefix("0O") { digits = digits.dropFirst(2) }
        guard (1...4).contains(digits.count), digits.allSatisfy({ ("0"..."7").contains($0) }),
              let mode = UInt32(digits, radix: 8) else {
            throw error(.invalidValue, "'\(ConfigValue.shorten(text))' is not an octal mode", hint: hint)
        }
        guard mode <= 0o777 else {
            throw error(.outOfRange, "mode \(text) has setuid/setgid/sticky bits", hint: "use permission bits only, at most \"0777\"; usually \"0660\"")
        }
        return mode
    }

    /// `daemon_user_role`: a role name or `none`.
    func daemonUserRole() throws -> Role? {
        let names = Role.allCases.map(\.rawValue) + ["none"]
        let text = try scalarText(expected: "a role", example: "admin")
        if text == "none" { return nil }
        guard let role = Role(rawValue: text) else {
            throw error(.invalidValue, "unknown role '\(ConfigValue.shorten(text))'", hint: "use one of \(names.joined(separator: ", "))")
        }
        return role
    }

    /// One `control.roles` entry: exactly one of uid/gid/user/group, and a role.
    func roleRule() throws -> ParleyConfiguration.RoleRule {
        let example = "{ user: alice, role: dispatcher }"
        guard case .mapping = node else {
            throw error(.wrongType, "expected an entry like \(example), found \(found)",
                        hint: "give one of uid, gid, user or group, and a role")
        }
        let entry = try mapping()
        let selectorKeys = ["uid", "gid", "user", "group"]
        let selectors = entry.present(selectorKeys)
        let roleValue = entry.value("role")
        guard let selectorValue = selectors.first else {
            try entry.finish()  // a misspelt selector is better reported as an unknown key
            throw error(.missingKey, "entry names no one: it has no uid, gid, user or group",
                        hint: "add one of them, e.g. \(example)")
        }
        if selectors.count > 1 {
            let names = selectors.map { "'\($0.key.split(separator: ".").last ?? "")'" }
            throw selectors[1].errorAtKey(
                .invalidValue, "an entry may have only one of uid, gid, user, group; this one has \(names.joined(separator: " and "))",
                hint: "split it into one entry per selector, each with its own role")
        }
        let selector = try selectorValue.selector()
        guard let roleValue else {
            try entry.finish()
            throw error(.missingKey, "entry has no role", hint: "add one, e.g. role: dispatcher (engineer, dispatcher or admin)")
        }
        let role = try roleValue.choice(Role.self, what: "role")
        try entry.finish()
        return .init(selector, role: role)
    }

    /// The value of a `uid`/`gid`/`user`/`group` key, names resolved now.
    private func selector() throws -> ParleyConfiguration.RoleRule.Selector {
        let idRange = 0...Int(UInt32.max - 1)   // (uid_t)-1 means "no id"
        let accounts = context.accounts
        switch key.split(separator: ".").last ?? "" {
        case "uid": return .uid(UInt32(try int(in: idRange)))
        case "gid": return .gid(UInt32(try int(in: idRange)))
        case "user":
            let name = try string(example: "alice")
            guard let uid = accounts.userID(name) else {
                throw error(.unknownAccount, "no user named '\(ConfigValue.shorten(name))' on this machine",
                            hint: ConfigValue.isNumeric(name) ? "to match a numeric id write uid: \(name)"
                                : "create the user, fix the spelling, or use uid: with a number")
            }
            return .user(name: name, uid: uid)
        default:
            let name = try string(example: "parley-dispatch")
            guard let gid = accounts.groupID(name) else {
                throw error(.unknownAccount, "no group named '\(ConfigValue.shorten(name))' on this machine",
                            hint: ConfigValue.isNumeric(name) ? "to match a numeric id write gid: \(name)"
                                : "create the group, fix the spelling, or use gid: with a number")
            }
            return .group(name: name, gid: gid)
        }
    }

    static func isNumeric(_ text: String) -> Bool {
        !text.isEmpty && text.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
