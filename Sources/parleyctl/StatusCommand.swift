import ArgumentParser
import ParleyControl
import ParleyCore

struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show the daemon's, the store writer's and the store's state.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let reply = try global.connect().call(StatusArguments())
        if global.json { return Output.json(reply.body) }
        let status = try reply.decode(StatusResult.self)
        print("parleyd")
        if case .object(let daemon) = status.daemon {
            Output.fields(daemon.keys.sorted().map { key in
                (key.replacingOccurrences(of: "_", with: " "), daemon[key]!.stringValue ?? daemon[key]!.canonicalString)
            })
        }
        print("store")
        Output.fields([
            ("path", status.store.path),
            ("events", "\(status.store.events) (head \(status.writer.headSequence) \(status.writer.headHash.prefix(12))…)"),
            ("incidents", "\(status.store.incidents) (\(status.store.openIncidents) open)"),
            ("audit rows", "\(status.store.auditRows)"),
        ] + (status.store.synchronous.map { [("commits", Self.durability($0))] } ?? []))
        print("writer")
        Output.fields([
            ("backlog", "\(status.writer.backlog) queued, \(status.writer.waitingProducers) producers waiting"),
            ("committed", "\(status.writer.committedEvents) events in \(status.writer.committedBatches) batches since start"),
            ("failed batches", "\(status.writer.failedBatches)"),
            ("writes", status.writer.refusing.map { "REFUSED: \($0)" } ?? "accepted"),
        ])
        print("control")
        Output.fields([("socket", status.control.socket), ("connections", "\(status.control.connections)")])
        if let lines = status.lines {
            print("telephone lines")
            Output.fields([
                ("lines", "\(lines.configured) (\(lines.down) down)"),
                ("bad input", "\(lines.badInput) skipped since start (per line: parleyctl lines)"),
            ])
        }
    }

    /// What the store's `synchronous` mode means for an acknowledged event.
    static func durability(_ synchronous: String) -> String {
        switch synchronous {
        case "full": "durable (synchronous full: the WAL is synced after every commit, before its events are acknowledged)"
        case "normal": "synchronous normal: the last commits can be lost on power loss"
        default: "synchronous \(synchronous)"
        }
    }
}

struct ReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload", abstract: "Reload parleyd's configuration file (admin).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let reply = try global.connect().call(ReloadArguments())
        if global.json { return Output.json(reply.body) }
        print(try reply.decode(ReloadResult.self).message)
    }
}

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit", abstract: "Show the newest control-command audit rows.")

    @OptionGroup var global: GlobalOptions

    @Option(help: "How many rows (1…10000).")
    var limit: Int64 = 50

    func run() throws {
        let reply = try global.connect().call(AuditArguments(limit: limit))
        if global.json { return Output.json(reply.body) }
        let entries = try reply.decode(AuditResult.self).entries
        Output.table(
            ["TIME", "UID", "ROLE", "COMMAND", "OUTCOME", "DETAIL"],
            entries.map {
                [
                    $0.time, $0.uid.map(String.init) ?? "-", $0.role?.rawValue ?? "-", $0.command, $0.outcome,
                    String($0.detail.replacingNewlines().prefix(100)),
                ]
            })
    }
}
