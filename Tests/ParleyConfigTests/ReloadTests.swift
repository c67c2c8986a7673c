import ParleyConfig
import ParleyCore
import Testing
import Yams

@Suite struct Reload {
    @Test func sameConfigurationChangesNothing() {
        #expect(ParleyConfiguration().reloadPlan(from: ParleyConfiguration()).isEmpty)
    }

    @Test(arguments: [
        ("daemon:\n  log_level: debug\n", ["daemon.log_level"], [String]()),
        ("control:\n  idle_timeout_seconds: 30\n", ["control.idle_timeout_seconds"], []),
        ("control:\n  roles: [{ uid: 5, role: admin }]\n", ["control.roles"], []),
        ("control:\n  daemon_user_role: engineer\n", ["control.daemon_user_role"], []),
        ("daemon:\n  state_dir: /srv\n", [], ["daemon.state_dir"]),
        ("daemon:\n  runtime_dir: /run/x\n", [], ["daemon.runtime_dir"]),
        ("store:\n  file: x.sqlite\n", [], ["store.file"]),
        ("store:\n  synchronous: normal\n", [], ["store.synchronous"]),
        ("store:\n  max_size_mb: 512\n", ["store.max_size_mb"], []),
        ("store:\n  batch_max_events: 5\n  queue_capacity: 5\n", [], ["store.batch_max_events", "store.queue_capacity"]),
        ("control:\n  socket: x.sock\n  socket_mode: '0600'\n  max_line_bytes: 2048\n", [],
         ["control.socket", "control.socket_mode", "control.max_line_bytes"]),
        ("daemon:\n  log_level: error\nstore:\n  synchronous: normal\n", ["daemon.log_level"], ["store.synchronous"]),
    ])
    func changesAreClassified(yaml: String, live: [String], restart: [String]) throws {
        let plan = try parse(yaml).reloadPlan(from: ParleyConfiguration())
        #expect(plan.liveChanges == live)
        #expect(plan.restartRequired == restart)
    }

    @Test func applyingLiveChangesKeepsRestartOnlyValues() throws {
        let running = ParleyConfiguration()
        let new = try parse("daemon:\n  log_level: debug\n  state_dir: /srv\ncontrol:\n  roles: [{ uid: 5, role: admin }]\n")
        let applied = running.applyingLiveChanges(from: new)
        #expect(applied.daemon.logLevel == .debug)
        #expect(applied.control.roles == [.init(.uid(5), role: .admin)])
        #expect(applied.daemon.stateDirectory == "/var/lib/parley")
        #expect(new.reloadPlan(from: applied) == ReloadPlan(restartRequired: ["daemon.state_dir"]))
    }

    @Test func liveKeysAreTheDocumentedOnes() {
        #expect(ParleyConfiguration.liveReloadableKeys
            == ["daemon.log_level", "store.max_size_mb", "control.idle_timeout_seconds", "control.daemon_user_role",
                "control.roles"])
    }

    /// The live keys are keys of the example file, and the docs mention every key.
    @Test func exampleFileDocsAndReloadTableAgree() throws {
        let example = try String(contentsOfFile: repositoryRoot + "/config/parley.example.yaml", encoding: .utf8)
        let docs = try String(contentsOfFile: repositoryRoot + "/docs/configuration.md", encoding: .utf8)
        let root = try #require(try Yams.compose(yaml: example)?.mapping)
        var keys: [String] = []
        for (section, body) in root {
            for (key, _) in try #require(body.mapping) {
                keys.append("\(section.string ?? "").\(key.string ?? "")")
            }
        }
        let tableKeys = ParleyConfiguration.liveReloadableKeys
        #expect(Set(tableKeys).isSubset(of: Set(keys)))
        // docs/configuration.md has a row for every key of the example file.
        for key in keys {
            let leaf = String(key.split(separator: ".")[1])
            #expect(docs.contains("`\(leaf)`"), "docs/configuration.md documents \(key)")
        }
        #expect(keys.count == 14)
    }
}
