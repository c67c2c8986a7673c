import Foundation
import ParleyCore
import ParleyDSP
import Testing

/// A telephone line on a sound card, end to end through parleyd: the line's audio is a raw
/// file read in real time (as the ALSA `file` plugin stands in for a sound card), the ring
/// detector and the hook relay are CM108 HID stand-in files (as a radio channel's COR and PTT).
/// The audio carries a BT SIN227 caller-ID burst (alert tone, then V.23 MDMF) before the ring,
/// then, once answered, the caller's TTY text.
@Suite(.serialized)
struct SoundCardLineTests {
    static let ttyText = "PLEASE HELP GA"
    static let callerID = CallerID(number: "01632960555", name: "BOB JONES")

    /// 8 kHz S16LE: silence, the caller-ID burst at 0.5 s, silence to `ttyAt`, the TTY text, silence.
    static func lineAudio(ttyAt: Double) -> Data {
        let rate = 8000.0
        var samples = [Float](repeating: 0, count: Int(rate * 0.5))
        let encoder = CallerIDEncoder(configuration: .init(sampleRate: rate, standard: .v23, format: .mdmf, alertTone: true, amplitude: 0.3))
        // First a burst with a bad checksum (line noise): skipped and counted, not used.
        var damaged = encoder.message(for: CallerID(number: "01632960999"))
        damaged[damaged.count - 1] &+= 1
        samples += encoder.modulate(message: damaged)
        samples += [Float](repeating: 0, count: Int(rate * 0.5))
        samples += encoder.modulate(callerID)
        samples += [Float](repeating: 0, count: max(0, Int(rate * ttyAt) - samples.count))
        var modulator = BaudotModulator(configuration: .init(sampleRate: rate, rate: .baud45))
        samples += modulator.modulate(ttyText).samples
        samples += [Float](repeating: 0, count: Int(rate * 4))
        var data = Data(capacity: samples.count * 2)
        for sample in samples {
            let value = Int16(clamping: Int((sample * 32767).rounded()))
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// A 4-byte CM108 input report with bit 1 (the ring detector here) set or clear.
    static func ringReport(_ ringing: Bool) -> Data { Data([ringing ? 0x02 : 0x00, 0, 0, 0]) }

    @Test func callerIDFromTheLineAudioRingAnswerTextAndHangUp() async throws {
        let directory = try TemporaryDirectory("card")
        let state = directory.file("state")
        try FileManager.default.createDirectory(atPath: state + "/card", withIntermediateDirectories: true)
        // The TTY text starts 20 s into the audio: the call is answered well before.
        try Self.lineAudio(ttyAt: 20).write(to: URL(fileURLWithPath: state + "/card/line.raw"))
        #expect(FileManager.default.createFile(atPath: state + "/card/ring.hid", contents: nil))
        #expect(FileManager.default.createFile(atPath: state + "/card/hook.hid", contents: nil))
        let telephony = """
            telephony:
              lines:
                - id: card
                  service: "101"
                  modem:
                    type: soundcard
                    capture: { raw_file: card/line.raw, rate: 8000 }
                    ring: { type: cm108, hidraw: card/ring.hid, bit: 1 }
                    hook: { type: cm108, hidraw: card/hook.hid, gpio: 3 }
            """
        let config = try directory.write("parleyd.yaml", testConfiguration(extra: telephony))
        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        func appendRing(_ ringing: Bool) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: state + "/card/ring.hid"))
            try handle.seekToEnd()
            try handle.write(contentsOf: Self.ringReport(ringing))
            try handle.close()
        }
        func hookReports() throws -> [[UInt8]] {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: state + "/card/hook.hid")))
            return stride(from: 0, to: bytes.count, by: 5).map { Array(bytes[$0..<min($0 + 5, bytes.count)]) }
        }
        func calls() async throws -> [JSONValue] {
            let reply = try await daemon.request("calls")
            return (reply.at("result", "queue")?.arrayValue ?? []) + (reply.at("result", "active")?.arrayValue ?? [])
        }

        // The line is up once its audio and ring detector are read; the caller-ID burst (at
        // 0.5 s of line audio) is decoded before the ring.
        try await eventually("the caller ID decoded from line audio", timeout: .seconds(30), every: .milliseconds(100)) {
            daemon.log.contains("Caller ID decoded from line audio") ? true : nil
        }
        let lines = try await daemon.request("lines")
        let line = try #require(lines.at("result", "lines")?.arrayValue?.first, "\(lines)")
        #expect(line["kind"]?.stringValue == "soundcard" && line["state"]?.stringValue == "up", "\(line)\n\(daemon.log)")
        #expect(line["bad_input"]?.intValue == 1, "the damaged burst is counted: \(line)")
        #expect(daemon.log.contains("Caller ID burst not readable"), "and logged")
        let before = try await calls()
        #expect(before.isEmpty, "no call before the ring: \(before)")

        try appendRing(true)
        let call = try await eventuallyAsync("the ringing call", timeout: .seconds(20), every: .milliseconds(100)) {
            try await calls().first
        }
        #expect(call["cli"]?.stringValue == "01632960555", "\(call)\n\(daemon.log)")
        #expect(call["caller_name"]?.stringValue == "BOB JONES", "\(call)")
        #expect(call["state"]?.stringValue == "queued", "\(call)")
        let ringingReports = try hookReports()
        #expect(ringingReports.isEmpty, "on hook while ringing: \(ringingReports)")

        // Answer: the hook relay closes (GPIO3 set: `00 00 04 04 00`), the ringing stops.
        let callID = try #require(call["id"]?.intValue)
        let answered = try await daemon.request("answer", ["call": .int(callID)])
        #expect(answered.isOK, "\(answered)\n\(daemon.log)")
        try appendRing(false)
        let offHook = try hookReports()
        #expect(offHook.last == [0x00, 0x00, 0x04, 0x04, 0x00], "\(offHook)")

        // The caller's TTY text, decoded from the line audio.
        do {
            _ = try await eventuallyAsync("the caller's TTY text", timeout: .seconds(60), every: .milliseconds(500)) { () async throws -> Bool? in
                let reply = try await daemon.request("events", ["kind": "text.received", "limit": 100])
                let texts = (reply.at("result", "events")?.arrayValue ?? []).compactMap { $0.at("payload", "text")?.stringValue }
                return texts.joined(separator: " ").contains(Self.ttyText) ? true : nil
            }
        } catch {
            Issue.record("\(error)\n\(daemon.log)")
        }

        // No dialler: a transfer is refused, saying why; no playback: a text reply likewise.
        let transfer = try await daemon.request("transfer", ["call": .int(callID), "number": "2001", "type": "blind", "to_agency": "Ambulance"])
        #expect(!transfer.isOK && "\(transfer)".contains("has no dialler"), "\(transfer)")
        let reply = try await daemon.request("text", ["call": .int(callID), "text": "POLICE HERE GA"])
        #expect(!reply.isOK && "\(reply)".contains("no playback device"), "\(reply)")

        // Hang up: the relay opens again (GPIO3 clear), the call ends with its recording.
        let hungUp = try await daemon.request("hangup", ["call": .int(callID)])
        #expect(hungUp.isOK, "\(hungUp)")
        let onHook = try hookReports()
        #expect(onHook.last == [0x00, 0x00, 0x00, 0x04, 0x00], "\(onHook)")
        let rows = try await DemoTelephonyTests.query(
            daemon.storePath, "SELECT state, end_reason, cli, caller_name, recording_path IS NOT NULL FROM calls", in: directory)
        #expect(rows == [["ended", "hung_up", "01632960555", "BOB JONES", "1"]], "\(rows)")
    }
}
