import Foundation
import ParleyCore
import Testing

@testable import ParleyStore

@Suite("Unit statuses, short data and emergencies")
struct RadioSignallingRecordTests {
    @Test func aUnitsLatestStatusIsKeptAndOnlyAChangeIsAnEvent() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let results = try await withRunningWriter(writer) {
            var results: [(UnitStatusRecord, Bool, [StoredEvent])] = []
            for (issi, status, meaning) in [(1_001, 32_768, "available"), (1_001, 32_768, "available"), (1_001, 32_770, "at scene"), (2_002, 5, nil)] {
                let ((record, changed), events) = try await writer.perform(
                    priority: .routine,
                    RadioSignallingOperations.unitStatus(channelID: "tetra1", issi: Int64(issi), status: status, meaning: meaning))
                results.append((record, changed, events))
            }
            return results
        }
        #expect(results.map(\.1) == [true, false, true, true], "the repeated status is no change")
        #expect(results.map(\.2.count) == [1, 0, 1, 1])
        let change = try JSONValue.parse(results[2].2[0].payload)
        #expect(change["status"] == 32_770 && change["previous"] == 32_768 && change["meaning"] == "at scene")
        #expect(results[2].2[0].kind == "unit.status" && results[2].2[0].source == "channel:tetra1")
        let units = try store.unitStatuses()
        #expect(units.map(\.issi) == [1_001, 2_002])
        #expect(units.map(\.status) == [32_770, 5] && units[0].meaning == "at scene" && units[1].meaning == nil)
    }

    @Test func shortDataIsStoredBothWaysWithItsEvent() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let events = try await withRunningWriter(writer) {
            let received = try await writer.perform(
                priority: .routine,
                RadioSignallingOperations.sds(channelID: "tetra1", direction: .incoming, issi: 1_001, kind: .text, text: "ON SCENE", raw: "82 04 01 4f 4e"))
            let sent = try await writer.perform(
                priority: .routine,
                RadioSignallingOperations.sds(
                    channelID: "tetra1", direction: .outgoing, issi: 1_001, kind: .text, text: "ROGER", raw: "82 04 01 52", sentBy: "anna"))
            return received.1 + sent.1
        }
        #expect(events.map(\.kind.rawValue) == ["sds.received", "sds.sent"])
        #expect(events.map(\.source.rawValue) == ["channel:tetra1", "operator:anna"])
        let messages = try store.sdsMessages(issi: 1_001)
        #expect(messages.map(\.text) == ["ON SCENE", "ROGER"] && messages.map(\.direction) == [.incoming, .outgoing])
        #expect(messages[1].sentBy == "anna" && messages[0].sentBy == nil)
        #expect(try store.sdsMessages(issi: 9).isEmpty)
    }

    @Test func anEmergencyStaysOpenUntilAcknowledgedOnce() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let (raised, acknowledged, again, unknown) = try await withRunningWriter(writer) {
            let raised = try await writer.perform(
                priority: .emergency,
                RadioSignallingOperations.raiseEmergency(channelID: "tetra1", issi: 1_001, source: .call, detail: "emergency call"))
            #expect(try store.openEmergencies().map(\.id) == [raised.0.id])
            let acknowledged = try await writer.perform(priority: .emergency, RadioSignallingOperations.acknowledgeEmergency(raised.0.id, by: "anna"))
            var again: (any Error)?
            do { _ = try await writer.perform(priority: .emergency, RadioSignallingOperations.acknowledgeEmergency(raised.0.id, by: "ben")) } catch {
                again = error
            }
            var unknown: (any Error)?
            do { _ = try await writer.perform(priority: .emergency, RadioSignallingOperations.acknowledgeEmergency(999, by: "ben")) } catch {
                unknown = error
            }
            return (raised, acknowledged, again, unknown)
        }
        #expect(raised.1.map(\.kind.rawValue) == ["emergency.raised"] && raised.1.allSatisfy { $0.priority == .emergency })
        #expect(acknowledged.1.map(\.kind.rawValue) == ["emergency.acknowledged"] && acknowledged.1[0].source == "operator:anna")
        #expect(acknowledged.0.acknowledgedBy == "anna" && !acknowledged.0.isOpen)
        #expect("\(again.map { "\($0)" } ?? "none")".contains("already acknowledged by anna"))
        #expect("\(unknown.map { "\($0)" } ?? "none")".contains("emergency 999"))
        #expect(try store.openEmergencies().isEmpty)
        #expect(try store.emergency(raised.0.id)?.acknowledgedBy == "anna")
    }

    @Test func aRepeatFromTheSameUnitWhileItsEmergencyIsOpenAddsNoRow() async throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        let writer = try EventWriter(store: store, logger: .quiet)
        let (first, repeated, other, afterAck) = try await withRunningWriter(writer) {
            let first = try await writer.perform(
                priority: .emergency, RadioSignallingOperations.raiseEmergency(channelID: "t", issi: 7, source: .status, detail: "status 0"))
            let repeated = try await writer.perform(
                priority: .emergency,
                RadioSignallingOperations.raiseEmergency(channelID: "t", issi: 7, source: .call, detail: "emergency call", transmissionID: nil))
            let other = try await writer.perform(
                priority: .emergency, RadioSignallingOperations.raiseEmergency(channelID: "t", issi: 8, source: .call, detail: nil))
            _ = try await writer.perform(priority: .emergency, RadioSignallingOperations.acknowledgeEmergency(first.0.id, by: "anna"))
            let afterAck = try await writer.perform(
                priority: .emergency, RadioSignallingOperations.raiseEmergency(channelID: "t", issi: 7, source: .status, detail: nil))
            return (first, repeated, other, afterAck)
        }
        #expect(repeated.0.id == first.0.id && repeated.1.map(\.kind.rawValue) == ["emergency.repeated"])
        #expect(try JSONValue.parse(repeated.1[0].payload)["repeated_source"] == "call")
        #expect(other.0.id != first.0.id && other.1.map(\.kind.rawValue) == ["emergency.raised"], "another unit is another emergency")
        #expect(afterAck.0.id != first.0.id && afterAck.1.map(\.kind.rawValue) == ["emergency.raised"], "a new one after the acknowledgement")
        #expect(try store.openEmergencies().map(\.issi) == [8, 7])
    }

    @Test func theSchemaRefusesImpossibleRows() throws {
        let temp = try TemporaryStore()
        defer { temp.remove() }
        let store = try temp.open()
        for sql in [
            // A status message without its value; an acknowledgement without who; an ISSI over 24 bits.
            "INSERT INTO sds_messages (channel_id, direction, issi, kind, raw, at) VALUES ('t', 'in', 1, 'status', '', 0)",
            "INSERT INTO emergencies (channel_id, source, raised_at, acknowledged_at) VALUES ('t', 'call', 0, 1)",
            "INSERT INTO unit_statuses (issi, channel_id, status, at) VALUES (16777216, 't', 1, 0)",
            "INSERT INTO sds_messages (channel_id, direction, issi, kind, text, raw, at) VALUES ('t', 'out', 1, 'text', 'x', '', 0)",
        ] {
            #expect(throws: (any Error).self, "\(sql)") { try store.pool.write { try $0.execute(sql: sql) } }
        }
    }
}
