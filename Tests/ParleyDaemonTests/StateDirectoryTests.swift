import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `--state-dir DIR` puts the control socket in DIR even when the store lives elsewhere.
struct StateDirectoryTests {
    /// Regression: only the store's directory was created, so with an absolute `store.file`
    /// the socket's directory was missing and parleyd could not bind.
    @Test func socketDirectoryIsCreatedWhenTheStoreIsElsewhere() async throws {
        let directory = try TemporaryDirectory("sdir")
        let store = directory.file("elsewhere/incidents.sqlite")
        let config = try directory.write("parley.yaml", testConfiguration(extra: "  file: \(store)"))
        let daemon = try DaemonProcess.start(
            config: config, stateDirectory: directory.file("fresh/state"), stderrPath: directory.file("parleyd.log"))
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        let status = try await daemon.request("status")
        #expect(status.at("result", "store", "path")?.stringValue == store, "\(status)")
        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == .exited(0), "stderr:\n\(daemon.log)")
        #expect(FileManager.default.fileExists(atPath: store))
    }
}
