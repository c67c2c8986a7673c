import Foundation
import ParleyCore
import Testing

/// Telephony end to end with the real binaries: `parley-sim voice-modem` plays three callers (a
/// 101 caller with caller ID, a withheld 999 caller a little later, a textphone user) and
/// `parley-sim gsm-modem` a texter whose SMS arrives in two parts announced out of order;
/// parleyd drives the simulated modems through ptys. Over the control socket the 999 call must
/// be queued ahead of the earlier 101 call, answering the textphone call must turn its Baudot
/// tones into a stored `text.received`, the SMS must be one message, and `hangup` must end a call;
/// the store (read with the sqlite3 CLI) must hold the calls, the texts with their raw codes,
/// and both SMS parts in the ledger.
@Suite(.serialized)
struct DemoTelephonyTests {
    static let ttyText = "HELLO I NEED HELP AT 12 HIGH ST GA"
    static let smsText = "HELP there is a man with a knife outside the Red Lion on High Street, I cannot talk, please send someone"

    static let telephony = """
        telephony:
          agency: Example Police
          lines:
            - { id: l101, service: "101", modem: { type: voice, device: sim/l101.pty } }
            - { id: l999, service: "999", modem: { type: voice, device: sim/l999.pty } }
            - { id: ltext, service: direct-textphone, modem: { type: voice, device: sim/ltext.pty } }
            - { id: sms, service: sms, modem: { type: gsm, device: sim/sms.pty } }
        """

    @Test func simulatedCallersAreQueuedAnsweredDecodedAndStored() async throws {
        let directory = try TemporaryDirectory("tel")
        let state = directory.file("state")
        try FileManager.default.createDirectory(atPath: state + "/sim", withIntermediateDirectories: true)
        let simulator = try Products.path(of: "parley-sim")
        var sims: [(name: String, process: ChildProcess)] = []
        defer { for sim in sims { sim.process.kill() } }
        func start(_ name: String, _ arguments: [String]) throws {
            let log = directory.file("\(name)-sim.log")
            sims.append((name, try ChildProcess.spawn(simulator, arguments, stdout: log, stderr: log)))
        }
        // The 999 caller rings a few seconds after the 101 caller, and is still answered first.
        try start("l101", ["voice-modem", "--link", state + "/sim/l101.pty", "--cli", "01632960123", "--name", "ALICE SMITH", "--delay", "1"])
        try start("l999", ["voice-modem", "--link", state + "/sim/l999.pty", "--withheld", "--delay", "5"])
        try start("ltext", ["voice-modem", "--link", state + "/sim/ltext.pty", "--cli", "01632960999", "--tty", Self.ttyText, "--delay", "1"])
        try start("sms", ["gsm-modem", "--link", state + "/sim/sms.pty", "--from", "+447700900123", "--text", Self.smsText, "--delay", "1"])

        let config = try directory.write("parleyd.yaml", testConfiguration(extra: Self.telephony))
        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()

        func context(_ seen: String = "") -> String {
            let logs = sims.map { sim in
                "--- \(sim.name)-sim.log:\n" + ((try? String(contentsOfFile: directory.file("\(sim.name)-sim.log"), encoding: .utf8)) ?? "(none)")
            }
            return "seen: \(seen)\n" + logs.joined(separator: "\n") + "\n--- parleyd stderr:\n\(daemon.log)"
        }
        func calls() async throws -> (queue: [JSONValue], active: [JSONValue]) {
            let reply = try await daemon.request("calls")
            guard reply.isOK else { throw TestFailure("calls failed: \(reply)\n\(context())") }
            return (reply.at("result", "queue")?.arrayValue ?? [], reply.at("result", "active")?.arrayValue ?? [])
        }
        func line(_ call: JSONValue) -> String { call["line"]?.stringValue ?? "?" }

        // All three voice calls queued: the 999 call first although it rang last.
        var queue: [JSONValue] = []
        do {
            queue = try await eventuallyAsync("the three voice calls to be queued", timeout: .seconds(120), every: .milliseconds(500)) {
                let (queue, _) = try await calls()
                return Set(queue.map(line)).isSuperset(of: ["l101", "l999", "ltext"]) ? queue : nil
            }
        } catch {
            Issue.record("\(error)\n\(context(String(describing: try? await calls())))")
            return
        }
        #expect(queue.first.map(line) == "l999", "the 999 call heads the queue: \(queue)")
        let call999 = try #require(queue.first { line($0) == "l999" })
        let call101 = try #require(queue.first { line($0) == "l101" })
        let callText = try #require(queue.first { line($0) == "ltext" })
        #expect(call999["priority"]?.stringValue == "emergency", "\(call999)")
        #expect(call999["cli_absence"]?.stringValue == "withheld", "\(call999)")
        #expect(call101["service"]?.stringValue == "101", "\(call101)")
        #expect(queue.firstIndex { line($0) == "l999" }! < queue.firstIndex { line($0) == "l101" }!, "\(queue)")

        // Answer the head (the 999 call).
        let answered = try await daemon.request("answer")
        #expect(answered.isOK, "\(answered)\n\(context())")
        #expect(answered.at("result", "call", "line")?.stringValue == "l999", "\(answered)")
        #expect(answered.at("result", "call", "state")?.stringValue == "answered", "\(answered)")

        // The 101 caller's number arrived by caller ID (checked after the wait, when it surely has).
        let cli101 = try await eventuallyAsync("the 101 caller's number", every: .milliseconds(500)) { () async throws -> String? in
            let all = try await calls()
            return (all.queue + all.active).first { line($0) == "l101" }?["cli"]?.stringValue
        }
        #expect(cli101 == "01632960123")

        // Answer the textphone call (the 999 call goes on hold): its TTY text is decoded and stored.
        let textCallID = try #require(callText["id"]?.intValue)
        let answeredText = try await daemon.request("answer", ["call": .int(textCallID)])
        #expect(answeredText.isOK, "\(answeredText)\n\(context())")
        func received(on lineID: String) async throws -> [JSONValue] {
            let reply = try await daemon.request("events", ["kind": "text.received", "limit": 1000])
            return (reply.at("result", "events")?.arrayValue ?? []).filter { $0.at("payload", "line")?.stringValue == lineID }
        }
        do {
            let tty = try await eventuallyAsync("the textphone text", timeout: .seconds(90), every: .milliseconds(500)) {
                () async throws -> String? in
                let text = try await received(on: "ltext").compactMap { $0.at("payload", "text")?.stringValue }.joined()
                return text.contains(Self.ttyText) ? text : nil
            }
            #expect(tty.contains(Self.ttyText))
        } catch {
            Issue.record("\(error)\n\(context(String(describing: try? await received(on: "ltext"))))")
        }

        // Reply in TTY tones: sent through AT+VTX (returns when the modem finished), stored
        // as an outgoing message on the caller's medium; the simulated caller decodes it.
        let reply = try await daemon.request("text", ["call": .int(textCallID), "text": "POLICE HERE GA"])
        #expect(reply.isOK, "\(reply)\n\(context())")
        #expect(reply.at("result", "medium")?.stringValue == "tty45", "\(reply)")
        #expect(reply.at("result", "text")?.stringValue == "POLICE HERE GA", "\(reply)")

        // The SMS: two parts read out of order, one message on an SMS call.
        do {
            let sms = try await eventuallyAsync("the SMS", timeout: .seconds(90), every: .milliseconds(500)) {
                () async throws -> [JSONValue]? in
                let events = try await received(on: "sms")
                return events.isEmpty ? nil : events
            }
            #expect(sms.count == 1, "one message, not one per part: \(sms)")
            #expect(sms.first?.at("payload", "text")?.stringValue == Self.smsText, "\(sms)")
            #expect(sms.first?.at("payload", "medium")?.stringValue == "sms", "\(sms)")
            let all = try await calls()
            let smsCalls = (all.queue + all.active).filter { $0["service"]?.stringValue == "sms" }
            #expect(smsCalls.count == 1 && smsCalls.first?["messages"]?.intValue == 1, "\(all)")
        } catch {
            Issue.record("\(error)\n\(context(String(describing: try? await received(on: "sms"))))")
        }

        // Hang up the 999 call from our side.
        let callID999 = try #require(call999["id"]?.intValue)
        let hungUp = try await daemon.request("hangup", ["call": .int(callID999)])
        #expect(hungUp.isOK, "\(hungUp)\n\(context())")
        #expect(hungUp.at("result", "call", "state")?.stringValue == "ended", "\(hungUp)")
        #expect(hungUp.at("result", "call", "end_reason")?.stringValue == "hung_up", "\(hungUp)")
        // The simulated modem was put on hook (ATH).
        do {
            try await eventually("the 999 modem to be hung up", every: .milliseconds(200)) {
                ((try? String(contentsOfFile: directory.file("l999-sim.log"), encoding: .utf8)) ?? "").contains("hung up by the host") ? true : nil
            }
        } catch {
            Issue.record("\(error)\n\(context())")
        }

        // The store, read as an engineer would.
        let store = daemon.storePath
        let rows999 = try await Self.query(store, "SELECT state, end_reason, cli_absence FROM calls WHERE line_id = 'l999'", in: directory)
        #expect(rows999 == [["ended", "hung_up", "withheld"]], "\(rows999)")
        // The answered call's audio is one Ogg Opus file whose SHA-256 is on the row.
        let recording = try await Self.query(store, "SELECT recording_path, recording_sha256 FROM calls WHERE line_id = 'l999'", in: directory)
        if let row = recording.first, row.count == 2, !row[0].isEmpty {
            let sum = try await runTool("/usr/bin/sha256sum", [row[0]], in: directory)
            #expect(sum.stdout.hasPrefix(row[1]) && row[1].count == 64, "\(recording) \(sum)")
            let info = try await runTool("/usr/bin/opusinfo", [row[0]], in: directory)
            #expect(info.status == .exited(0), "opusinfo reads the call recording: \(info)")
        } else {
            Issue.record("the 999 call has no recording: \(recording)")
        }
        let lines = try await Self.query(store, "SELECT DISTINCT line_id FROM calls ORDER BY line_id", in: directory)
        #expect(lines == [["l101"], ["l999"], ["ltext"], ["sms"]], "\(lines)")
        let texts = try await Self.query(
            store, "SELECT c.line_id, t.direction, t.medium, t.raw, t.text FROM text_messages t JOIN calls c ON c.id = t.call_id ORDER BY t.id",
            in: directory)
        let ttyRows = texts.filter { $0.first == "ltext" && $0[1] == "in" }
        #expect(!ttyRows.isEmpty && ttyRows.allSatisfy { $0[2] == "tty45" && !$0[3].isEmpty }, "\(texts)")
        #expect(ttyRows.map { $0[4] }.joined().contains(Self.ttyText), "\(texts)")
        let replies = texts.filter { $0.first == "ltext" && $0[1] == "out" }
        #expect(replies.map { $0[4] } == ["POLICE HERE GA"] && replies.allSatisfy { $0[2] == "tty45" && !$0[3].isEmpty }, "\(texts)")
        let smsRows = texts.filter { $0.first == "sms" }
        #expect(smsRows.count == 1 && smsRows.first?[2] == "sms" && smsRows.first?[4] == Self.smsText, "\(texts)")
        #expect(smsRows.first.map { !$0[3].isEmpty } == true, "the PDUs are kept raw: \(texts)")
        let parts = try await Self.query(
            store, "SELECT count(*), count(DISTINCT pdu), count(message_id) FROM sms_parts WHERE line_id = 'sms'", in: directory)
        #expect(parts == [["2", "2", "2"]], "two parts, both tied to the message: \(parts)")
    }

    static let v21Text = "Hello, I am deaf. Someone is trying to get in GA"
    static let smsReply = "Police here. Officers are on their way to the Red Lion now. If you can, stay inside, lock the door and keep this phone with you. Text us again if anything changes."

    /// The other deaf-text paths end to end: a V.21 textphone caller (decoded from the call's
    /// audio by the same receiver as TTY, answered in V.21 tones the simulated caller decodes),
    /// a reply to an SMS long enough to need two parts (AT+CMGS twice, seen by the simulated
    /// modem), and a call on a text-relay line stored with contact channel text-relay.
    @Test func v21TextphoneSMSReplyAndRelayCall() async throws {
        let directory = try TemporaryDirectory("tel2")
        let state = directory.file("state")
        try FileManager.default.createDirectory(atPath: state + "/sim", withIntermediateDirectories: true)
        let simulator = try Products.path(of: "parley-sim")
        var sims: [(name: String, process: ChildProcess)] = []
        defer { for sim in sims { sim.process.kill() } }
        func start(_ name: String, _ arguments: [String]) throws {
            let log = directory.file("\(name)-sim.log")
            sims.append((name, try ChildProcess.spawn(simulator, arguments, stdout: log, stderr: log)))
        }
        func simLog(_ name: String) -> String {
            (try? String(contentsOfFile: directory.file("\(name)-sim.log"), encoding: .utf8)) ?? ""
        }
        try start("lv21", ["voice-modem", "--link", state + "/sim/lv21.pty", "--cli", "01632960777", "--v21", Self.v21Text, "--delay", "1"])
        try start("relay", ["voice-modem", "--link", state + "/sim/relay.pty", "--cli", "18000", "--delay", "1", "--line-noise"])
        try start("sms", ["gsm-modem", "--link", state + "/sim/sms.pty", "--from", "+447700900123", "--text", "Help, I cannot talk", "--delay", "1"])
        let telephony = """
            telephony:
              lines:
                - { id: lv21, service: direct-textphone, modem: { type: voice, device: sim/lv21.pty } }
                - { id: relay, service: text-relay, modem: { type: voice, device: sim/relay.pty } }
                - { id: sms, service: sms, modem: { type: gsm, device: sim/sms.pty } }
            """
        let config = try directory.write("parleyd.yaml", testConfiguration(extra: telephony))
        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        func context() -> String {
            ["lv21", "relay", "sms"].map { "--- \($0)-sim.log:\n\(simLog($0))" }.joined(separator: "\n")
                + "\n--- parleyd stderr:\n\(daemon.log)"
        }
        func calls() async throws -> [JSONValue] {
            let reply = try await daemon.request("calls")
            return (reply.at("result", "queue")?.arrayValue ?? []) + (reply.at("result", "active")?.arrayValue ?? [])
        }
        func received(on lineID: String) async throws -> [JSONValue] {
            let reply = try await daemon.request("events", ["kind": "text.received", "limit": 1000])
            return (reply.at("result", "events")?.arrayValue ?? []).filter { $0.at("payload", "line")?.stringValue == lineID }
        }

        let all: [JSONValue]
        do {
            all = try await eventuallyAsync("the two voice calls and the SMS", timeout: .seconds(120), every: .milliseconds(500)) {
                let all = try await calls()
                return Set(all.compactMap { $0["line"]?.stringValue }).isSuperset(of: ["lv21", "relay", "sms"]) ? all : nil
            }
        } catch {
            Issue.record("\(error)\n\(context())")
            return
        }
        let relay = try #require(all.first { $0["line"]?.stringValue == "relay" })
        #expect(relay["contact_channel"]?.stringValue == "text-relay", "\(relay)")
        #expect(relay["service"]?.stringValue == "text-relay", "\(relay)")
        // The relay modem sent line noise before its caller ID: skipped, counted on the line
        // (with the bytes), and the call still came in with its number.
        let relayCLI = try await eventuallyAsync("the relay caller's number", every: .milliseconds(500)) { () async throws -> String? in
            try await calls().first { $0["line"]?.stringValue == "relay" }?["cli"]?.stringValue
        }
        #expect(relayCLI == "18000")
        let lines = try await daemon.request("lines")
        let relayLine = try #require(lines.at("result", "lines")?.arrayValue?.first { $0["id"]?.stringValue == "relay" }, "\(lines)")
        #expect((relayLine["bad_input"]?.intValue ?? 0) >= 1, "\(relayLine)")
        #expect(relayLine["last_bad_input"]?.stringValue?.contains("ff fe 80") == true, "\(relayLine)")
        #expect(relayLine["state"]?.stringValue == "up", "\(relayLine)")
        let cleanLine = try #require(lines.at("result", "lines")?.arrayValue?.first { $0["id"]?.stringValue == "lv21" }, "\(lines)")
        #expect(cleanLine["bad_input"]?.intValue == 0, "\(cleanLine)")
        #expect(daemon.log.contains("Malformed modem input skipped"), "logged for the engineer")

        // The V.21 caller: answered, text decoded from the call audio, medium v21.
        let v21Call = try #require(all.first { $0["line"]?.stringValue == "lv21" }?["id"]?.intValue)
        let answered = try await daemon.request("answer", ["call": .int(v21Call)])
        #expect(answered.isOK, "\(answered)\n\(context())")
        do {
            let events = try await eventuallyAsync("the V.21 text", timeout: .seconds(90), every: .milliseconds(500)) {
                () async throws -> [JSONValue]? in
                let events = try await received(on: "lv21")
                let text = events.compactMap { $0.at("payload", "text")?.stringValue }.joined(separator: " ")
                return text.contains("Someone is trying to get in GA") ? events : nil
            }
            #expect(events.allSatisfy { $0.at("payload", "medium")?.stringValue == "v21" }, "\(events)")
            #expect(events.compactMap { $0.at("payload", "text")?.stringValue }.joined(separator: " ") == Self.v21Text, "\(events)")
        } catch {
            Issue.record("\(error)\n\(context())")
        }
        // The reply goes out in V.21 (the caller's medium), on the answering channel.
        let reply = try await daemon.request("text", ["call": .int(v21Call), "text": "Police here, where are you? GA"])
        #expect(reply.isOK, "\(reply)\n\(context())")
        #expect(reply.at("result", "medium")?.stringValue == "v21", "\(reply)")
        do {
            try await eventually("the caller to decode the V.21 reply", every: .milliseconds(200)) {
                simLog("lv21").contains("of V.21: \"Police here, where are you? GA\"") ? true : nil
            }
        } catch {
            Issue.record("\(error)\n\(context())")
        }

        // The SMS reply: 166 characters, so two concatenated parts.
        let smsCall = try #require(all.first { $0["line"]?.stringValue == "sms" }?["id"]?.intValue)
        let smsReply = try await daemon.request("text", ["call": .int(smsCall), "text": .string(Self.smsReply)])
        #expect(smsReply.isOK, "\(smsReply)\n\(context())")
        #expect(smsReply.at("result", "medium")?.stringValue == "sms", "\(smsReply)")
        let sent = simLog("sms").split(separator: "\n").filter { $0.contains(": sent (") }
        #expect(sent.count == 2 && sent.allSatisfy { $0.contains("to +447700900123") }, "two AT+CMGS parts: \(sent)\n\(context())")

        let store = daemon.storePath
        let callRows = try await Self.query(store, "SELECT line_id, contact_channel, text_medium FROM calls ORDER BY line_id", in: directory)
        #expect(callRows.contains(["lv21", "direct-textphone", "v21"]), "\(callRows)")
        #expect(callRows.contains { $0.first == "relay" && $0.dropFirst().first == "text-relay" }, "\(callRows)")
        let texts = try await Self.query(
            store, "SELECT c.line_id, t.direction, t.medium, t.text FROM text_messages t JOIN calls c ON c.id = t.call_id WHERE t.direction = 'out' ORDER BY t.id",
            in: directory)
        #expect(texts == [["lv21", "out", "v21", "Police here, where are you? GA"], ["sms", "out", "sms", Self.smsReply]], "\(texts)")
    }

    /// Rows of `sql` from the store, read-only through the sqlite3 CLI, fields split on tabs.
    static func query(_ store: String, _ sql: String, in directory: TemporaryDirectory) async throws -> [[String]] {
        let result = try await runTool(
            "/usr/bin/sqlite3", ["-readonly", "-cmd", ".timeout 5000", "-separator", "\t", store, sql], in: directory)
        guard result.status == .exited(0) else { throw TestFailure("sqlite3 could not read \(store): \(result)") }
        return result.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
    }
}
