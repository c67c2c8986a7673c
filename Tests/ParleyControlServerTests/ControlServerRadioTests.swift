import Foundation
import ParleyControl
import ParleyControlServer
import ParleyCore
import ParleyStore
import ServiceLifecycle
import Testing

@Suite("Control server: radio commands")
struct ControlServerRadioTests {
    @Test func anEngineerIsRefusedKeyAndTheRefusalIsAudited() async throws {
        let radio = StandInRadio()
        try await withRadioDaemon(radio) { daemon in
            let replies = try await exchange(
                asUID: TestDaemon.engineerUID,
                TestClient.requestLine("key", ["channel": "north"], id: 1) + TestClient.requestLine("channels", id: 2),
                socket: daemon.socketPath)
            #expect(replies.count == 2)
            let refused = try #require(replies.first)
            #expect(refused.errorCode == "forbidden", "\(refused.canonicalString)")
            #expect(refused.at("error", "message")?.stringValue?.contains("key needs the dispatcher role") == true)
            #expect(replies.last?.isOK == true, "an engineer may list the channels")
            #expect(await radio.calls.isEmpty, "a refused command never reaches the channels")
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "channels" } }
            let row = try #require(rows.first { $0.entry.command == "key" })
            #expect(row.entry.outcome == .refused)
            #expect(row.entry.peerUID == TestDaemon.engineerUID)
            #expect(row.entry.role == .engineer)
            #expect(row.entry.detail.hasPrefix("forbidden:"))
            #expect(row.entry.arguments == #"{"channel":"north"}"#)
        }
    }

    @Test func aDispatchersKeyPassesTheOperatorNameAndPriorityThrough() async throws {
        let radio = StandInRadio()
        try await withRadioDaemon(radio) { daemon in
            let replies = try await exchange(
                asUID: TestDaemon.dispatcherUID,
                TestClient.requestLine("key", ["channel": "north", "seconds": 30, "priority": "emergency"], id: 1),
                socket: daemon.socketPath)
            let keyed = try #require(replies.first)
            #expect(keyed.isOK, "\(keyed.canonicalString)")
            let result = try decoded(KeyResult.self, keyed)
            #expect(result == KeyResult(channel: "north", outcome: "keyed", holder: "operator:uid:1002", holderPriority: "emergency", seconds: 30))
            // uid 1002 has no passwd entry, so its operator name is uid:1002.
            #expect(await radio.calls == [
                .key(channel: "north", keyer: Keyer(id: "operator:uid:1002", priority: .emergency), duration: .seconds(30)),
            ])
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "key" } }
            let row = try #require(rows.first { $0.entry.command == "key" })
            #expect(row.entry.outcome == .ok)
            #expect(row.entry.detail == "keyed north as operator:uid:1002 (emergency) for 30.0 s")
        }
    }

    @Test func keyDefaultsToDispatcherPriorityUnderThePeersUserName() async throws {
        let radio = StandInRadio()
        try await withRadioDaemon(radio) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let keyed = try await client.request("key", ["channel": "north"])
            #expect(keyed.at("result", "outcome") == "keyed", "\(keyed.canonicalString)")
            #expect(keyed.at("result", "seconds") == nil)
            #expect(await radio.calls == [.key(channel: "north", keyer: Keyer(id: "operator:root", priority: .dispatcher), duration: nil)])
        }
    }

    @Test func aRefusedKeyIsASuccessfulResponseAuditedAsRefusedWithTheReason() async throws {
        let radio = StandInRadio()
        try await withRadioDaemon(radio) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let reply = try await client.request("key", ["channel": "south"])
            #expect(reply.isOK, "a refusal of the floor is an answer, not a protocol error")
            let result = try decoded(KeyResult.self, reply)
            #expect(result == KeyResult(channel: "south", outcome: "refused", reason: "floor_held", holder: "operator:bob", holderPriority: "emergency"))
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "key" } }
            let row = try #require(rows.first { $0.entry.command == "key" })
            #expect(row.entry.outcome == .ok)
            #expect(row.entry.detail == "refused: floor_held, held by operator:bob (emergency)")
        }
    }

    @Test func unkeyRefusesSomeoneElsesFloorUnlessForced() async throws {
        let radio = StandInRadio()
        try await withRadioDaemon(radio) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let refused = try await client.request("unkey", ["channel": "south"], id: 1)
            #expect(refused.isOK)
            #expect(refused.at("result", "outcome") == "refused")
            #expect(refused.at("result", "holder") == "operator:bob")
            let forced = try await client.request("unkey", ["channel": "south", "force": true], id: 2)
            let result = try decoded(UnkeyResult.self, forced)
            #expect(result == UnkeyResult(channel: "south", outcome: "unkeyed", holder: "operator:bob", heldSeconds: 1.5))
            #expect(await radio.calls == [
                .unkey(channel: "south", requester: "operator:root", force: false),
                .unkey(channel: "south", requester: "operator:root", force: true),
            ])
            let channels = try await client.request("channels", id: 3)
            #expect(channels.at("result", "channels")?.canonicalString.contains("keyed_by") == false, "nobody holds south now")
            let rows = try await daemon.audit { rows in rows.filter { $0.entry.command == "unkey" }.count == 2 }
            #expect(rows.filter { $0.entry.command == "unkey" }.map(\.entry.detail) == [
                "refused: held by operator:bob", "unkeyed south after 1.5 s (forced)",
            ])
        }
    }

    @Test func recallResultsRoundTrip() async throws {
        let radio = StandInRadio()
        try await withRadioDaemon(radio) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let reply = try await client.request("recall", ["channel": "north", "limit": 2], id: 1)
            #expect(reply.isOK, "\(reply.canonicalString)")
            let result = try decoded(RecallResult.self, reply)
            #expect(result == RecallResult(channel: "north", transmissions: Array(StandInRadio.north.prefix(2))))
            #expect(reply.at("result", "transmissions")?.canonicalString.contains(#""peak_dbfs":-6.1"#) == true)
            let all = try await client.request("recall", ["channel": "north"], id: 2)
            guard case .array(let listed)? = all.at("result", "transmissions") else {
                Issue.record("no transmissions in \(all.canonicalString)")
                return
            }
            #expect(listed.count == 3)

            let played = try await client.request("recall.play", ["id": 12], id: 3)
            #expect(try decoded(RecallOutputResult.self, played)
                == RecallOutputResult(id: 12, outcome: "played", target: "plughw:CARD=North,DEV=0", durationMS: 4200))
            let exported = try await client.request("recall.export", ["id": 12, "path": "/tmp/parley-12.wav"], id: 4)
            #expect(exported.at("result", "target") == "/tmp/parley-12.wav")
            #expect(await radio.calls == [
                .recall(channel: "north", limit: 2), .recall(channel: "north", limit: 10), .play(12),
                .export(12, path: "/tmp/parley-12.wav"),
            ])
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "recall.export" } }
            #expect(rows.filter { $0.entry.command.hasPrefix("recall") }.map(\.entry.detail) == [
                "2 transmissions on north", "3 transmissions on north", "played #12 to plughw:CARD=North,DEV=0",
                "exported #12 to /tmp/parley-12.wav",
            ])
        }
    }

    @Test func attachPassesTheOperatorAndIncidentThroughAndDetachesWithNull() async throws {
        let radio = StandInRadio()
        try await withRadioDaemon(radio) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let attached = try await client.request("channels.attach", ["channel": "north", "incident": "PLY-20261123-0001"], id: 1)
            #expect(try decoded(AttachResult.self, attached) == AttachResult(channel: "north", incident: "PLY-20261123-0001", previous: nil))
            let detached = try await client.request("channels.attach", ["channel": "north", "incident": .null], id: 2)
            #expect(try decoded(AttachResult.self, detached) == AttachResult(channel: "north", incident: nil, previous: nil))
            let unknown = try await client.request("channels.attach", ["channel": "north", "incident": "PLY-19990101-0009"], id: 3)
            #expect(unknown.at("error", "code") == "not_found")
            let calls = await radio.calls
            #expect(calls.count == 3)
            if case .attach(let channel, let incident, let by)? = calls.first {
                #expect(channel == "north" && incident == "PLY-20261123-0001" && !by.isEmpty)
            } else {
                Issue.record("no attach call: \(calls)")
            }
            let rows = try await daemon.audit { rows in rows.filter { $0.entry.command == "channels.attach" }.count == 3 }
            #expect(rows.filter { $0.entry.command == "channels.attach" }.prefix(2).map(\.entry.detail) == [
                "north attached to PLY-20261123-0001", "north detached",
            ])
        }
    }

    @Test func anUnknownChannelOrTransmissionIsNotFound() async throws {
        let radio = StandInRadio()
        try await withRadioDaemon(radio) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let key = try await client.request("key", ["channel": "west"], id: 1)
            #expect(key.errorCode == "not_found")
            #expect(key.at("error", "message") == "channel 'west' is not configured — parleyctl channels lists them")
            #expect(try await client.request("recall", ["channel": "west"], id: 2).errorCode == "not_found")
            #expect(try await client.request("recall.play", ["id": 99], id: 3).errorCode == "not_found")
            let rejected = try await client.request("recall.export", ["id": 12, "path": "/nonexistent/12.wav"], id: 4)
            #expect(rejected.errorCode == "rejected", "RadioControlError kinds keep their codes")
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "recall.export" } }
            let row = try #require(rows.first { $0.entry.command == "key" })
            #expect(row.entry.outcome == .error)
            #expect(row.entry.detail == "not_found: channel 'west' is not configured — parleyctl channels lists them")
        }
    }

    @Test func withoutARadioChannelsIsEmptyAndTheRestNotFound() async throws {
        try await withRadioDaemon(nil) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let channels = try await client.request("channels", id: 1)
            #expect(channels.isOK)
            #expect(channels.at("result", "channels") == [])
            let commands: [(String, JSONValue)] = [
                ("key", ["channel": "north"]), ("unkey", ["channel": "north"]), ("recall", ["channel": "north"]),
                ("recall.play", ["id": 1]), ("recall.export", ["id": 1, "path": "/tmp/x.wav"]),
            ]
            for (command, args) in commands {
                let reply = try await client.request(command, args, id: 2)
                #expect(reply.errorCode == "not_found", "\(command): \(reply.canonicalString)")
                #expect(reply.at("error", "message")?.stringValue?.hasPrefix("no radio channels are configured") == true)
            }
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "recall.export" } }
            #expect(rows.first { $0.entry.command == "channels" }?.entry.detail == "0 channels")
            #expect(rows.filter { $0.entry.outcome == .error }.count == 5)
        }
    }

    @Test func badRadioArgumentsAreRefusedAndAudited() async throws {
        let radio = StandInRadio()
        try await withRadioDaemon(radio) { daemon in
            let client = try await daemon.connect()
            defer { client.close() }
            let reply = try await client.request("key", ["channel": "north", "seconds": 0])
            #expect(reply.errorCode == "bad_arguments")
            let rows = try await daemon.audit { rows in rows.contains { $0.entry.command == "key" } }
            #expect(rows.first { $0.entry.command == "key" }?.entry.outcome == .refused)
            #expect(await radio.calls.isEmpty)
        }
    }

    /// A success response's `result` decoded as a client would.
    private func decoded<T: Decodable>(_ type: T.Type, _ response: JSONValue) throws -> T {
        try ControlReply(line: Array(response.canonicalString.utf8)).decode(T.self)
    }

    /// Runs `socat` as another uid (setpriv), sends `input`, and returns what came back.
    private func exchange(asUID uid: UInt32, _ input: String, socket: String) async throws -> [JSONValue] {
        try await blocking {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = [
                "--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "socat", "-t", "5", "-", "UNIX-CONNECT:\(socket)",
            ]
            let stdin = Pipe()
            let stdout = Pipe()
            process.standardInput = stdin
            process.standardOutput = stdout
            try process.run()
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
            let output = stdout.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return try String(decoding: output, as: UTF8.self).split(separator: "\n").map { try JSONValue.parse(String($0)) }
        }
    }
}

/// Stands in for parleyd's channel set, which has its own tests: answers from fixed data (two
/// channels, `north` free and `south` held by operator:bob at emergency priority) and records
/// every call, so that tests see exactly what the control server passed through.
actor StandInRadio: RadioControl {
    enum Call: Sendable, Hashable {
        case key(channel: String, keyer: Keyer, duration: Duration?)
        case unkey(channel: String, requester: String, force: Bool)
        case recall(channel: String, limit: Int)
        case play(Int64)
        case export(Int64, path: String)
        case attach(channel: String, incident: String?, by: String)
        case sds(channel: String?, issi: Int64, text: String, by: String)
    }

    private(set) var calls: [Call] = []
    private var holders: [String: Keyer] = ["south": Keyer(id: "operator:bob", priority: .emergency)]

    /// north's transmissions, newest first.
    static let north: [TransmissionResult] = [
        TransmissionResult(
            id: 12, channel: "north", startedAt: 1_795_470_001_000, endedAt: 1_795_470_005_200, durationMS: 4200,
            direction: "rx", transmittedBy: nil, talkerID: "2041", emergency: true, peakDBFS: -6.1, rmsDBFS: -18.25,
            file: "recordings/north/2026-11-23/214001-12.opus", sha256: "ab12", incidentID: 3, status: "complete"),
        TransmissionResult(
            id: 11, channel: "north", startedAt: 1_795_469_000_000, endedAt: 1_795_469_002_000, durationMS: 2000,
            direction: "tx", transmittedBy: "operator:alice", talkerID: nil, emergency: false, peakDBFS: -3, rmsDBFS: nil,
            file: "recordings/north/2026-11-23/212320-11.opus", sha256: nil, incidentID: nil, status: "interrupted"),
        TransmissionResult(
            id: 10, channel: "north", startedAt: 1_795_468_000_000, endedAt: nil, durationMS: nil, direction: "rx",
            transmittedBy: nil, talkerID: nil, emergency: false, peakDBFS: nil, rmsDBFS: nil,
            file: "recordings/north/2026-11-23/210640-10.opus", sha256: nil, incidentID: nil, status: "recording"),
    ]

    /// A stand-in terminal on north: units above 9999 "do not answer".
    func sendSDS(channel: String?, issi: Int64, text: String, by operatorName: String) async throws(RadioControlError) -> SDSSentResult {
        calls.append(.sds(channel: channel, issi: issi, text: text, by: operatorName))
        if let channel, channel != "north" { throw Self.unknown(channel) }
        guard issi <= 9999 else { throw RadioControlError(.rejected, "the terminal did not send the text: no answer from the terminal within 30 seconds") }
        return SDSSentResult(message: 7, channel: "north", issi: issi, text: text, sentAt: "2026-11-24T05:00:00.000Z")
    }

    func emergenciesChanged() async {}

    private static func unknown(_ channel: String) -> RadioControlError {
        RadioControlError(.notFound, "channel '\(channel)' is not configured — parleyctl channels lists them")
    }

    func channels() async -> [ChannelStatusResult] {
        ["north", "south"].map { id in
            ChannelStatusResult(
                id: id, name: id.capitalized, capture: "up", receiving: id == "north", ptt: id == "north" ? "up" : "down",
                keyedBy: holders[id]?.id, keyPriority: holders[id]?.priority.name, reason: id == "south" ? "hidraw gone" : nil)
        }
    }

    func key(channel: String, keyer: Keyer, for duration: Duration?) async throws(RadioControlError) -> KeyResult {
        calls.append(.key(channel: channel, keyer: keyer, duration: duration))
        guard ["north", "south"].contains(channel) else { throw Self.unknown(channel) }
        let seconds = duration.map { Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18 }
        if let holder = holders[channel], holder.id != keyer.id, holder.priority >= keyer.priority {
            return KeyResult(
                channel: channel, outcome: "refused", reason: "floor_held", holder: holder.id,
                holderPriority: holder.priority.name)
        }
        let preempted = holders[channel].flatMap { $0.id == keyer.id ? nil : $0.id }
        holders[channel] = keyer
        return KeyResult(
            channel: channel, outcome: "keyed", holder: keyer.id, holderPriority: keyer.priority.name, preempted: preempted,
            seconds: seconds)
    }

    func unkey(channel: String, requester: String, force: Bool) async throws(RadioControlError) -> UnkeyResult {
        calls.append(.unkey(channel: channel, requester: requester, force: force))
        guard ["north", "south"].contains(channel) else { throw Self.unknown(channel) }
        guard let holder = holders[channel] else { return UnkeyResult(channel: channel, outcome: "refused") }
        guard holder.id == requester || force else {
            return UnkeyResult(channel: channel, outcome: "refused", holder: holder.id)
        }
        holders[channel] = nil
        return UnkeyResult(channel: channel, outcome: "unkeyed", holder: holder.id, heldSeconds: 1.5)
    }

    func attach(channel: String, incident: String?, by operatorName: String) async throws(RadioControlError) -> AttachResult {
        calls.append(.attach(channel: channel, incident: incident, by: operatorName))
        guard ["north", "south"].contains(channel) else { throw Self.unknown(channel) }
        if let incident, incident != "PLY-20261123-0001" {
            throw RadioControlError(.notFound, "no incident '\(incident)'")
        }
        return AttachResult(channel: channel, incident: incident, previous: nil)
    }

    func recall(channel: String, limit: Int) async throws(RadioControlError) -> RecallResult {
        calls.append(.recall(channel: channel, limit: limit))
        switch channel {
        case "north": return RecallResult(channel: channel, transmissions: Array(Self.north.prefix(limit)))
        case "south": return RecallResult(channel: channel, transmissions: [])
        default: throw Self.unknown(channel)
        }
    }

    func play(transmission id: Int64) async throws(RadioControlError) -> RecallOutputResult {
        calls.append(.play(id))
        guard let found = Self.north.first(where: { $0.id == id }) else {
            throw RadioControlError(.notFound, "transmission #\(id) not found — parleyctl recall CHANNEL lists them")
        }
        return RecallOutputResult(id: id, outcome: "played", target: "plughw:CARD=North,DEV=0", durationMS: found.durationMS ?? 0)
    }

    func export(transmission id: Int64, to path: String) async throws(RadioControlError) -> RecallOutputResult {
        calls.append(.export(id, path: path))
        guard let found = Self.north.first(where: { $0.id == id }) else {
            throw RadioControlError(.notFound, "transmission #\(id) not found — parleyctl recall CHANNEL lists them")
        }
        guard path.hasPrefix("/tmp/") else {
            throw RadioControlError(.rejected, "cannot write \(path): no such directory — choose a directory parleyd can write")
        }
        return RecallOutputResult(id: id, outcome: "exported", target: path, durationMS: found.durationMS ?? 0)
    }
}

/// A store, writer and control server with `radio` (or none), as `TestDaemon` but for the radio
/// commands: socket and directory reachable by other uids, roles as `TestDaemon.roles`.
struct RadioTestDaemon: Sendable {
    let directory: String
    let socketPath: String
    let store: IncidentStore

    func connect() async throws -> TestClient { try await TestClient.connect(socketPath) }

    /// Audit rows, waiting until `predicate` holds for them (rows are written after the response).
    func audit(until predicate: @escaping @Sendable ([AuditRecord]) -> Bool) async throws -> [AuditRecord] {
        var rows: [AuditRecord] = []
        for _ in 0..<300 {
            rows = try store.audit(limit: 1000)
            if predicate(rows) { return rows }
            try await Task.sleep(for: .milliseconds(10))
        }
        Issue.record("audit never matched; rows: \(rows.map { "\($0.entry.command) \($0.entry.outcome) \($0.entry.detail)" })")
        return rows
    }
}

/// Runs `body` with a started server whose radio is `radio`, and stops it afterwards whatever happens.
func withRadioDaemon<T>(_ radio: (any RadioControl)?, _ body: (RadioTestDaemon) async throws -> T) async throws -> T {
    let directory = "/tmp/parley-radio-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    chmod(directory, 0o755)
    defer { try? FileManager.default.removeItem(atPath: directory) }
    let store = try IncidentStore.open(path: directory + "/incidents.sqlite", options: StoreOptions(synchronous: .normal))
    defer { try? store.close() }
    let writer = try EventWriter(store: store, logger: .quiet)
    let server = ControlServer(
        settings: ControlServerSettings(
            socketPath: directory + "/control.sock", socketMode: 0o666, maxLineBytes: 65536, idleTimeout: .seconds(30),
            daemonVersion: "0.0.0-test", maxConnections: 64),
        store: store, writer: writer, roles: TestDaemon.roles, reload: { "nothing changed" }, status: { [:] },
        radio: radio, logger: .quiet)
    let group = ServiceGroup(services: [writer, server], logger: .quiet)
    let task = Task { try await group.run() }
    let outcome: Result<T, any Error>
    do {
        try await server.waitUntilListening()
        outcome = .success(try await body(RadioTestDaemon(directory: directory, socketPath: server.settings.socketPath, store: store)))
    } catch {
        outcome = .failure(error)
    }
    await group.triggerGracefulShutdown()
    do {
        try await task.value
    } catch {
        Issue.record("service group failed: \(error)")
    }
    return try outcome.get()
}
