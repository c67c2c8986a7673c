import Foundation
import ParleyCore
import Testing

@testable import ParleyStore

@Suite("Transmissions")
struct TransmissionRecordTests {
    @Test func aTransmissionIsBegunThenFinishedWithItsMetadataAndTwoChainedEvents() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let (begun, finished, events) = try await withRunningWriter(writer) {
            let (begun, first) = try await writer.perform(
                priority: .routine,
                TransmissionOperations.begin(
                    channelID: "north", startedAt: 1_000, direction: .received, transmittedBy: nil,
                    filePath: "recordings/2026/11/23/north-1.opus", incidentID: nil, emergency: false))
            let (finished, second) = try await writer.perform(
                priority: .routine,
                TransmissionOperations.finish(
                    begun.id,
                    TransmissionSummary(
                        endedAt: 4_500, durationMillis: 3_500, peakDBFS: -3.04, rmsDBFS: -18.66,
                        fileSHA256: String(repeating: "a", count: 64), talkerID: "2341")))
            return (begun, finished, first + second)
        }
        #expect(begun.status == .recording)
        #expect(finished.status == .complete)
        #expect(finished.durationMillis == 3_500)
        #expect(finished.talkerID == "2341")
        #expect(events.map(\.kind.rawValue) == ["radio.transmission_started", "radio.transmission"])
        #expect(events[1].source == "channel:north")
        let payload = try JSONValue.parse(events[1].payload)
        // Rounded to 0.1 dB; canonical JSON writes a whole number without a fraction.
        #expect(payload["peak_dbfs"] == .int(-3))
        #expect(payload["rms_dbfs"] == .double(-18.7))
        #expect(payload["talker"] == "2341")
        #expect(try store.transmissions(channelID: "north").map(\.id) == [begun.id])
        #expect(try store.unfinishedTransmissions().isEmpty)
    }

    @Test func aRowLeftRecordingByACrashIsFoundAndMarkedInterrupted() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        do {
            let store = try temp.open()
            let writer = try EventWriter(store: store, logger: .quiet)
            try await withRunningWriter(writer) {
                _ = try await writer.perform(
                    priority: .routine,
                    TransmissionOperations.begin(
                        channelID: "south", startedAt: 10, direction: .transmitted, transmittedBy: "alice",
                        filePath: "south.opus", incidentID: nil, emergency: false))
            }
            try store.close()
        }
        let store = try temp.open()
        let unfinished = try store.unfinishedTransmissions()
        #expect(unfinished.count == 1)
        let writer = try EventWriter(store: store, logger: .quiet)
        let (record, events) = try await withRunningWriter(writer) {
            try await writer.perform(
                priority: .routine,
                TransmissionOperations.markInterrupted(
                    unfinished[0].id,
                    TransmissionSummary(endedAt: 510, durationMillis: 500, peakDBFS: nil, rmsDBFS: nil, fileSHA256: nil)))
        }
        #expect(record.status == .interrupted)
        #expect(record.transmittedBy == "alice")
        #expect(events.first?.kind == "radio.transmission_interrupted")
        #expect(try store.unfinishedTransmissions().isEmpty)
        await #expect(throws: StoreError.self) {
            let again = try EventWriter(store: store, logger: .quiet)
            try await withRunningWriter(again) {
                _ = try await again.perform(
                    priority: .routine,
                    TransmissionOperations.finish(
                        record.id, TransmissionSummary(endedAt: 600, durationMillis: 1, peakDBFS: nil, rmsDBFS: nil, fileSHA256: nil)))
            }
        }
    }

    @Test func anEmergencyRaisedMidTransmissionSticksAndIsEmergencyPriority() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let (record, events) = try await withRunningWriter(writer) {
            let (begun, _) = try await writer.perform(
                priority: .routine,
                TransmissionOperations.begin(
                    channelID: "north", startedAt: 1, direction: .received, transmittedBy: nil, filePath: "n.opus",
                    incidentID: nil, emergency: false))
            _ = try await writer.perform(priority: .emergency, TransmissionOperations.markEmergency(begun.id))
            return try await writer.perform(
                priority: .emergency,
                TransmissionOperations.finish(
                    begun.id, TransmissionSummary(endedAt: 2, durationMillis: 1, peakDBFS: nil, rmsDBFS: nil, fileSHA256: nil)))
        }
        #expect(record.emergency)
        #expect(events.first?.priority == .emergency)
    }

    @Test func sqliteRefusesInconsistentTransmissionRows() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        _ = try temp.open()
        let forbidden = [
            // complete without an end time
            "INSERT INTO transmissions (channel_id, started_at, direction, file_path, status) VALUES ('n', 0, 'rx', 'f', 'complete')",
            // transmitted with nobody keying
            "INSERT INTO transmissions (channel_id, started_at, direction, file_path, status) VALUES ('n', 0, 'tx', 'f', 'recording')",
            // ends before it starts
            "INSERT INTO transmissions (channel_id, started_at, ended_at, direction, file_path, status) VALUES ('n', 10, 5, 'rx', 'f', 'complete')",
        ]
        for sql in forbidden {
            #expect(throws: StoreError.self, "\(sql)") { try sqlite3(temp.path, sql) }
        }
    }
}
