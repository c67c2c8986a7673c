import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A daemon that cannot start its services says why and exits; it neither hangs nor disturbs
/// a daemon already running.
struct StartupFailureTests {
    /// Regression: a failing service used to cancel the service group, and the event writer
    /// (which stops only on graceful shutdown) kept parleyd hanging with nothing logged, deaf
    /// to SIGTERM.
    @Test func secondDaemonOnTheSameStateDirectoryExitsAndTheFirstKeepsServing() async throws {
        let directory = try TemporaryDirectory("dup")
        let config = try directory.write("parley.yaml", testConfiguration())
        let first = try DaemonProcess.start(in: directory, config: config)
        defer { first.kill() }
        try await first.waitUntilServing()

        let second = try DaemonProcess.start(in: directory, config: config, logName: "second.log")
        defer { second.kill() }
        let exit = try await second.waitForExit(timeout: .seconds(60))
        #expect(exit == .exited(1), "stderr:\n\(second.log)")
        #expect(second.log.contains("in use by another process"), "says the store is in use:\n\(second.log)")
        #expect(second.log.contains(first.storePath), "\(second.log)")

        // The first daemon's socket is untouched and it still writes.
        #expect(FileManager.default.fileExists(atPath: first.socketPath))
        #expect(try await first.request("incidents.open", openArguments()).isOK)
        first.send(SIGTERM)
        #expect(try await first.waitForExit() == .exited(0), "stderr:\n\(first.log)")
        let verify = try await parleyctl(["verify", "--database", first.storePath], in: directory)
        #expect(verify.status == .exited(0), "\(verify)")
    }

    @Test func controlSocketPathHeldByAFileFailsStartupWithTheReason() async throws {
        let directory = try TemporaryDirectory("sock")
        let occupied = try directory.write("not-a-socket", "keep me\n")
        let config = try directory.write(
            "parley.yaml", testConfiguration() + "  socket: \(occupied)\n")
        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        let exit = try await daemon.waitForExit(timeout: .seconds(60))
        #expect(exit == .exited(1), "stderr:\n\(daemon.log)")
        #expect(daemon.log.contains("\(occupied) exists and is not a socket"), "\(daemon.log)")
        #expect((try? String(contentsOfFile: occupied, encoding: .utf8)) == "keep me\n", "the file is left alone")
    }
}
