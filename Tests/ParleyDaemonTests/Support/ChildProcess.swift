import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// How a child process ended.
enum ExitStatus: Equatable, Sendable, CustomStringConvertible {
    case exited(Int32)
    case signalled(Int32)

    init(waitStatus status: Int32) {
        // WIFEXITED / WEXITSTATUS / WTERMSIG are macros Swift does not import.
        if status & 0x7f == 0 {
            self = .exited((status >> 8) & 0xff)
        } else {
            self = .signalled(status & 0x7f)
        }
    }

    var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signalled(let signal): "killed by signal \(signal)"
        }
    }
}

/// A process started with `posix_spawn`, stdin from /dev/null and stdout/stderr appended to
/// files. It is SIGKILLed and reaped when dropped, so no test leaves one behind.
final class ChildProcess: Sendable {
    let pid: pid_t
    let executable: String
    private let status = Mutex<ExitStatus?>(nil)

    private init(pid: pid_t, executable: String) {
        self.pid = pid
        self.executable = executable
    }

    /// Environment variables a test must set itself, never inherit (the test runner may run
    /// under systemd or a terminal multiplexer).
    static let scrubbed: Set<String> = [
        "NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID", "JOURNAL_STREAM", "LISTEN_FDS", "LISTEN_PID",
        "LISTEN_FDNAMES", "PARLEY_SOCKET", "INVOCATION_ID",
    ]

    static func environment(_ overrides: [String: String]) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment.filter { !scrubbed.contains($0.key) }
        environment.merge(overrides) { _, new in new }
        return environment
    }

    static func spawn(
        _ executable: String, _ arguments: [String], environment overrides: [String: String] = [:],
        stdout: String? = nil, stderr: String? = nil
    ) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdout ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderr ?? "/dev/null", O_WRONLY | O_CREAT | O_APPEND, 0o644)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // The daemon starts as it would from a shell: nothing blocked, the usual dispositions.
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGHUP, SIGINT, SIGTERM, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] =
            Self.environment(overrides).map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid = pid_t()
        let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else {
            throw TestFailure("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, executable: executable)
    }

    /// The exit status if the process has ended (reaping it), else nil.
    func exitStatus() -> ExitStatus? {
        status.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            let reaped = waitpid(pid, &raw, WNOHANG)
            if reaped == pid { status = ExitStatus(waitStatus: raw) }
            return status
        }
    }

    var isRunning: Bool { exitStatus() == nil }

    /// Sends `signal` unless the process has already been reaped (its pid may be reused).
    func send(_ signal: Int32) {
        status.withLock { status in
            if status == nil { _ = Glibc.kill(pid, signal) }
        }
    }

    /// Waits for the process to end; throws after `timeout` (the process is left running:
    /// the caller's `kill()` cleans up).
    func waitForExit(timeout: Duration = .seconds(60)) async throws -> ExitStatus {
        try await eventually("\(executable) (pid \(pid)) to exit", timeout: timeout, every: .milliseconds(10)) {
            exitStatus()
        }
    }

    /// SIGKILL and reap; safe to call any number of times.
    func kill() {
        status.withLock { status in
            guard status == nil else { return }
            _ = Glibc.kill(pid, SIGKILL)
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
            status = ExitStatus(waitStatus: raw)
        }
    }

    deinit { kill() }
}

/// The outcome of running a tool to completion.
struct ToolResult: Sendable, CustomStringConvertible {
    var status: ExitStatus
    var stdout: String
    var stderr: String

    var description: String { "\(status)\n--- stdout:\n\(stdout)--- stderr:\n\(stderr)" }
}

/// Runs `executable` to completion with its output captured in files under `directory`.
func runTool(
    _ executable: String, _ arguments: [String], in directory: TemporaryDirectory,
    environment: [String: String] = [:], timeout: Duration = .seconds(120)
) async throws -> ToolResult {
    let tag = UUID().uuidString.prefix(8)
    let outPath = directory.file("tool-\(tag).out")
    let errPath = directory.file("tool-\(tag).err")
    let process = try ChildProcess.spawn(
        executable, arguments, environment: environment, stdout: outPath, stderr: errPath)
    defer { process.kill() }
    let status = try await process.waitForExit(timeout: timeout)
    let out = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
    let err = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
    try? FileManager.default.removeItem(atPath: outPath)
    try? FileManager.default.removeItem(atPath: errPath)
    return ToolResult(status: status, stdout: out, stderr: err)
}
