import Foundation
import ParleyCore

#if canImport(Glibc)
import Glibc
#endif

/// A `parleyd` run as a real process: `--config FILE --state-dir DIR`, stderr captured in a
/// file. The process is SIGKILLed when the value is dropped; tests also `kill()` it in `defer`.
final class DaemonProcess: Sendable {
    let process: ChildProcess
    let configFile: String
    let stateDirectory: String
    let stderrPath: String

    var socketPath: String { stateDirectory + "/control.sock" }
    var storePath: String { stateDirectory + "/incidents.sqlite" }
    var pid: pid_t { process.pid }

    private init(process: ChildProcess, configFile: String, stateDirectory: String, stderrPath: String) {
        self.process = process
        self.configFile = configFile
        self.stateDirectory = stateDirectory
        self.stderrPath = stderrPath
    }

    /// Starts parleyd. `stderrPath` is appended to (restarts on one state directory can share it).
    static func start(
        config: String, stateDirectory: String, stderrPath: String, arguments: [String] = [],
        environment: [String: String] = [:]
    ) throws -> DaemonProcess {
        let process = try ChildProcess.spawn(
            try Products.parleyd(), ["--config", config, "--state-dir", stateDirectory] + arguments,
            environment: environment, stderr: stderrPath)
        return DaemonProcess(process: process, configFile: config, stateDirectory: stateDirectory, stderrPath: stderrPath)
    }

    /// Starts parleyd in `directory` (state in `directory/state`, stderr in `directory/<logName>`).
    static func start(
        in directory: TemporaryDirectory, config: String, logName: String = "parleyd.log", arguments: [String] = [],
        environment: [String: String] = [:]
    ) throws -> DaemonProcess {
        try start(
            config: config, stateDirectory: directory.file("state"), stderrPath: directory.file(logName),
            arguments: arguments, environment: environment)
    }

    /// Everything parleyd has written to stderr so far.
    var log: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    var logLines: [String] { log.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) }

    /// Waits until the control socket answers `status`; throws (with stderr) if parleyd exits first.
    func waitUntilServing(timeout: Duration = .seconds(90)) async throws {
        let socketPath = self.socketPath
        try await eventually("parleyd to answer status on \(socketPath)", timeout: timeout, every: .milliseconds(20)) {
            () throws -> Bool? in
            if let status = process.exitStatus() {
                throw TestFailure("parleyd ended (\(status)) before serving; stderr:\n\(log)")
            }
            guard let connection = try? ControlConnection(path: socketPath) else { return nil }
            defer { connection.close() }
            guard let reply = try? connection.request("status", timeout: .seconds(30)) else { return nil }
            return reply.isOK ? true : nil
        }
    }

    /// Waits for a stderr line containing every one of `needles`, among lines after the first
    /// `skipping` lines; returns it.
    @discardableResult
    func waitForLogLine(containing needles: String..., skipping: Int = 0, timeout: Duration = .seconds(60)) async throws
        -> String
    {
        try await eventually("a parleyd stderr line containing \(needles)", timeout: timeout) {
            if let line = logLines.dropFirst(skipping).first(where: { line in needles.allSatisfy { line.contains($0) } }) {
                return line
            }
            if let status = process.exitStatus() {
                throw TestFailure("parleyd ended (\(status)) before logging \(needles); stderr:\n\(log)")
            }
            return nil
        }
    }

    func send(_ signal: Int32) { process.send(signal) }

    func waitForExit(timeout: Duration = .seconds(60)) async throws -> ExitStatus {
        try await process.waitForExit(timeout: timeout)
    }

    /// SIGKILL and reap.
    func kill() { process.kill() }

    /// One request over a fresh connection.
    func request(_ command: String, _ args: JSONValue = [:]) async throws -> JSONValue {
        try await ControlConnection.request(socket: socketPath, command, args)
    }
}

/// Runs `parleyctl` to completion.
func parleyctl(_ arguments: [String], in directory: TemporaryDirectory) async throws -> ToolResult {
    try await runTool(try Products.parleyctl(), arguments, in: directory)
}

/// A minimal configuration for tests: the store and socket go under `--state-dir`.
func testConfiguration(logLevel: String = "info", extra: String = "") -> String {
    """
    daemon:
      log_level: \(logLevel)
    store:
      synchronous: full
    \(extra)
    control:
      daemon_user_role: admin
      idle_timeout_seconds: 600

    """
}
