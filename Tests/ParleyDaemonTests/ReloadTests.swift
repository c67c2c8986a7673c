import Foundation
import ParleyCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// SIGHUP re-reads the file: live keys apply at once, restart-only keys are named in a log
/// line, and a broken file is refused (file:line) while the daemon keeps serving.
struct ReloadTests {
    @Test func sighupAppliesLiveKeysAndNamesKeysThatNeedARestart() async throws {
        let directory = try TemporaryDirectory("rld")
        let config = try directory.write("parley.yaml", testConfiguration(logLevel: "info"))
        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        try await daemon.waitForLogLine(containing: "parleyd ready")
        #expect(!daemon.log.contains(" debug "), "no debug lines at log_level info:\n\(daemon.log)")

        _ = try directory.write(
            "parley.yaml",
            testConfiguration(logLevel: "debug", extra: "  batch_max_events: 250"))
        let mark = daemon.logLines.count
        daemon.send(SIGHUP)
        let reloaded = try await daemon.waitForLogLine(containing: "Configuration reloaded", skipping: mark)
        #expect(reloaded.contains("daemon.log_level"), "log_level is applied live: \(reloaded)")
        let restart = try await daemon.waitForLogLine(
            containing: "needs a restart", "store.batch_max_events", skipping: mark)
        #expect(!restart.contains("daemon.log_level"), "\(restart)")

        // The new level is in force: a control connection now logs at debug.
        let debugMark = daemon.logLines.count
        #expect(try await daemon.request("status").isOK)
        try await daemon.waitForLogLine(containing: " debug ", skipping: debugMark)

        // The reload is recorded in the event log.
        let events = try await daemon.request("events", ["kind": "daemon.reloaded", "limit": 10])
        #expect(events.isOK, "\(events)")
        #expect(events.at("result", "events")?.arrayValue?.isEmpty == false, "\(events)")
    }

    @Test func sighupWithABrokenFileIsRefusedAndTheDaemonKeepsServing() async throws {
        let directory = try TemporaryDirectory("rld")
        let config = try directory.write("parley.yaml", testConfiguration(logLevel: "info"))
        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        try await daemon.waitForLogLine(containing: "parleyd ready")

        _ = try directory.write("parley.yaml", "daemon:\n  log_level: debug\nstore:\n  batch_max_events: many\n")
        let mark = daemon.logLines.count
        daemon.send(SIGHUP)
        let refused = try await daemon.waitForLogLine(containing: "reload refused", skipping: mark)
        #expect(refused.contains("\(config):4:"), "names file and line: \(refused)")
        #expect(refused.contains("store.batch_max_events"), "names the key: \(refused)")

        // Still serving, with the old configuration (log_level info: no debug lines).
        let statusMark = daemon.logLines.count
        #expect(try await daemon.request("status").isOK)
        #expect(try await daemon.request("incidents.open", openArguments()).isOK)
        #expect(!daemon.logLines.dropFirst(statusMark).contains { $0.contains(" debug ") }, "\(daemon.log)")
        #expect(daemon.process.isRunning)

        // A fixed file reloads again.
        _ = try directory.write("parley.yaml", testConfiguration(logLevel: "info"))
        let fixedMark = daemon.logLines.count
        daemon.send(SIGHUP)
        try await daemon.waitForLogLine(containing: "Configuration reloaded", skipping: fixedMark)

        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == .exited(0), "stderr:\n\(daemon.log)")
    }

    /// Regression: the SIGHUP handler used to be registered by the reload service itself,
    /// asynchronously, so a SIGHUP soon after startup — even after READY=1 — could hit the
    /// default action and kill parleyd (about one start in ten on a 2-core machine).
    @Test func sighupRightAfterStartupNeverKillsTheDaemon() async throws {
        for attempt in 1...12 {
            let directory = try TemporaryDirectory("hup")
            let config = try directory.write("parley.yaml", testConfiguration())
            let listener = try NotifyListener(path: directory.file("notify.sock"))
            defer { listener.stop() }
            let daemon = try DaemonProcess.start(in: directory, config: config, environment: ["NOTIFY_SOCKET": listener.path])
            defer { daemon.kill() }
            let afterReady = attempt % 2 == 0
            if afterReady {
                // What `systemctl reload` does: SIGHUP as soon as the service is up.
                try await listener.waitFor("READY=1", every: .milliseconds(1)) { $0["READY"] == "1" }
            } else {
                // Earlier still: the moment the control socket file appears.
                try await eventually("the control socket file", every: .milliseconds(1)) {
                    FileManager.default.fileExists(atPath: daemon.socketPath) ? true : nil
                }
            }
            daemon.send(SIGHUP)
            if afterReady {
                try await daemon.waitForLogLine(containing: "Configuration reloaded")
            }
            try await daemon.waitUntilServing()
            #expect(daemon.process.isRunning, "attempt \(attempt): parleyd died of SIGHUP\n\(daemon.log)")
            daemon.send(SIGTERM)
            #expect(try await daemon.waitForExit() == .exited(0), "attempt \(attempt)\n\(daemon.log)")
        }
    }
}
