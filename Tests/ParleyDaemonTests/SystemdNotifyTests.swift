import Foundation
import ParleyCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// parleyd as a `Type=notify` service: READY=1 only once the control socket listens, watchdog
/// pings, RELOADING=1/READY=1 around SIGHUP, STOPPING=1 and a clean exit on SIGTERM.
struct SystemdNotifyTests {
    @Test func notifiesReadinessWatchdogReloadAndStopInOrder() async throws {
        let directory = try TemporaryDirectory("ntf")
        let config = try directory.write("parley.yaml", testConfiguration())
        let listener = try NotifyListener(path: directory.file("notify.sock"))
        defer { listener.stop() }
        let daemon = try DaemonProcess.start(
            in: directory, config: config,
            environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "400000"])
        defer { daemon.kill() }

        // READY=1, and at that moment the control socket already serves.
        let readyIndex = try await listener.waitFor("READY=1") { $0["READY"] == "1" }
        let status = try await daemon.request("status")
        #expect(status.isOK, "status right after READY=1: \(status)")
        #expect(listener.messages[readyIndex]["STATUS"] != nil, "READY=1 carries a STATUS=")

        // Watchdog pings at WATCHDOG_USEC / 2.
        try await listener.waitFor("WATCHDOG=1") { $0["WATCHDOG"] == "1" }

        // SIGHUP: RELOADING=1 with MONOTONIC_USEC (CLOCK_MONOTONIC, taken after the signal), then READY=1.
        let beforeSignal = monotonicMicroseconds()
        let mark = listener.messages.count
        daemon.send(SIGHUP)
        let reloadingIndex = try await listener.waitFor("RELOADING=1", from: mark) { $0["RELOADING"] == "1" }
        let reloading = listener.messages[reloadingIndex]
        let stamp = try #require(reloading["MONOTONIC_USEC"].flatMap { UInt64($0) }, "MONOTONIC_USEC in \(reloading)")
        #expect(stamp >= beforeSignal && stamp <= reloading.receivedAt, "MONOTONIC_USEC \(stamp) outside the reload")
        try await listener.waitFor("READY=1 after RELOADING=1", from: reloadingIndex + 1) { $0["READY"] == "1" }
        #expect(try await daemon.request("status").isOK)

        // SIGTERM: STOPPING=1 and exit status 0.
        let stopMark = listener.messages.count
        daemon.send(SIGTERM)
        try await listener.waitFor("STOPPING=1", from: stopMark) { $0["STOPPING"] == "1" }
        let exit = try await daemon.waitForExit()
        #expect(exit == .exited(0), "stderr:\n\(daemon.log)")
        // Nothing after STOPPING=1 says READY again.
        let afterStop = listener.messages[stopMark...]
        #expect(!afterStop.contains { $0["READY"] == "1" }, "\(afterStop)")

        // The store it left behind is intact.
        let verify = try await parleyctl(["verify", "--database", daemon.storePath], in: directory)
        #expect(verify.status == .exited(0), "\(verify)")
    }

    @Test func withoutNotifySocketRunsAndStopsCleanly() async throws {
        let directory = try TemporaryDirectory("ntf")
        let config = try directory.write("parley.yaml", testConfiguration())
        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        daemon.send(SIGINT)
        #expect(try await daemon.waitForExit() == .exited(0), "stderr:\n\(daemon.log)")
    }
}
