import Foundation
import ParleyCore
import ParleyDSP
import Testing

/// Talker identification on analogue channels, end to end through parleyd: each channel's
/// receiver audio (a raw file read in real time) carries an id — DTMF digits, or a ZVEI1
/// 5-tone sequence — at the start of a transmission opened by VOX; the transmission row must
/// carry the id as its talker id (read with sqlite3).
@Suite(.serialized)
struct ANIChannelTests {
    /// 8 kHz S16LE: a second of silence, the id's tones, 1.5 s of a steady tone (the voice),
    /// then silence for the squelch to close.
    static func audio(id tones: [Float]) -> Data {
        let rate = 8000.0
        var samples = [Float](repeating: 0, count: Int(rate))
        samples += tones
        var voice = ToneGenerator(frequency: 1000, peakDBFS: -20, sampleRate: rate)
        samples += voice.nextInt16(duration: .milliseconds(1500)).map { Float($0) / 32768 }
        samples += [Float](repeating: 0, count: Int(rate * 6))
        var data = Data(capacity: samples.count * 2)
        for sample in samples {
            withUnsafeBytes(of: Int16(clamping: Int((sample * 32767).rounded())).littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    @Test func dtmfAndZVEI1IdsBecomeTheTransmissionsTalkerIds() async throws {
        let directory = try TemporaryDirectory("ani")
        let state = directory.file("state")
        try FileManager.default.createDirectory(atPath: state + "/radio", withIntermediateDirectories: true)
        let dtmf = DTMFGenerator(configuration: .init(sampleRate: 8000)).samples(for: "2041")
        let zvei = SelcallGenerator(configuration: .init(sampleRate: 8000, standard: .zvei1)).samples(for: "12345")
        try Self.audio(id: dtmf).write(to: URL(fileURLWithPath: state + "/radio/dtmf.raw"))
        try Self.audio(id: zvei).write(to: URL(fileURLWithPath: state + "/radio/zvei.raw"))
        let channels = """
            channels:
              - { id: dtmfch, capture: { raw_file: radio/dtmf.raw, rate: 8000 }, ani: dtmf }
              - { id: zveich, capture: { raw_file: radio/zvei.raw, rate: 8000 }, ani: zvei1 }
            """
        let config = try directory.write("parleyd.yaml", testConfiguration(extra: channels))
        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        do {
            let rows = try await eventuallyAsync("both transmissions", timeout: .seconds(40), every: .milliseconds(250)) {
                let rows = try await DemoTelephonyTests.query(
                    daemon.storePath, "SELECT channel_id, talker_id FROM transmissions WHERE ended_at IS NOT NULL ORDER BY channel_id",
                    in: directory)
                return rows.count >= 2 ? rows : nil
            }
            #expect(rows == [["dtmfch", "2041"], ["zveich", "12345"]], "\(rows)\n\(daemon.log)")
        } catch {
            Issue.record("\(error)\n\(daemon.log)")
        }
    }
}
