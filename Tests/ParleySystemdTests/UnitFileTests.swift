import Foundation
import Testing

/// Checks systemd/parleyd.service with systemd's own tools. These are required, not
/// optional: without `systemd-analyze` the tests fail and say so.
struct UnitFileTests {
    static let systemdAnalyze = "/usr/bin/systemd-analyze"
    static let maximumExposure = 2.0

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Tests/ParleySystemdTests/UnitFileTests.swift → repository root.
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let unitFile = repositoryRoot.appendingPathComponent("systemd/parleyd.service")

    @Test func systemdAnalyzeVerifyAcceptsTheUnit() throws {
        let unit = try Self.unitWithBuiltParleyd()
        defer { try? FileManager.default.removeItem(at: unit.deletingLastPathComponent()) }
        let result = try Self.run(Self.systemdAnalyze, ["verify", unit.path])
        #expect(result.status == 0, "systemd-analyze verify failed:\n\(result.output)")
        let unexpected = result.output.split(separator: "\n").filter { !Self.isKnownHostLine($0) }
        #expect(unexpected.isEmpty, "systemd-analyze verify complained:\n\(unexpected.joined(separator: "\n"))")
    }

    @Test func offlineSecurityExposureIsAtMostTwo() throws {
        let unit = try Self.unitWithBuiltParleyd()
        defer { try? FileManager.default.removeItem(at: unit.deletingLastPathComponent()) }
        let result = try Self.run(Self.systemdAnalyze, ["security", "--offline=true", "--no-pager", unit.path])
        #expect(result.status == 0, "systemd-analyze security failed:\n\(result.output)")
        let exposure = try #require(
            Self.overallExposure(in: result.output),
            "no 'Overall exposure level' line in:\n\(result.output)"
        )
        #expect(exposure <= Self.maximumExposure, "exposure \(exposure) > \(Self.maximumExposure):\n\(result.output)")
    }

    @Test(arguments: [
        "Type=notify",
        "NotifyAccess=main",
        "ExecStart=/usr/local/bin/parleyd --config /etc/parley/parley.yaml",
        "ExecReload=/bin/kill -HUP $MAINPID",
        "WatchdogSec=30",
        "User=parley",
        "Group=parley",
        "SupplementaryGroups=audio dialout",
        "StateDirectory=parley",
        "RuntimeDirectory=parley",
        "ConfigurationDirectory=parley",
        "KillSignal=SIGTERM",
    ])
    func unitDeclaresTheContractParleydRelies(on line: String) throws {
        let lines = try String(contentsOf: Self.unitFile, encoding: .utf8).split(separator: "\n").map(String.init)
        #expect(lines.contains(line))
    }

    @Test func pttIsResetAfterEveryExitWithTheSameConfiguration() throws {
        let lines = try String(contentsOf: Self.unitFile, encoding: .utf8).split(separator: "\n").map(String.init)
        let start = try #require(lines.first { $0.hasPrefix("ExecStart=") })
        let stopPost = try #require(lines.first { $0.hasPrefix("ExecStopPost=") })
        #expect(stopPost.hasSuffix("--release-ptt"))
        // The reset must read the file the daemon ran with.
        #expect(stopPost.contains(start.dropFirst("ExecStart=".count)))
    }

    @Test(arguments: [
        ("→ Overall exposure level for parleyd.service: 1.3 OK 🙂", 1.3 as Double?),
        ("Overall exposure level for /tmp/x/parleyd.service: 9.6 UNSAFE 😨", 9.6),
        ("Overall exposure level for parleyd.service: 10", 10.0),
        ("no such line", nil),
    ])
    func exposureLineParses(line: String, expected: Double?) {
        #expect(Self.overallExposure(in: "header\n\(line)\n") == expected)
    }

    // MARK: - Helpers

    /// Lines `verify` may print on a build host that is not a Parley machine: the
    /// `parley` user and group do not exist here. Anything else fails the test.
    static func isKnownHostLine(_ line: Substring) -> Bool {
        let mentionsOurIdentity = line.contains("'parley'") || line.contains("\"parley\"") || line.contains(" parley ")
        let saysMissing = line.contains("does not exist") || line.contains("not found") || line.contains("Failed to resolve")
        return mentionsOurIdentity && saysMissing
    }

    static func overallExposure(in output: String) -> Double? {
        for line in output.split(separator: "\n") {
            guard let range = line.range(of: "Overall exposure level for ") else { continue }
            let afterName = line[range.upperBound...]
            guard let colon = afterName.lastIndex(of: ":") else { return nil }
            let number = afterName[afterName.index(after: colon)...].split(separator: " ").first
            return number.flatMap { Double($0) }
        }
        return nil
    }

    /// The directory holding this package's build products: where the running test
    /// binary lives (`.build/<triple>/debug/`).
    static func productsDirectory() throws -> URL {
        let executable = Bundle.main.executableURL ?? URL(fileURLWithPath: CommandLine.arguments[0])
        return executable.resolvingSymlinksInPath().deletingLastPathComponent()
    }

    /// Copies the unit into a fresh temporary directory with ExecStart (and any other
    /// mention of the installed path) pointing at the parleyd this package built, which
    /// `verify` requires to exist and be executable.
    static func unitWithBuiltParleyd() throws -> URL {
        guard FileManager.default.isExecutableFile(atPath: systemdAnalyze) else {
            throw Failure(description: "\(systemdAnalyze) not found: install systemd (apt-get install systemd) to check the unit file")
        }
        let products = try productsDirectory()
        let parleyd = products.appendingPathComponent("parleyd")
        guard FileManager.default.isExecutableFile(atPath: parleyd.path) else {
            throw Failure(description: "no parleyd in \(products.path): build it first (swift build --product parleyd, or swift build --build-tests)")
        }
        let text = try String(contentsOf: unitFile, encoding: .utf8)
        guard text.contains("/usr/local/bin/parleyd") else {
            throw Failure(description: "\(unitFile.path) no longer mentions /usr/local/bin/parleyd; update this test")
        }
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("parley-unit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let unit = directory.appendingPathComponent("parleyd.service")
        try text.replacingOccurrences(of: "/usr/local/bin/parleyd", with: parleyd.path)
            .write(to: unit, atomically: true, encoding: .utf8)
        return unit
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["SYSTEMD_COLORS"] = "0"
        environment["SYSTEMD_PAGER"] = ""
        environment["LC_ALL"] = "C.UTF-8"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
