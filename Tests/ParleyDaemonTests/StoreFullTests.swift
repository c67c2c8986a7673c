import Foundation
import ParleyCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Disk full at the daemon level (`store.max_size_mb`): clients get a clear error, one log
/// line, the daemon keeps answering, nothing is corrupted, and raising the cap with SIGHUP
/// lets writes through again.
struct StoreFullTests {
    @Test func storeAtItsSizeCapRefusesWritesClearlyAndResumesAfterReload() async throws {
        let directory = try TemporaryDirectory("full")
        let config = try directory.write("parley.yaml", testConfiguration(extra: "  max_size_mb: 1"))
        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        let socket = daemon.socketPath

        // Fill the store with ~3 KB summaries until a command fails (1 MiB holds a few hundred).
        let (accepted, refusal, lastSequence) = try await onThread { () throws -> (Int, JSONValue?, Int64) in
            let connection = try ControlConnection(path: socket)
            defer { connection.close() }
            let summary = String(repeating: "Caller reports a long story. ", count: 106)  // ~3 KB
            var accepted = 0
            var lastSequence: Int64 = 0
            for number in 0..<5000 {
                let reply = try connection.request("incidents.open", openArguments(summary: "\(number) \(summary)"))
                if !reply.isOK { return (accepted, reply, lastSequence) }
                accepted += 1
                lastSequence = reply.at("result", "sequences")?.arrayValue?.last?.intValue ?? lastSequence
            }
            return (accepted, nil, lastSequence)
        }
        let failure = try #require(refusal, "5000 incidents of 3 KB fitted in a 1 MiB store")
        #expect(accepted > 10, "the cap refused writes too early (after \(accepted))")
        #expect(["store_unavailable", "store_full"].contains(failure.errorCode ?? ""), "\(failure)")
        let message = failure.errorMessage ?? ""
        #expect(message.contains("full"), "says the store is full: \(message)")
        #expect(message.contains("max_size_mb"), "says what to do: \(message)")
        #expect(message.contains("nothing from this request was written"), "\(message)")
        try await daemon.waitForLogLine(containing: "Incident store refusing writes")

        // Still answering, and counting the failed batch. (`writer.refusing` is not checked: any
        // small write that still fits, such as an audit row, clears it.)
        let status = try await daemon.request("status")
        #expect(status.isOK, "\(status)")
        #expect((status.at("result", "writer", "failed_batches")?.intValue ?? 0) > 0, "\(status)")
        // Still refusing: a retry fails the same way, and nothing half-written appears.
        let again = try await daemon.request("incidents.open", openArguments(summary: String(repeating: "x", count: 3000)))
        #expect(!again.isOK, "\(again)")

        // Nothing is corrupted: SQLite's own check and the chain verifier (online and offline).
        let integrity = try await runTool("/usr/bin/sqlite3", [daemon.storePath, "PRAGMA integrity_check"], in: directory)
        #expect(integrity.status == .exited(0) && integrity.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "ok",
            "\(integrity)")
        let online = try await daemon.request("verify", ["expected_head": .int(lastSequence)])
        #expect(online.at("result", "intact")?.boolValue == true, "\(online)")
        let offline = try await parleyctl(
            ["verify", "--database", daemon.storePath, "--expect-head", String(lastSequence)], in: directory)
        #expect(offline.status == .exited(0), "\(offline)")

        // Raise the cap, reload, and writes go through again.
        _ = try directory.write("parley.yaml", testConfiguration(extra: "  max_size_mb: 64"))
        let mark = daemon.logLines.count
        daemon.send(SIGHUP)
        try await daemon.waitForLogLine(containing: "Configuration reloaded", skipping: mark)
        let reopened = try await daemon.request("incidents.open", openArguments(summary: "after the cap was raised"))
        #expect(reopened.isOK, "\(reopened)")
        let after = try await daemon.request("status")
        #expect(after.at("result", "writer", "refusing") == nil || after.at("result", "writer", "refusing") == .null, "\(after)")
        // A 3 KB incident fits again, not only small rows.
        #expect(try await daemon.request("incidents.open", openArguments(summary: String(repeating: "y", count: 3000))).isOK)
        let reference = try #require(reopened.at("result", "incident", "reference")?.stringValue)
        #expect(try await daemon.request("incidents.show", ["incident": .string(reference)]).isOK)

        daemon.send(SIGTERM)
        #expect(try await daemon.waitForExit() == .exited(0), "stderr:\n\(daemon.log)")
        let finalCheck = try await parleyctl(["verify", "--database", daemon.storePath], in: directory)
        #expect(finalCheck.status == .exited(0), "\(finalCheck)")
    }
}
