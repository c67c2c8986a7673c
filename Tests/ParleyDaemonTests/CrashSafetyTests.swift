import Foundation
import ParleyCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Nothing acknowledged is lost: parleyd is SIGKILLed again and again under load on one state
/// directory; after each restart every acknowledged incident is in the store and the hash
/// chain verifies (online and offline) up to at least the last acknowledged event.
///
/// `PARLEY_CRASH_ROUNDS=N` runs N rounds instead of 20 (`scripts/crash-soak.sh N`);
/// `PARLEY_CRASH_SEED=S` replays the kill timings of an earlier run (the seed is printed on failure).
struct CrashSafetyTests {
    static let environment = ProcessInfo.processInfo.environment
    static let rounds = environment["PARLEY_CRASH_ROUNDS"].flatMap(Int.init) ?? 20
    static let verbose = environment["PARLEY_CRASH_VERBOSE"] == "1"

    @Test func acknowledgedIncidentsSurviveRepeatedSigkillUnderLoad() async throws {
        let seed = Self.environment["PARLEY_CRASH_SEED"].flatMap(UInt64.init) ?? UInt64.random(in: 1...UInt64.max)
        var random = SplitMix64(seed: seed)
        let context = "seed \(seed) (rerun with PARLEY_CRASH_SEED=\(seed))"
        let started = ContinuousClock.now

        let directory = try TemporaryDirectory("crash")
        let config = try directory.write("parley.yaml", testConfiguration(extra: "  batch_max_events: 64"))
        let stateDirectory = directory.file("state")
        let logPath = directory.file("parleyd.log")
        let storePath = stateDirectory + "/incidents.sqlite"
        var allAcknowledged: [Acknowledgement] = []
        var highest: Int64 = 0
        var lastRound: [Acknowledgement] = []

        for round in 1...Self.rounds {
            // Every fourth round, first kill a daemon at a random moment of its startup
            // (store open, recovery, socket bind) with a client already knocking.
            if round % 4 == 0 {
                let early = try DaemonProcess.start(config: config, stateDirectory: stateDirectory, stderrPath: logPath)
                defer { early.kill() }
                let load = LoadGenerator(socket: early.socketPath, connections: 2, tag: "r\(round)e")
                try await Task.sleep(for: .milliseconds(Int.random(in: 0...150, using: &random)))
                early.kill()
                try await load.stop()
                #expect(load.unexpectedResponses.isEmpty, "round \(round), \(context): \(load.unexpectedResponses)")
                lastRound += load.acknowledgements
                allAcknowledged += load.acknowledgements
                highest = max(highest, load.acknowledgements.flatMap(\.sequences).max() ?? 0)
            }

            let daemon = try DaemonProcess.start(config: config, stateDirectory: stateDirectory, stderrPath: logPath)
            defer { daemon.kill() }
            try await daemon.waitUntilServing()
            try await checkSurvivors(lastRound, highest: highest, daemon: daemon, context: "round \(round), \(context)")

            let load = LoadGenerator(socket: daemon.socketPath, connections: 4, tag: "r\(round)")
            let delay = Int.random(in: 50...500, using: &random)
            try await Task.sleep(for: .milliseconds(delay))
            daemon.kill()
            try await load.stop()
            #expect(load.unexpectedResponses.isEmpty, "round \(round), \(context): \(load.unexpectedResponses)")
            lastRound = load.acknowledgements
            allAcknowledged += lastRound
            highest = max(highest, lastRound.flatMap(\.sequences).max() ?? 0)

            // Offline verification of the store exactly as the kill left it.
            let offline = try await parleyctl(
                ["verify", "--database", storePath, "--expect-head", String(highest)], in: directory)
            #expect(offline.status == .exited(0), "round \(round), \(context): offline verify\n\(offline)")
            if Self.verbose {
                print("crash round \(round): killed after \(delay) ms, \(lastRound.count) acknowledged, head ≥ \(highest)")
            }
        }
        #expect(allAcknowledged.count > Self.rounds, "the load was acknowledged hardly at all (\(context))")
        #expect(Set(allAcknowledged.map(\.reference)).count == allAcknowledged.count, "a reference was given twice")

        // Final restart: everything ever acknowledged is there; then a clean stop.
        let daemon = try DaemonProcess.start(config: config, stateDirectory: stateDirectory, stderrPath: logPath)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        try await checkSurvivors(lastRound, highest: highest, daemon: daemon, context: "final, \(context)")
        let stored = try await openedEvents(daemon: daemon, after: 0)
        let missing = allAcknowledged.filter { stored[$0.sequences[0]] != $0.reference }
        #expect(missing.isEmpty, "acknowledged but not stored (\(context)): \(missing.prefix(10))")
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == .exited(0))
        let offline = try await parleyctl(
            ["verify", "--database", storePath, "--expect-head", String(highest)], in: directory)
        #expect(offline.status == .exited(0), "final offline verify (\(context))\n\(offline)")
        let integrity = try await runTool("/usr/bin/sqlite3", [storePath, "PRAGMA integrity_check"], in: directory)
        #expect(integrity.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok", "\(integrity)")
        if Self.verbose {
            print(
                "crash test: \(Self.rounds) rounds, \(allAcknowledged.count) acknowledged incidents, head ≥ \(highest), "
                    + "\(ContinuousClock.now - started), \(context)")
        }
    }

    /// SIGTERM under the same load: parleyd stops cleanly (STOPPING, exit 0), every request is
    /// either acknowledged or refused with `shutting_down`, and every acknowledgement is stored.
    @Test func sigtermUnderLoadStopsCleanlyKeepingEveryAcknowledgement() async throws {
        let directory = try TemporaryDirectory("term")
        let config = try directory.write("parley.yaml", testConfiguration())
        var acknowledged: [Acknowledgement] = []
        for round in 1...3 {
            let daemon = try DaemonProcess.start(in: directory, config: config)
            defer { daemon.kill() }
            try await daemon.waitUntilServing()
            try await checkSurvivors(
                acknowledged, highest: acknowledged.flatMap(\.sequences).max() ?? 0, daemon: daemon,
                context: "SIGTERM round \(round)")
            let load = LoadGenerator(socket: daemon.socketPath, connections: 4, tag: "t\(round)")
            try await eventually("the first acknowledgements") { load.acknowledgements.count >= 20 ? true : nil }
            daemon.send(SIGTERM)
            let exit = try await daemon.waitForExit()
            try await load.stop()
            #expect(exit == .exited(0), "stderr:\n\(daemon.log)")
            #expect(load.unexpectedResponses.isEmpty, "\(load.unexpectedResponses)")
            acknowledged = load.acknowledgements
            let highest = acknowledged.flatMap(\.sequences).max() ?? 0
            let offline = try await parleyctl(
                ["verify", "--database", daemon.storePath, "--expect-head", String(highest)], in: directory)
            #expect(offline.status == .exited(0), "\(offline)")
        }
        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        try await checkSurvivors(
            acknowledged, highest: acknowledged.flatMap(\.sequences).max() ?? 0, daemon: daemon, context: "after SIGTERM")
    }

    /// Every acknowledgement has its `incident.opened` event at the acknowledged sequence and
    /// its incident row; the chain verifies online up to at least `highest`.
    private func checkSurvivors(_ acknowledged: [Acknowledgement], highest: Int64, daemon: DaemonProcess, context: String)
        async throws
    {
        let status = try await daemon.request("status")
        let head = status.at("result", "writer", "head_sequence")?.intValue ?? -1
        // A kill leaves the page cache; a power loss does not. The config says `full`, and the
        // store reports the mode it read back from its writing connection.
        #expect(status.at("result", "store", "synchronous")?.stringValue == "full", "\(context): \(status)")
        #expect(head >= highest, "\(context): head \(head) is behind the acknowledged \(highest)")

        if let first = acknowledged.map({ $0.sequences[0] }).min() {
            let stored = try await openedEvents(daemon: daemon, after: first - 1)
            let missing = acknowledged.filter { stored[$0.sequences[0]] != $0.reference }
            #expect(missing.isEmpty, "\(context): acknowledged but not stored: \(missing.prefix(10))")
        }
        // The incident rows, for a sample (the newest acknowledgements are the most at risk).
        let sample = acknowledged.sorted { $0.sequences[0] > $1.sequences[0] }.prefix(12)
        if !sample.isEmpty {
            let socket = daemon.socketPath
            let replies = try await onThread {
                let connection = try ControlConnection(path: socket)
                defer { connection.close() }
                return try sample.map { try connection.request("incidents.show", ["incident": .string($0.reference)]) }
            }
            for (acknowledgement, reply) in zip(sample, replies) {
                #expect(
                    reply.isOK && reply.at("result", "incident", "reference")?.stringValue == acknowledgement.reference,
                    "\(context): \(acknowledgement.reference) not shown: \(reply)")
            }
        }
        let verify = try await daemon.request("verify", ["expected_head": .int(highest)])
        #expect(verify.at("result", "intact")?.boolValue == true, "\(context): online verify \(verify)")
    }

    /// sequence → reference of every `incident.opened` event after `after`.
    private func openedEvents(daemon: DaemonProcess, after: Int64) async throws -> [Int64: String] {
        let socket = daemon.socketPath
        return try await onThread {
            let connection = try ControlConnection(path: socket)
            defer { connection.close() }
            var found: [Int64: String] = [:]
            var cursor = after
            while true {
                let reply = try connection.request(
                    "events", ["after_sequence": .int(cursor), "kind": "incident.opened", "limit": 10000],
                    timeout: .seconds(120))
                guard reply.isOK, let events = reply.at("result", "events")?.arrayValue else {
                    throw TestFailure("events query failed: \(reply)")
                }
                for event in events {
                    guard let sequence = event["sequence"]?.intValue else { continue }
                    found[sequence] = event.at("payload", "reference")?.stringValue ?? ""
                    cursor = max(cursor, sequence)
                }
                if reply.at("result", "more")?.boolValue != true || events.isEmpty { return found }
            }
        }
    }
}
