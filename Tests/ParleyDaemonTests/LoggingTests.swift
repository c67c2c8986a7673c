import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// stderr logging: one line per event, `<N>` syslog prefixes under journald (JOURNAL_STREAM
/// set), an ISO-8601 UTC timestamp otherwise, and `--log-level` choosing what is shown.
struct LoggingTests {
    /// Runs parleyd until ready, makes one control connection, stops it; returns its stderr lines.
    private func runOnce(arguments: [String] = [], environment: [String: String] = [:]) async throws -> [String] {
        let directory = try TemporaryDirectory("log")
        let config = try directory.write("parley.yaml", testConfiguration())
        let daemon = try DaemonProcess.start(in: directory, config: config, arguments: arguments, environment: environment)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        try await daemon.waitForLogLine(containing: "parleyd ready")
        daemon.send(SIGTERM)
        let exit = try await daemon.waitForExit()
        #expect(exit == .exited(0), "stderr:\n\(daemon.log)")
        let lines = daemon.logLines
        #expect(lines.contains { $0.contains("parleyd stopped") }, "\(daemon.log)")
        return lines
    }

    @Test func underJournaldEveryLineStartsWithASyslogPriority() async throws {
        let lines = try await runOnce(environment: ["JOURNAL_STREAM": "1:1"])
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(line.wholeMatch(of: /<[0-7]>\S.*/) != nil, "not a `<N>` line: \(line)")
            // journald adds its own timestamp.
            #expect(line.firstMatch(of: /^<[0-7]>\d{4}-\d{2}-\d{2}T/) == nil, "timestamp under journald: \(line)")
        }
        #expect(lines.contains { $0.hasPrefix("<6>parleyd ready") }, "ready is logged at info (<6>): \(lines)")
        // Whether acknowledged events survive a power loss is in the journal from the start.
        #expect(
            lines.contains { $0.contains("Event writer started") && $0.contains("store.synchronous=full") },
            "the writer's start line names the store's synchronous mode: \(lines)")
    }

    @Test func withoutJournaldEveryLineStartsWithAUTCTimestamp() async throws {
        let lines = try await runOnce()
        #expect(!lines.isEmpty)
        for line in lines {
            #expect(
                line.firstMatch(of: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z (trace|debug|info|notice|warning|error|critical) \S/)
                    != nil, "not a timestamped line: \(line)")
        }
        #expect(!lines.contains { $0.contains(" debug ") }, "no debug lines at the default level")
    }

    @Test func logLevelDebugShowsDebugLines() async throws {
        let lines = try await runOnce(arguments: ["--log-level", "debug"])
        #expect(lines.contains { $0.contains(" debug ") }, "\(lines)")
    }

    @Test func unknownLogLevelIsAUsageError() async throws {
        let directory = try TemporaryDirectory("log")
        let config = try directory.write("parley.yaml", testConfiguration())
        let result = try await runTool(
            try Products.parleyd(), ["--config", config, "--state-dir", directory.file("state"), "--log-level", "loud"],
            in: directory)
        #expect(result.status != .exited(0), "\(result)")
        #expect(result.stderr.contains("--log-level"), "\(result)")
    }
}
