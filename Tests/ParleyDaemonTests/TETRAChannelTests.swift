import Foundation
import ParleyCore
import Testing

/// A radio channel on a TETRA terminal, end to end: `parley-sim tetra` answers PEI on a pty and
/// plays other units' traffic (a transmission, a status, a text, an emergency); parleyd drives
/// it from `tetra:` in the channel's configuration. The store (read with sqlite3) and the
/// control socket must show the talker's ISSI on the transmission, the unit's latest status
/// with its configured meaning, the text, and the emergency open until acknowledged; a
/// dispatcher keys the channel through the terminal.
@Suite(.serialized)
struct TETRAChannelTests {
    @Test func talkerStatusTextAndEmergencyFromATerminalAndKeyingThroughIt() async throws {
        let directory = try TemporaryDirectory("tetra")
        let state = directory.file("state")
        try FileManager.default.createDirectory(atPath: state + "/sim", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: state + "/tetra", withIntermediateDirectories: true)
        // The receiver audio: silence, enough for the run (8 kHz, S16LE).
        try Data(count: 8000 * 2 * 120).write(to: URL(fileURLWithPath: state + "/tetra/rx.raw"))
        let simulator = try Products.path(of: "parley-sim")
        let simLog = directory.file("tetra-sim.log")
        let sim = try ChildProcess.spawn(
            simulator,
            [
                "tetra", "--link", state + "/sim/tetra.pty", "--gssi", "1001", "--talker", "2001", "--talk-seconds", "2",
                "--status", "2002:0x8002", "--text", "2003:ON SCENE AT THE RED LION", "--emergency", "2004", "--delay", "1",
                "--gap", "2", "--hang-time", "3",
            ],
            stdout: simLog, stderr: simLog)
        defer { sim.kill() }
        let channels = """
            channels:
              - id: tetra1
                capture: { raw_file: tetra/rx.raw, rate: 8000 }
                transmit_audio: { raw_file: tetra/tx.raw }
                keying: { emergency_marker_seconds: 1 }
                tetra:
                  device: sim/tetra.pty
                  gssi: 1001
                  statuses:
                    - { value: 32770, meaning: at scene }
            """
        let config = try directory.write("parleyd.yaml", testConfiguration(extra: channels))
        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        func context() -> String {
            "--- sim:\n" + ((try? String(contentsOfFile: simLog, encoding: .utf8)) ?? "") + "\n--- parleyd:\n" + daemon.log
        }
        func query(_ sql: String) async throws -> [[String]] { try await DemoTelephonyTests.query(daemon.storePath, sql, in: directory) }
        /// Keys the channel as the dispatcher for `seconds` once it is quiet; returns the
        /// transmitted audio's loudest sample (the transmit audio is a raw file).
        func keyForAWhile(_ seconds: Double, priority: String = "dispatcher") async throws -> (peak: Int, samples: Int) {
            _ = try await eventuallyAsync("the channel to be quiet", timeout: .seconds(30), every: .milliseconds(250)) { () async throws -> Bool? in
                let reply = try await daemon.request("channels")
                let channel = reply.at("result", "channels")?.arrayValue?.first
                return channel?["receiving"] == .bool(false) && channel?["ptt"]?.stringValue == "up" ? true : nil
            }
            let before = (try? Data(contentsOf: URL(fileURLWithPath: state + "/tetra/tx.raw"))) ?? Data()
            let keyed = try await daemon.request("key", ["channel": "tetra1", "priority": .string(priority)])
            #expect(keyed.isOK && keyed.at("result", "outcome")?.stringValue == "keyed", "\(keyed)\n\(context())")
            try await Task.sleep(for: .seconds(seconds))
            let unkeyed = try await daemon.request("unkey", ["channel": "tetra1"])
            #expect(unkeyed.isOK, "\(unkeyed)")
            try await Task.sleep(for: .milliseconds(500))
            let after = (try? Data(contentsOf: URL(fileURLWithPath: state + "/tetra/tx.raw"))) ?? Data()
            // The file plugin may append or start again: look only at this keying's audio.
            let written = after.count >= before.count && after.prefix(before.count) == before ? after.dropFirst(before.count) : after[...]
            let samples = stride(from: written.startIndex, to: written.endIndex - 1, by: 2).map {
                Int(Int16(bitPattern: UInt16(written[$0]) | UInt16(written[$0 + 1]) << 8))
            }
            return (samples.map(abs).max() ?? 0, samples.count)
        }

        // All four items played: the emergency is the last.
        let open: [JSONValue]
        do {
            open = try await eventuallyAsync("the unit's emergency", timeout: .seconds(60), every: .milliseconds(250)) {
                let reply = try await daemon.request("emergencies")
                let open = reply.at("result", "emergencies")?.arrayValue ?? []
                return open.contains { $0["issi"]?.intValue == 2004 } ? open : nil
            }
        } catch {
            Issue.record("\(error)\n\(context())")
            return
        }
        #expect(open.allSatisfy { $0["channel"]?.stringValue == "tetra1" }, "\(open)")
        // Unit 2004's emergency status, its emergency call and the call's transmission are one
        // emergency (the repeats are events on it), raised by the status that came first.
        #expect(open.count == 1 && open.first?["source"]?.stringValue == "status", "\(open)")

        // The transmission by unit 2001 carries its ISSI as talker id.
        let talkers = try await eventuallyAsync("the transmission row", timeout: .seconds(30), every: .milliseconds(250)) {
            let rows = try await query("SELECT talker_id, direction, status FROM transmissions WHERE channel_id = 'tetra1' AND ended_at IS NOT NULL")
            return rows.isEmpty ? nil : rows
        }
        #expect(talkers.first == ["2001", "rx", "complete"], "\(talkers)\n\(context())")
        // Unit 2004's transmission on its emergency call carries the emergency flag; 2001's does not.
        let flags = try await eventuallyAsync("unit 2004's transmission", timeout: .seconds(30), every: .milliseconds(250)) {
            let rows = try await query(
                "SELECT talker_id, emergency FROM transmissions WHERE channel_id = 'tetra1' AND direction = 'rx' AND ended_at IS NOT NULL ORDER BY id")
            return rows.contains { $0.first == "2004" } ? rows : nil
        }
        #expect(flags.filter { $0.first == "2001" } == [["2001", "0"]] && flags.filter { $0.first == "2004" } == [["2004", "1"]],
                "\(flags)\n\(context())")

        // The unit's status, with its meaning; the text; the emergency status.
        let units = try await daemon.request("units")
        let listed = units.at("result", "units")?.arrayValue ?? []
        let unit2002 = listed.first { $0["issi"]?.intValue == 2002 }
        #expect(unit2002?["status"]?.intValue == 32770 && unit2002?["meaning"]?.stringValue == "at scene", "\(units)")
        #expect(listed.first { $0["issi"]?.intValue == 2004 }?["status"]?.intValue == 0, "\(units)")
        let texts = try await query("SELECT issi, direction, kind, text FROM sds_messages WHERE kind = 'text'")
        #expect(texts == [["2003", "in", "text", "ON SCENE AT THE RED LION"]], "\(texts)")

        // The channel is in emergency mode (the oldest open emergency) until all are acknowledged.
        let before = try await daemon.request("channels")
        #expect(before.at("result", "channels")?.arrayValue?.first?["emergency"]?.intValue == open.first?["id"]?.intValue, "\(before)")

        // A dispatcher's transmission in emergency mode carries the channel marker (a 1750 Hz
        // beep every second here; the dispatcher has no microphone, so the rest is silence).
        let marked = try await keyForAWhile(2.5)
        #expect(marked.samples > 8000 && marked.peak > 5000, "the marker in emergency mode: \(marked)\n\(context())")

        // Acknowledge every open emergency: none left, each audited.
        for emergency in open {
            let id = try #require(emergency["id"]?.intValue)
            let acked = try await daemon.request("ack", ["emergency": .int(id)])
            #expect(acked.isOK, "\(acked)")
        }
        let after = try await daemon.request("emergencies")
        #expect(after.at("result", "emergencies")?.arrayValue?.isEmpty == true, "\(after)")
        let calm = try await daemon.request("channels")
        #expect(calm.at("result", "channels")?.arrayValue?.first?["emergency"] == nil, "out of emergency mode: \(calm)")
        let acks = try await query("SELECT count(*) FROM audit WHERE command = 'ack' AND result = 'ok'")
        #expect(acks == [[String(open.count)]])

        // A text to a unit goes out through the terminal (AT+CMGS) and is stored as sent.
        let sds = try await daemon.request("sds", ["issi": 2003, "text": "RETURN TO STATION"])
        #expect(sds.isOK && sds.at("result", "channel")?.stringValue == "tetra1", "\(sds)\n\(context())")
        try await eventually("the terminal to get the text", timeout: .seconds(10), every: .milliseconds(200)) {
            ((try? String(contentsOfFile: simLog, encoding: .utf8)) ?? "").contains("host sent to 2003") ? true : nil
        }
        let out = try await query("SELECT issi, direction, text, sent_by FROM sds_messages WHERE direction = 'out'")
        #expect(out == [["2003", "out", "RETURN TO STATION", "root"]], "\(out)")

        // Out of emergency mode a keying carries no marker (silence: no microphone).
        let plain = try await keyForAWhile(2.5)
        #expect(plain.samples > 8000 && plain.peak == 0, "no marker after the acknowledgement: \(plain)")
        do {
            let sent = try await eventuallyAsync("the transmitted row", timeout: .seconds(20), every: .milliseconds(250)) {
                let rows = try await query("SELECT direction, transmitted_by FROM transmissions WHERE direction = 'tx' AND ended_at IS NOT NULL")
                return rows.isEmpty ? nil : rows
            }
            #expect(sent.first == ["tx", "operator:root"], "\(sent)")
        } catch {
            let rows = try await query("SELECT * FROM transmissions")
            Issue.record("\(error)\n\(rows)\n\(context())")
        }

        // The terminal's call set-up and transmit demands follow the keying priority: a
        // dispatcher's are high (demand 1, call priority 0), an emergency keying's emergency
        // (demand 3, call priority 15), whichever of the two the call's state needs.
        func simLines() -> [String] {
            ((try? String(contentsOfFile: simLog, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }
        func demands(_ lines: some Sequence<String>) -> [String] {
            lines.filter { $0.contains("host set up the group call") || $0.contains("host transmits on call") }
        }
        let dispatcherDemands = demands(simLines())
        #expect(!dispatcherDemands.isEmpty && dispatcherDemands.allSatisfy { $0.hasSuffix("call priority 0) and transmits") || $0.hasSuffix("(priority 1)") },
                "\(dispatcherDemands)")
        let linesBefore = simLines().count
        _ = try await keyForAWhile(1.5, priority: "emergency")
        let emergencyDemands = demands(simLines().dropFirst(linesBefore))
        #expect(emergencyDemands.count == 1 && emergencyDemands.allSatisfy { $0.hasSuffix("call priority 15) and transmits") || $0.hasSuffix("(priority 3)") },
                "\(emergencyDemands)\n\(context())")
        #expect(!daemon.log.contains("PTT device down"), "\(context())")
    }
}
