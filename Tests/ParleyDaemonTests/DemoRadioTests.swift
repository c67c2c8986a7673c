import Foundation
import ParleyCore
import Testing

/// The demo's radio channels end to end: parleyd runs config/demo.yaml (in a temporary state
/// directory) while two `parley-sim radio` processes write speech — and, for south, CM108 COR
/// reports — into the files it names; every transmission must end up as a complete row in the
/// store with an Ogg Opus recording that `opusinfo` accepts.
struct DemoRadioTests {
    static let demoConfiguration = Repository.file("config/demo.yaml")

    @Test func demoConfigurationPassesTheCheckWithItsThreeChannels() async throws {
        let directory = try TemporaryDirectory("demochk")
        let result = try await runTool(
            try Products.parleyd(), ["--check-config", "--config", Self.demoConfiguration], in: directory)
        #expect(result.status == .exited(0), "\(result)")
        #expect(result.stdout.contains("3 channel(s)"), "\(result)")
    }

    @Test func simulatedRadiosOnTheDemoChannelsAreRecorded() async throws {
        let directory = try TemporaryDirectory("radio")
        let state = directory.file("state")
        // The demo's relative paths resolve inside the state directory (--state-dir here).
        let radio = state + "/demo-radio"
        try FileManager.default.createDirectory(atPath: radio, withIntermediateDirectories: true)
        // The PTT stand-in must exist: parleyd appends to it but does not create it.
        #expect(FileManager.default.createFile(atPath: radio + "/south-ptt.hid", contents: nil))

        let simulator = try Products.path(of: "parley-sim")
        let speechCache = directory.file("speech")
        func startRadio(_ name: String, seed: Int, _ extra: [String] = []) throws -> ChildProcess {
            let log = directory.file("\(name)-sim.log")
            return try ChildProcess.spawn(
                simulator,
                ["radio", "--audio", "\(radio)/\(name).raw", "--talk-seconds", "1-2", "--gap-seconds", "1-2",
                 "--seconds", "8", "--seed", "\(seed)", "--cache-dir", speechCache] + extra,
                stdout: log, stderr: log)
        }
        let north = try startRadio("north", seed: 1)
        defer { north.kill() }
        let south = try startRadio("south", seed: 2, ["--cor", "\(radio)/south-cor.hid", "--cor-bit", "1"])
        defer { south.kill() }

        let daemon = try DaemonProcess.start(
            config: Self.demoConfiguration, stateDirectory: state, stderrPath: directory.file("parleyd.log"))
        defer { daemon.kill() }
        try await daemon.waitUntilServing()

        func context(_ rows: [StoredTransmission] = []) -> String {
            let logs = ["north-sim.log", "south-sim.log"].map { name in
                "--- \(name):\n" + ((try? String(contentsOfFile: directory.file(name), encoding: .utf8)) ?? "(none)")
            }
            return "rows: \(rows)\n" + logs.joined(separator: "\n") + "\n--- parleyd stderr:\n\(daemon.log)"
        }

        let channels = try await daemon.request("channels")
        #expect(channels.isOK, "\(channels)")
        let ids = channels.at("result", "channels")?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
        // airwave's TETRA terminal is not simulated here (its pty is missing): it stays down and
        // retries, without holding up the other channels or the shutdown.
        #expect(Set(ids) == ["north", "south", "airwave"], "\(channels)")

        // At least one complete transmission per channel. Generous deadline: it only turns a
        // hang into a failure (the simulators finish their 8 s of audio well within it).
        var rows: [StoredTransmission] = []
        let deadline = ContinuousClock.now + .seconds(60)
        while true {
            rows = try await StoredTransmission.all(in: daemon.storePath, directory: directory)
            let complete = Set(rows.filter { $0.status == "complete" }.map(\.channel))
            if complete.isSuperset(of: ["north", "south"]) { break }
            if let status = daemon.process.exitStatus() {
                Issue.record("parleyd ended (\(status)) before recording both channels\n\(context(rows))")
                return
            }
            guard ContinuousClock.now < deadline else {
                Issue.record("no complete transmission on both channels within 60 s\n\(context(rows))")
                return
            }
            try await Task.sleep(for: .milliseconds(500))
        }

        for (name, process) in [("north", north), ("south", south)] {
            let status = try await process.waitForExit(timeout: .seconds(60))
            #expect(status == .exited(0), "parley-sim radio for \(name)\n\(context(rows))")
            let output = (try? String(contentsOfFile: directory.file("\(name)-sim.log"), encoding: .utf8)) ?? ""
            #expect(output.contains("parley-sim: \(name): transmission 1, "), "\(context(rows))")
        }

        for row in rows where row.status == "complete" {
            #expect((row.durationMillis ?? 0) > 0, "\(row)\n\(context(rows))")
            let path = row.filePath.hasPrefix("/") ? row.filePath : state + "/" + row.filePath
            #expect(FileManager.default.fileExists(atPath: path), "\(row)\n\(context(rows))")
            let info = try await runTool("/usr/bin/opusinfo", [path], in: directory)
            #expect(info.status == .exited(0), "opusinfo \(path): \(info)")
        }

        daemon.send(SIGTERM)
        let exit = try await daemon.process.waitForExit(timeout: .seconds(60))
        #expect(exit == .exited(0), "\(context(rows))")
    }
}

/// One `transmissions` row, read with the `sqlite3` CLI (read-only) as an engineer would.
struct StoredTransmission: Sendable, CustomStringConvertible {
    var channel: String
    var status: String
    var durationMillis: Int?
    var filePath: String

    var description: String { "\(channel) \(status) \(durationMillis.map(String.init) ?? "-") ms \(filePath)" }

    /// Every row, oldest first; none while the store or its schema does not exist yet.
    static func all(in store: String, directory: TemporaryDirectory) async throws -> [StoredTransmission] {
        let result = try await runTool(
            "/usr/bin/sqlite3",
            ["-readonly", "-cmd", ".timeout 5000", "-separator", "\t", store,
             "SELECT channel_id, status, duration_ms, file_path FROM transmissions ORDER BY id"],
            in: directory)
        guard result.status == .exited(0) else {
            if result.stderr.contains("no such table") || result.stderr.contains("unable to open") { return [] }
            throw TestFailure("sqlite3 could not read \(store): \(result)")
        }
        return result.stdout.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count == 4 else { return nil }
            return StoredTransmission(channel: fields[0], status: fields[1], durationMillis: Int(fields[2]), filePath: fields[3])
        }
    }
}
