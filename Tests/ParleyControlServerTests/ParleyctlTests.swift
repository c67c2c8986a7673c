import Foundation
import ParleyControl
import ParleyCore
import ParleyStore
import Testing

/// Runs the built `parleyctl` (next to the test bundle) against the in-test daemon.
@Suite("parleyctl")
struct ParleyctlTests {
    struct Run: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: URL {
        let runner = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var directory = runner.deletingLastPathComponent()
        // The test runner may sit inside an .xctest bundle; the products are beside the bundle.
        while !FileManager.default.fileExists(atPath: directory.appendingPathComponent("parleyctl").path),
            directory.path != "/"
        {
            directory = directory.deletingLastPathComponent()
        }
        return directory.appendingPathComponent("parleyctl")
    }

    static func parleyctl(_ arguments: [String], environment: [String: String] = [:]) async throws -> Run {
        let binary = Self.binary
        return try await blocking {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            var env = ProcessInfo.processInfo.environment
            env.removeValue(forKey: "PARLEY_SOCKET")
            env.merge(environment) { _, new in new }
            process.environment = env
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Run(
                status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderr, as: UTF8.self))
        }
    }

    @Test func statusPrintsATableOrJSON() async throws {
        try await withDaemon { daemon in
            let human = try await Self.parleyctl(["status", "--socket", daemon.socketPath])
            #expect(human.status == 0, "\(human.stderr)")
            #expect(human.stdout.contains(daemon.storePath))
            #expect(human.stdout.contains("0.0.0-test"))
            let json = try await Self.parleyctl(["--json", "status"], environment: ["PARLEY_SOCKET": daemon.socketPath])
            #expect(json.status == 0, "\(json.stderr)")
            let value = try ControlJSON.parse(json.stdout.trimmingCharacters(in: .newlines))
            #expect(value.at("store", "path") == .string(daemon.storePath))
        }
    }

    @Test func incidentsAreOpenedListedShownAndChanged() async throws {
        try await withDaemon { daemon in
            let socket = ["--socket", daemon.socketPath]
            let open = try await Self.parleyctl(
                ["incidents", "open", "--channel", "999", "--category", "Public Safety / Concern for safety", "--grade", "1",
                 "--summary", "caller reports a man with a knife", "--json"] + socket)
            #expect(open.status == 0, "\(open.stderr)")
            let reference = try #require(try ControlJSON.parse(open.stdout.trimmingCharacters(in: .newlines)).at("incident", "reference")?.stringValue)

            let grade = try await Self.parleyctl(["incidents", "grade", reference, "--grade", "2", "--reason", "suspect left"] + socket)
            #expect(grade.status == 0, "\(grade.stderr)")
            #expect(grade.stdout.contains("graded \(reference)"))
            let assess = try await Self.parleyctl(
                ["incidents", "assess", reference, "--threat", "knife seen", "--harm", "none yet", "--risk", "high",
                 "--investigation", "CCTV", "--vulnerability", "elderly caller", "--engagement", "keep on line"] + socket)
            #expect(assess.status == 0, "\(assess.stderr)")

            let list = try await Self.parleyctl(["incidents", "list"] + socket)
            #expect(list.status == 0)
            #expect(list.stdout.contains("REFERENCE"))
            #expect(list.stdout.contains(reference))
            #expect(list.stdout.contains("G2"))

            let show = try await Self.parleyctl(["incidents", "show", reference] + socket)
            #expect(show.status == 0, "\(show.stderr)")
            #expect(show.stdout.contains("suspect left"))
            #expect(show.stdout.contains("elderly caller"))
            #expect(show.stdout.contains("incident.assessed"))

            let close = try await Self.parleyctl(["incidents", "close", reference, "--category", "Crime / Violence"] + socket)
            #expect(close.status == 0)
            let refused = try await Self.parleyctl(["incidents", "grade", reference, "--grade", "1", "--reason", "x"] + socket)
            #expect(refused.status == 3)
            #expect(refused.stderr.contains("rejected"))
            #expect(refused.stderr.contains("closed"))
        }
    }

    @Test func eventsAreQueriedByKindAndIncident() async throws {
        try await withDaemon { daemon in
            let socket = ["--socket", daemon.socketPath]
            try await daemon.writer.append(EventDraft(priority: .emergency, kind: "radio.emergency", source: "channel:north", payload: ["ani": "2041"]))
            _ = try await Self.parleyctl(["incidents", "open", "--channel", "radio", "--category", "Officer safety", "--grade", "G1"] + socket)
            let events = try await Self.parleyctl(["events", "--kind", "radio"] + socket)
            #expect(events.status == 0, "\(events.stderr)")
            #expect(events.stdout.contains("radio.emergency"))
            #expect(events.stdout.contains("ani=2041"))
            #expect(!events.stdout.contains("incident.opened"))
            let json = try await Self.parleyctl(["events", "--incident", "1", "--json"] + socket)
            let value = try ControlJSON.parse(json.stdout.trimmingCharacters(in: .newlines))
            guard case .array(let list)? = value["events"] else {
                Issue.record("no events in \(json.stdout)")
                return
            }
            #expect(list.map { $0["kind"] } == ["incident.opened"])
            let badTime = try await Self.parleyctl(["events", "--since", "last tuesday"] + socket)
            #expect(badTime.status == 2)
        }
    }

    @Test func verifyOnlineAndOfflineAgreeAndExitZeroWhenIntact() async throws {
        try await withDaemon { daemon in
            try await daemon.writer.append(contentsOf: (1...50).map {
                EventDraft(priority: .routine, kind: "radio.key", source: "channel:north", payload: ["n": .int(Int64($0))])
            })
            let online = try await Self.parleyctl(["verify", "--json", "--socket", daemon.socketPath])
            #expect(online.status == 0, "\(online.stderr)")
            let report = try ControlJSON.parse(online.stdout.trimmingCharacters(in: .newlines))
            #expect(report["intact"] == true)
            #expect(report["checked"] == 50)
            let offline = try await Self.parleyctl(["verify", "--database", daemon.storePath, "--json"])
            #expect(offline.status == 0, "\(offline.stderr)")
            #expect(try ControlJSON.parse(offline.stdout.trimmingCharacters(in: .newlines)) == report)
            let human = try await Self.parleyctl(["verify", "--database", daemon.storePath])
            #expect(human.stdout.hasPrefix("intact: 50 events checked"))
            let truncated = try await Self.parleyctl(["verify", "--expect-head", "60", "--socket", daemon.socketPath])
            #expect(truncated.status == 1)
            #expect(truncated.stdout.contains("BROKEN at event 51"))
        }
    }

    @Test func offlineVerifyFindsAnEditedRowAndExitsOne() async throws {
        try await withDaemon { daemon in
            try await daemon.writer.append(contentsOf: (1...5).map {
                EventDraft(priority: .routine, kind: "radio.key", source: "channel:north", payload: ["n": .int(Int64($0))])
            })
            let copy = daemon.directory + "/copy.sqlite"
            try await blocking {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
                process.arguments = [
                    daemon.storePath,
                    ".backup '\(copy)'",
                ]
                try process.run()
                process.waitUntilExit()
                let edit = Process()
                edit.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
                edit.arguments = [copy, "DROP TRIGGER events_no_update; UPDATE events SET payload = '{\"n\":99}' WHERE sequence = 3;"]
                try edit.run()
                edit.waitUntilExit()
            }
            let run = try await Self.parleyctl(["verify", "--database", copy])
            #expect(run.status == 1)
            #expect(run.stdout.contains("BROKEN at event 3"))
            #expect(run.stdout.contains("edited"))
        }
    }

    @Test func connectionProblemsExitTwoWithAHint() async throws {
        let missing = try await Self.parleyctl(["status", "--socket", "/tmp/parley-no-such-dir/control.sock"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot connect to /tmp/parley-no-such-dir/control.sock: No such file or directory"))
        #expect(missing.stderr.contains("is parleyd running?"))
        let usage = try await Self.parleyctl(["incidents", "open", "--channel", "pigeon", "--category", "x", "--grade", "1"])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("unknown channel 'pigeon'"))
        let offline = try await Self.parleyctl(["verify", "--database", "/tmp/parley-no-such-file.sqlite"])
        #expect(offline.status == 2)
    }

    @Test(arguments: ["bash", "zsh", "fish"])
    func shellCompletionScriptsAreGenerated(shell: String) async throws {
        let run = try await Self.parleyctl(["--generate-completion-script", shell])
        #expect(run.status == 0)
        #expect(run.stdout.contains("parleyctl"))
        #expect(run.stdout.contains("incidents"))
    }

    @Test func tailPrintsEventsAsTheyAreCommittedAndCtrlCEndsIt() async throws {
        try await withDaemon { daemon in
            let process = Process()
            process.executableURL = Self.binary
            process.arguments = ["tail", "--kind", "radio", "--socket", daemon.socketPath]
            let out = Pipe()
            process.standardOutput = out
            let exited = AsyncStream<Int32>.makeStream()
            process.terminationHandler = { exited.continuation.yield($0.terminationStatus) }
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            _ = try await daemon.audit { rows in rows.contains { $0.entry.command == "tail" } }
            try await daemon.writer.append(EventDraft(priority: .routine, kind: "line.ring", source: "line:1"))
            try await daemon.writer.append(
                EventDraft(priority: .emergency, kind: "radio.emergency", source: "channel:north", payload: ["ani": "2041"]))
            let fd = out.fileHandleForReading.fileDescriptor
            let line = try await blocking { () -> String in
                var collected: [UInt8] = []
                let deadline = ContinuousClock.now + .seconds(10)
                while !collected.contains(UInt8(ascii: "\n")), ContinuousClock.now < deadline {
                    var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    guard poll(&poller, 1, 100) > 0 else { continue }
                    var chunk = [UInt8](repeating: 0, count: 4096)
                    let count = read(fd, &chunk, chunk.count)
                    if count <= 0 { break }
                    collected += chunk[..<count]
                }
                return String(decoding: collected, as: UTF8.self)
            }
            #expect(line.contains("#2"), "\(line)")
            #expect(line.contains("emergency"))
            #expect(line.contains("radio.emergency"))
            #expect(line.contains("ani=2041"))
            process.interrupt()  // Ctrl-C
            let pid = process.processIdentifier
            let watchdog = Task {
                try await Task.sleep(for: .seconds(10))
                kill(pid, SIGKILL)
            }
            defer { watchdog.cancel() }
            var status: Int32?
            for await code in exited.stream {
                status = code
                break
            }
            #expect(status == 0)
        }
    }
}
