import Foundation
import ParleyAudio
import ParleyCore
import ParleyDSP
import ParleyRadio
import ParleyStore
import SystemPackage
import Testing

/// A crash mid-transmission leaves a `recording` row and a partial file; the next start
/// completes the row from the file and marks it interrupted.
@Suite("Interrupted transmissions")
struct InterruptedTransmissionTests {
    /// A real recording of `seconds` of tone, cut to `keep` of its bytes (a crash mid-page).
    static func partialRecording(in bed: RadioTestBed, seconds: Int, keep: Double) throws -> String {
        let recorder = TransmissionRecorder(
            configuration: .init(channel: "north", sampleRate: .hz16000, directory: FilePath(bed.recordings)), logger: quietLogger)
        let path = try recorder.start(at: Date())
        var tone = ToneGenerator(frequency: 1000, peakDBFS: -12, sampleRate: 16000)
        recorder.append(tone.nextInt16(duration: .seconds(Int64(seconds))))
        _ = try recorder.finish()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path.string))
        try bytes.prefix(Int(Double(bytes.count) * keep)).write(to: URL(fileURLWithPath: path.string))
        return path.string
    }

    static func beginRow(_ bed: RadioTestBed, file: String, startedAt: Int64) async throws -> Int64 {
        try await bed.writer.perform(
            priority: .routine,
            TransmissionOperations.begin(
                channelID: "north", startedAt: startedAt, direction: .received, transmittedBy: nil, filePath: file,
                incidentID: nil, emergency: false)
        ).0.id
    }

    @Test func aRowLeftRecordingIsCompletedFromItsPartialFileAndMarkedInterrupted() async throws {
        let bed = try RadioTestBed()
        let file = try Self.partialRecording(in: bed, seconds: 6, keep: 0.6)
        let started = Timestamp.millis(Date()) - 10_000
        let id = try await Self.beginRow(bed, file: file, startedAt: started)
        let missing = try await Self.beginRow(bed, file: bed.path("recordings/gone.opus"), startedAt: started)
        // A crash between creating the file and writing its headers leaves it empty.
        _ = FileManager.default.createFile(atPath: bed.path("recordings/empty.opus"), contents: nil)
        let empty = try await Self.beginRow(bed, file: bed.path("recordings/empty.opus"), startedAt: started)

        let repaired = await InterruptedTransmissions.repair(store: bed.store, writer: bed.writer, logger: quietLogger)
        #expect(Set(repaired.map(\.id)) == [id, missing, empty])
        let row = try #require(try bed.store.transmission(id))
        #expect(row.status == .interrupted)
        let duration = try #require(row.durationMillis)
        #expect(duration > 1000 && duration < 6000, "what the partial file holds: \(duration) ms")
        #expect(row.endedAt == started + duration)
        // The sealed file decodes (opusinfo) and the row carries its new digest.
        #expect(try runProcess("/usr/bin/opusinfo", [file]).status == 0)
        #expect(String(try runProcess("/usr/bin/sha256sum", [file]).output.prefix(64)) == row.fileSHA256)
        // A row whose file is gone is still closed, never left `recording`.
        let gone = try #require(try bed.store.transmission(missing))
        #expect(gone.status == .interrupted)
        #expect(gone.durationMillis == 0)
        #expect(try bed.store.unfinishedTransmissions().isEmpty)
        #expect(try bed.store.transmission(empty)?.status == .interrupted)
        #expect(try bed.store.events(matching: EventFilter(kind: "radio.transmission_interrupted")).count == 3)
        // Running it again finds nothing more to do.
        #expect(await InterruptedTransmissions.repair(store: bed.store, writer: bed.writer, logger: quietLogger).isEmpty)
        await bed.close()
    }
}
