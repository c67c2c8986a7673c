import Foundation
import ParleyCore
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// parleyd killed with SIGKILL in the middle of a transmission, then started again.
@Suite("Recording across kill -9", .serialized)
struct RecordingCrashTests {
    @Test func aTransmissionCutByKillNineDecodesAndIsCompletedAsInterruptedOnRestart() async throws {
        let directory = try TemporaryDirectory("recording-crash")
        let state = directory.file("state")
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: true)
        // 200 ms of silence, then a minute of 1 kHz tone: VOX opens and stays open.
        var samples = [Int16](repeating: 0, count: 3200)
        for index in 0..<(16000 * 60) {
            samples.append(Int16(8000 * sin(2 * Double.pi * 1000 * Double(index) / 16000)))
        }
        try samples.withUnsafeBufferPointer { Data(buffer: $0) }.write(to: URL(fileURLWithPath: state + "/north.raw"))
        let config = try directory.write("parley.yaml", testConfiguration(extra: """
            channels:
              - id: north
                capture: { raw_file: north.raw }
            """))

        let daemon = try DaemonProcess.start(in: directory, config: config)
        defer { daemon.kill() }
        try await daemon.waitUntilServing()
        let store = daemon.storePath
        let recording = try await eventuallyAsync("a transmission being recorded") {
            try await StoredTransmission.all(in: store, directory: directory).first { $0.status == "recording" }
        }
        // Let the recorder flush a few pages (every second of audio), then kill it mid-transmission.
        try await Task.sleep(for: .seconds(4))
        daemon.kill()

        // What a crash leaves: a file that decodes up to the crash.
        let cut = directory.file("cut.raw")
        let decoded = try await runTool("/usr/bin/opusdec", ["--rate", "16000", "--force-wav", recording.filePath, cut], in: directory)
        #expect(decoded.status == .exited(0), "\(decoded)")
        let cutBytes = (try? FileManager.default.attributesOfItem(atPath: cut)[.size] as? Int) ?? 0
        #expect(cutBytes > 16000 * 2, "at least a second of audio decoded, got \(cutBytes) bytes")
        #expect(try await StoredTransmission.all(in: store, directory: directory).first?.status == "recording")

        // Started again: the row is completed from the file and marked interrupted.
        let again = try DaemonProcess.start(in: directory, config: config, logName: "parleyd-2.log")
        defer { again.kill() }
        try await again.waitUntilServing()
        let repaired = try await eventuallyAsync("the row marked interrupted") {
            try await StoredTransmission.all(in: store, directory: directory).first { $0.status == "interrupted" }
        }
        #expect(repaired.filePath == recording.filePath)
        #expect((repaired.durationMillis ?? 0) >= 1000, "\(repaired)")
        let info = try await runTool("/usr/bin/opusinfo", [recording.filePath], in: directory)
        #expect(info.status == .exited(0), "\(info)")
        try await again.waitForLogLine(containing: "Interrupted transmission completed from its recording")
        // The restarted daemon records the still-running tone as a new transmission.
        _ = try await eventuallyAsync("a new transmission") { () async throws -> Bool? in
            try await StoredTransmission.all(in: store, directory: directory).count >= 2 ? true : nil
        }
        again.send(SIGTERM)
        #expect(try await again.waitForExit() == .exited(0))
        let rows = try await StoredTransmission.all(in: store, directory: directory)
        #expect(rows.map(\.status) == ["interrupted", "complete"], "\(rows)")
    }
}
