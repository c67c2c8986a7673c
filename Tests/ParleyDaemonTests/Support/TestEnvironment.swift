import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A failure of the harness itself (a process that would not start, a deadline passed), with
/// a message saying what was expected.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Where the built `parleyd` and `parleyctl` are: the products directory, which is the
/// directory of the running test bundle (`.build/debug/ParleyPackageTests.xctest`).
enum Products {
    static let directory: URL? = {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        var candidate = executable.resolvingSymlinksInPath().deletingLastPathComponent()
        // On platforms where the bundle is a directory, walk up out of it.
        for _ in 0..<4 {
            if FileManager.default.isExecutableFile(atPath: candidate.appendingPathComponent("parleyd").path) {
                return candidate
            }
            candidate = candidate.deletingLastPathComponent()
        }
        return nil
    }()

    /// The absolute path of a built executable; throws with what to do when it is missing.
    static func path(of name: String) throws -> String {
        let base = directory ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let path = base.appendingPathComponent(name).path
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw TestFailure(
                "\(name) is not built next to the test bundle (looked for \(path)) — run "
                    + "`swift build --product parleyd` and `swift build --product parleyctl` with the same "
                    + "--scratch-path before `swift test`")
        }
        return path
    }

    static func parleyd() throws -> String { try path(of: "parleyd") }
    static func parleyctl() throws -> String { try path(of: "parleyctl") }
}

/// The repository root (for `config/demo.yaml` and friends).
enum Repository {
    static let root: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // Support
        .deletingLastPathComponent()  // ParleyDaemonTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()

    static func file(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}

/// A fresh directory under /tmp with a short name (Unix socket paths are limited to 107
/// bytes), removed when the test is done unless `PARLEY_KEEP_TMP=1`.
final class TemporaryDirectory: Sendable {
    let path: String

    init(_ tag: String) throws {
        var template = Array("/tmp/pd-\(tag.prefix(8))-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else { throw TestFailure("mkdtemp failed: \(String(cString: strerror(errno)))") }
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func file(_ name: String) -> String { path + "/" + name }

    func write(_ name: String, _ text: String) throws -> String {
        let target = file(name)
        try text.write(toFile: target, atomically: true, encoding: .utf8)
        return target
    }

    deinit {
        if ProcessInfo.processInfo.environment["PARLEY_KEEP_TMP"] != "1" {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
}

/// Runs blocking work on a thread of its own, never on the cooperative pool (which has only
/// as many threads as cores, and other tests need it).
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 1 << 20
        thread.start()
    }
}

/// Polls `check` until it returns a value; throws `what` after `timeout`. Deadlines are
/// generous: they only turn a hang into a failure, they do not measure speed.
@discardableResult
func eventually<T>(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(25),
    _ check: () throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try check() { return value }
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(timeout) waiting for \(what())") }
        try await Task.sleep(for: interval)
    }
}

/// `eventually` for checks that await (a tool run, a socket request).
func eventuallyAsync<T>(
    _ what: @autoclosure () -> String, timeout: Duration = .seconds(60), every interval: Duration = .milliseconds(100),
    _ check: () async throws -> T?
) async throws -> T {
    let deadline = ContinuousClock.now + timeout
    while true {
        if let value = try await check() { return value }
        guard ContinuousClock.now < deadline else { throw TestFailure("timed out after \(timeout) waiting for \(what())") }
        try await Task.sleep(for: interval)
    }
}

/// CLOCK_MONOTONIC in microseconds, the clock of sd_notify's `MONOTONIC_USEC=`.
func monotonicMicroseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1000
}
