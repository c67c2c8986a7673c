import Foundation
import ParleyControl
import ParleyControlServer
import ParleyCore
import ParleyStore
import Testing

/// `units`, `emergencies` and `ack` over the socket and through parleyctl, on a store holding
/// what a TETRA channel writes (unit statuses and emergencies).
@Suite("Control server: units and emergencies")
struct ControlServerSignallingTests {
    static func seed(_ daemon: TestDaemon) async throws -> (first: Int64, second: Int64) {
        _ = try await daemon.writer.perform(
            priority: .routine, RadioSignallingOperations.unitStatus(channelID: "tetra1", issi: 2_001, status: 32_770, meaning: "at scene"))
        _ = try await daemon.writer.perform(
            priority: .routine, RadioSignallingOperations.unitStatus(channelID: "tetra1", issi: 1_001, status: 32_768, meaning: nil))
        let first = try await daemon.writer.perform(
            priority: .emergency,
            RadioSignallingOperations.raiseEmergency(channelID: "tetra1", issi: 1_001, source: .call, detail: "emergency call")).0
        let second = try await daemon.writer.perform(
            priority: .emergency, RadioSignallingOperations.raiseEmergency(channelID: "tetra1", issi: 2_001, source: .status, detail: nil)).0
        return (first.id, second.id)
    }

    @Test func unitsAndOpenEmergenciesAreListedAndAnEmergencyIsAcknowledgedOnce() async throws {
        try await withDaemon { daemon in
            let (first, second) = try await Self.seed(daemon)
            let client = try await daemon.connect()
            defer { client.close() }

            let units = try await client.request("units")
            #expect(units.isOK, "\(units.canonicalString)")
            let listed = units.at("result", "units")?.arrayValue ?? []
            #expect(listed.map { $0["issi"] } == [1_001, 2_001], "by ISSI")
            #expect(listed.last?["meaning"] == "at scene" && listed.last?["status"] == 32_770)
            #expect(listed.first?["meaning"] == nil)

            let open = try await client.request("emergencies")
            #expect(open.at("result", "emergencies")?.arrayValue?.map { $0["id"] } == [.int(first), .int(second)])
            #expect(open.at("result", "emergencies")?.arrayValue?.first?["source"] == "call")

            let acked = try await client.request("ack", ["emergency": .int(first)])
            #expect(acked.isOK, "\(acked.canonicalString)")
            #expect(acked.at("result", "emergency", "acknowledged_by") == "root")
            #expect(acked.at("result", "emergency", "acknowledged_at")?.stringValue?.hasSuffix("Z") == true)
            let afterwards = try await client.request("emergencies")
            #expect(afterwards.at("result", "emergencies")?.arrayValue?.map { $0["id"] } == [.int(second)])

            let again = try await client.request("ack", ["emergency": .int(first)])
            #expect(again.errorCode == "rejected" && again.at("error", "message")?.stringValue?.contains("already acknowledged by root") == true,
                    "\(again.canonicalString)")
            let unknown = try await client.request("ack", ["emergency": 999])
            #expect(unknown.errorCode == "not_found", "\(unknown.canonicalString)")
            let bad = try await client.request("ack", ["emergency": "first"])
            #expect(bad.errorCode == "bad_arguments", "\(bad.canonicalString)")
            let missing = try await client.request("ack")
            #expect(missing.at("error", "message")?.stringValue?.contains("see emergencies") == true, "\(missing.canonicalString)")

            // The acknowledgement is an emergency-priority event, and every ack is audited: the
            // refused and not-found ones as errors, the malformed ones as refused.
            let events = try daemon.store.events(matching: EventFilter(kind: "emergency.acknowledged"), limit: 10)
            #expect(events.count == 1 && events.first?.priority == .emergency && events.first?.source == "operator:root")
            let rows = try await daemon.audit { rows in rows.filter { $0.entry.command == "ack" }.count == 5 }
            #expect(rows.filter { $0.entry.command == "ack" }.map(\.entry.outcome) == [.ok, .error, .error, .refused, .refused])
        }
    }

    @Test func parleyctlShowsUnitsAndEmergenciesAndAcknowledges() async throws {
        try await withDaemon { daemon in
            let socket = ["--socket", daemon.socketPath]
            let empty = try await ParleyctlTests.parleyctl(["emergencies"] + socket)
            #expect(empty.status == 0 && empty.stdout == "no open emergencies\n", "\(empty.stdout)\(empty.stderr)")
            let (first, _) = try await Self.seed(daemon)

            let units = try await ParleyctlTests.parleyctl(["units"] + socket)
            #expect(units.status == 0, "\(units.stderr)")
            let unitRows = units.stdout.split(separator: "\n").map(String.init)
            #expect(unitRows.count == 3 && unitRows[0].hasPrefix("ISSI") && unitRows[2].contains("32770") && unitRows[2].contains("at scene"),
                    "\(units.stdout)")

            let open = try await ParleyctlTests.parleyctl(["emergencies"] + socket)
            let openRows = open.stdout.split(separator: "\n").map(String.init)
            #expect(openRows.count == 3 && openRows[1].hasPrefix("\(first) ") && openRows[1].contains("emergency call"), "\(open.stdout)")

            let ack = try await ParleyctlTests.parleyctl(["ack", String(first)] + socket)
            #expect(ack.status == 0 && ack.stdout.hasPrefix("emergency \(first) on tetra1 acknowledged by root at "), "\(ack.stdout)\(ack.stderr)")
            let again = try await ParleyctlTests.parleyctl(["ack", String(first)] + socket)
            #expect(again.status != 0 && again.stderr.contains("already acknowledged by root"), "\(again.stderr)")
            let zero = try await ParleyctlTests.parleyctl(["ack", "0"] + socket)
            #expect(zero.status != 0 && zero.stderr.contains("an integer from 1"), "\(zero.stderr)")
            let json = try await ParleyctlTests.parleyctl(["units", "--json"] + socket)
            #expect(try ControlJSON.parse(json.stdout.trimmingCharacters(in: .newlines)).at("units")?.arrayValue?.count == 2)
        }
    }

    @Test func aTextToAUnitGoesToTheChannelsTerminalAndIsRefusedWithTheReason() async throws {
        let radio = StandInRadio()
        try await withRadioDaemon(radio) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let sent = try await client.request("sds", ["issi": 2003, "text": "RETURN TO STATION"])
            #expect(sent.isOK && sent.at("result", "issi") == 2003 && sent.at("result", "channel") == "north", "\(sent.canonicalString)")
            let failed = try await client.request("sds", ["issi": 12345, "text": "HELLO", "channel": "north"])
            #expect(failed.errorCode == "rejected" && failed.at("error", "message")?.stringValue?.contains("no answer") == true)
            let unknown = try await client.request("sds", ["issi": 2003, "text": "HELLO", "channel": "west"])
            #expect(unknown.errorCode == "not_found")
            let bad = try await client.request("sds", ["issi": 16_777_216, "text": "HELLO"])
            #expect(bad.errorCode == "bad_arguments")
            let empty = try await client.request("sds", ["issi": 5, "text": ""])
            #expect(empty.errorCode == "bad_arguments")
            #expect(await radio.calls == [
                .sds(channel: nil, issi: 2003, text: "RETURN TO STATION", by: "root"),
                .sds(channel: "north", issi: 12345, text: "HELLO", by: "root"),
                .sds(channel: "west", issi: 2003, text: "HELLO", by: "root"),
            ])
            let socket = ["--socket", daemon.socketPath]
            let cli = try await ParleyctlTests.parleyctl(["sds", "2003", "ON MY WAY"] + socket)
            #expect(cli.status == 0 && cli.stdout.hasPrefix("sent to 2003 on north at "), "\(cli.stdout)\(cli.stderr)")
        }
    }
}
