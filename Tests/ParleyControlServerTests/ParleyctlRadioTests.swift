import Foundation
import ParleyControl
import ParleyCore
import Testing

/// Runs the built `parleyctl` against a control server whose radio is the stand-in channel set.
@Suite("parleyctl: radio commands")
struct ParleyctlRadioTests {
    typealias Run = ParleyctlTests.Run

    /// `parleyctl arguments…` in `directory` (the test's own when nil), as `uid` when given.
    static func parleyctl(_ arguments: [String], in directory: String? = nil, asUID uid: UInt32? = nil) async throws -> Run {
        let binary = ParleyctlTests.binary
        return try await blocking {
            let process = Process()
            if let uid {
                process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
                process.arguments = ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", binary.path] + arguments
            } else {
                process.executableURL = binary
                process.arguments = arguments
            }
            if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
            var environment = ProcessInfo.processInfo.environment
            environment.removeValue(forKey: "PARLEY_SOCKET")
            process.environment = environment
            let out = Pipe()
            let err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let stdout = out.fileHandleForReading.readDataToEndOfFile()
            let stderr = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return Run(
                status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderr, as: UTF8.self))
        }
    }

    @Test func channelsPrintsOneLinePerChannelOrJSON() async throws {
        try await withRadioDaemon(StandInRadio()) { daemon in
            let socket = ["--socket", daemon.socketPath]
            let human = try await Self.parleyctl(["channels"] + socket)
            #expect(human.status == 0, "\(human.stderr)")
            let lines = human.stdout.split(separator: "\n").map(String.init)
            #expect(lines.count == 3, "\(human.stdout)")
            #expect(lines.first?.hasPrefix("CHANNEL") == true)
            #expect(lines.dropFirst().first?.contains("receiving") == true)
            #expect(lines.last?.contains("operator:bob (emergency)") == true, "\(human.stdout)")
            #expect(lines.last?.contains("hidraw gone") == true)
            let json = try await Self.parleyctl(["--json", "channels"] + socket)
            #expect(json.status == 0)
            let value = try ControlJSON.parse(json.stdout.trimmingCharacters(in: .newlines))
            #expect(value.at("channels")?.canonicalString.contains(#""keyed_by":"operator:bob""#) == true)
        }
        try await withRadioDaemon(nil) { daemon in
            let none = try await Self.parleyctl(["channels", "--socket", daemon.socketPath])
            #expect(none.status == 0)
            #expect(none.stdout == "no radio channels are configured\n")
        }
    }

    @Test func keyAndUnkeyReportTheOutcomeAndARefusalExitsOne() async throws {
        let radio = StandInRadio()
        try await withRadioDaemon(radio) { daemon in
            let socket = ["--socket", daemon.socketPath]
            let keyed = try await Self.parleyctl(["key", "north", "--for", "30", "--priority", "emergency"] + socket)
            #expect(keyed.status == 0, "\(keyed.stderr)")
            #expect(keyed.stdout == "keyed north as operator:root (emergency) for 30.0s\n")

            let refused = try await Self.parleyctl(["key", "south"] + socket)
            #expect(refused.status == 1)
            #expect(refused.stdout.isEmpty)
            #expect(refused.stderr.contains("key refused on south: floor_held — operator:bob (emergency) holds the floor"), "\(refused.stderr)")
            let refusedJSON = try await Self.parleyctl(["key", "south", "--json"] + socket)
            #expect(refusedJSON.status == 1)
            #expect(try ControlJSON.parse(refusedJSON.stdout.trimmingCharacters(in: .newlines))["outcome"] == "refused")

            let notHeld = try await Self.parleyctl(["unkey", "south"] + socket)
            #expect(notHeld.status == 1)
            #expect(notHeld.stderr.contains("operator:bob holds the floor — give --force to end it"))
            let forced = try await Self.parleyctl(["unkey", "south", "--force"] + socket)
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(forced.stdout == "unkeyed south (was held by operator:bob) after 1.5s\n")
            let own = try await Self.parleyctl(["unkey", "north"] + socket)
            #expect(own.stdout == "unkeyed north after 1.5s\n")

            #expect(await radio.calls == [
                .key(channel: "north", keyer: Keyer(id: "operator:root", priority: .emergency), duration: .seconds(30)),
                .key(channel: "south", keyer: Keyer(id: "operator:root", priority: .dispatcher), duration: nil),
                .key(channel: "south", keyer: Keyer(id: "operator:root", priority: .dispatcher), duration: nil),
                .unkey(channel: "south", requester: "operator:root", force: false),
                .unkey(channel: "south", requester: "operator:root", force: true),
                .unkey(channel: "north", requester: "operator:root", force: false),
            ])
        }
    }

    @Test func recallListsPlaysAndExportsToAnAbsolutePath() async throws {
        let radio = StandInRadio()
        try await withRadioDaemon(radio) { daemon in
            let socket = ["--socket", daemon.socketPath]
            let list = try await Self.parleyctl(["recall", "north", "-n", "3"] + socket)
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stdout.split(separator: "\n").map(String.init) == [
                "#12 north rx 2026-11-23 21:40:01Z 4.2s peak -6.1 dBFS complete EMERGENCY talker 2041 incident 3 recordings/north/2026-11-23/214001-12.opus",
                "#11 north tx 2026-11-23 21:23:20Z 2.0s peak -3.0 dBFS interrupted by operator:alice recordings/north/2026-11-23/212320-11.opus",
                "#10 north rx 2026-11-23 21:06:40Z - recording recordings/north/2026-11-23/210640-10.opus",
            ])
            let json = try await Self.parleyctl(["recall", "north", "--json"] + socket)
            let value = try ControlJSON.parse(json.stdout.trimmingCharacters(in: .newlines))
            #expect(value["channel"] == "north")
            let empty = try await Self.parleyctl(["recall", "south"] + socket)
            #expect(empty.stdout == "no recorded transmissions on south\n")

            let play = try await Self.parleyctl(["recall", "north", "--play", "12"] + socket)
            #expect(play.status == 0, "\(play.stderr)")
            #expect(play.stdout == "played #12 to plughw:CARD=North,DEV=0 (4.2s)\n")
            // The daemon writes the file from its own working directory: --to is sent absolute.
            let export = try await Self.parleyctl(["recall", "north", "--export", "11", "--to", "./out.wav"] + socket, in: "/tmp")
            #expect(export.status == 0, "\(export.stderr)")
            #expect(export.stdout == "exported #11 to /tmp/out.wav (2.0s)\n")
            let rejected = try await Self.parleyctl(["recall", "north", "--export", "11", "--to", "/root/out.wav"] + socket)
            #expect(rejected.status == 3)
            #expect(rejected.stderr.contains("rejected: cannot write /root/out.wav"))

            #expect(await radio.calls == [
                .recall(channel: "north", limit: 3), .recall(channel: "north", limit: 10), .recall(channel: "south", limit: 10),
                .play(12), .export(11, path: "/tmp/out.wav"), .export(11, path: "/root/out.wav"),
            ])
        }
    }

    @Test func daemonErrorsExitThreeAndUsageErrorsTwo() async throws {
        let radio = StandInRadio()
        try await withRadioDaemon(radio) { daemon in
            let socket = ["--socket", daemon.socketPath]
            let unknown = try await Self.parleyctl(["key", "west"] + socket)
            #expect(unknown.status == 3)
            #expect(unknown.stderr.contains("not_found: channel 'west' is not configured"))
            let forbidden = try await Self.parleyctl(["key", "north"] + socket, asUID: TestDaemon.engineerUID)
            #expect(forbidden.status == 3, "\(forbidden.stderr)")
            #expect(forbidden.stderr.contains("forbidden: key needs the dispatcher role"))
            let engineerList = try await Self.parleyctl(["recall", "north", "-n", "1"] + socket, asUID: TestDaemon.engineerUID)
            #expect(engineerList.status == 0, "an engineer may list recordings: \(engineerList.stderr)")

            for usage in [
                ["key", "north", "--for", "0"], ["key", "north", "--for", "3601"], ["key", "north", "--priority", "loud"],
                ["recall", "north", "--export", "3"], ["recall", "north", "--to", "x.wav"],
                ["recall", "north", "--play", "3", "--export", "3", "--to", "x.wav"], ["recall", "north", "-n", "0"],
                ["recall", "north", "-n", "5", "--play", "3"], ["unkey"],
            ] {
                let run = try await Self.parleyctl(usage + socket)
                #expect(run.status == 2, "\(usage): \(run.stderr)")
            }
            #expect(await radio.calls == [
                .key(channel: "west", keyer: Keyer(id: "operator:root", priority: .dispatcher), duration: nil),
                .recall(channel: "north", limit: 1),
            ])
        }
        let missing = try await Self.parleyctl(["channels", "--socket", "/tmp/parley-no-such-dir/control.sock"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("is parleyd running?"))
    }
}
