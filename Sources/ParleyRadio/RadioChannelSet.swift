import Logging
import ParleyAudio
import ParleyConfig
import ParleyControl
import ParleyCore
import ParleyStore
import ServiceLifecycle
import SystemPackage

/// The configured channels: a `Service` that first completes transmissions a crash left
/// open, then runs every channel; and, for the control socket, status, keying and recall.
/// (`parleyd` declares its conformance to the control server's `RadioControl`, which has the
/// same methods.)
public final class RadioChannelSet: Service, Sendable {
    public let services: [ChannelService]
    private let store: IncidentStore
    private let writer: EventWriter
    private let logger: Logger

    public init(services: [ChannelService], store: IncidentStore, writer: EventWriter, logger: Logger) {
        self.services = services
        self.store = store
        self.writer = writer
        self.logger = logger
    }

    /// Repairs interrupted transmissions (before any channel can open a new one), then runs
    /// the channels until graceful shutdown; each stops by completing its transmission in
    /// progress and dropping its PTT.
    public func run() async throws {
        await InterruptedTransmissions.repair(store: store, writer: writer, logger: logger)
        await emergenciesChanged()
        if services.isEmpty {
            // Nothing to run, but ending would stop the daemon: wait for the shutdown.
            try? await gracefulShutdown()
            return
        }
        await withTaskGroup(of: Void.self) { group in
            for service in services {
                group.addTask {
                    do {
                        try await service.run()
                    } catch {
                        self.logger.error("Channel stopped with an error", metadata: ["channel.id": "\(service.id)", "error": "\(error)"])
                    }
                }
            }
        }
    }

    private func service(_ id: String) throws(RadioControlError) -> ChannelService {
        guard let service = services.first(where: { $0.id == id }) else {
            let known = services.map(\.id).joined(separator: ", ")
            throw RadioControlError(.notFound, "no channel '\(id)'" + (known.isEmpty ? "; none is configured" : "; channels: \(known)"))
        }
        return service
    }

    public func channels() async -> [ChannelStatusResult] {
        services.map(\.statusSnapshot)
    }

    public func key(channel: String, keyer: Keyer, for duration: Duration?) async throws(RadioControlError) -> KeyResult {
        try await service(channel).key(keyer, for: duration)
    }

    public func unkey(channel: String, requester: String, force: Bool) async throws(RadioControlError) -> UnkeyResult {
        try await service(channel).unkey(requester: requester, force: force)
    }

    /// Attaches the channel to an open incident (by reference or id), or detaches it (nil);
    /// stored as a `channel.attached` / `channel.detached` event on the incident.
    public func attach(channel: String, incident: String?, by operatorName: String) async throws(RadioControlError) -> AttachResult {
        let service = try service(channel)
        guard let incident else {
            let previous = service.attach(incident: nil)
            await record(EventDraft(
                priority: .routine, kind: "channel.detached", source: .channel(channel),
                payload: ["by": .string(operatorName), "previous": previous.map(JSONValue.string) ?? .null]))
            return AttachResult(channel: channel, incident: nil, previous: previous)
        }
        let found: IncidentRecord
        do {
            found = try store.incident(incident).incident
        } catch let error as StoreError where error.isNotFound {
            throw RadioControlError(.notFound, "no incident '\(incident)'; see parleyctl incidents list")
        } catch {
            throw RadioControlError(.storeUnavailable, "cannot read incident '\(incident)': \(error)")
        }
        guard found.isOpen else {
            throw RadioControlError(.rejected, "incident \(found.reference) is closed; attach the channel to an open incident")
        }
        let previous = service.attach(incident: (found.id, found.reference))
        await record(EventDraft(
            priority: .routine, kind: "channel.attached", source: .channel(channel), incidentID: found.id,
            payload: ["by": .string(operatorName), "incident": .string(found.reference), "previous": previous.map(JSONValue.string) ?? .null]))
        return AttachResult(channel: channel, incident: found.reference, previous: previous)
    }

    private func record(_ draft: EventDraft) async {
        do {
            try await writer.append(draft)
        } catch {
            logger.error("Cannot store channel event", metadata: ["event.kind": "\(draft.kind)", "store.error": "\(error)"])
        }
    }

    /// Sends a text through a channel's TETRA terminal; `channel` may be left out when only
    /// one channel has a terminal.
    public func sendSDS(channel: String?, issi: Int64, text: String, by operatorName: String) async throws(RadioControlError)
        -> SDSSentResult
    {
        let service: ChannelService
        if let channel {
            service = try self.service(channel)
        } else {
            let terminals = services.filter(\.hasTETRA)
            guard terminals.count == 1, let only = terminals.first else {
                throw RadioControlError(
                    terminals.isEmpty ? .notFound : .rejected,
                    terminals.isEmpty
                        ? "no channel has a TETRA terminal; add tetra: to a channel in parleyd's configuration"
                        : "channels \(terminals.map(\.id).joined(separator: ", ")) have TETRA terminals; say which with channel")
            }
            service = only
        }
        let record = try await service.sendText(text, to: issi, by: operatorName)
        return SDSSentResult(
            message: record.id, channel: record.channelID, issi: record.issi, text: record.text ?? text,
            sentAt: Timestamp.iso8601(millis: record.at))
    }

    /// Emergencies were acknowledged (or are being restored at start): each channel's
    /// emergency mode follows its open emergencies in the store.
    public func emergenciesChanged() async {
        do {
            let open = try store.openEmergencies()
            for service in services {
                service.emergenciesChanged(open: open.filter { $0.channelID == service.id }.map(\.id))
            }
        } catch {
            logger.error("Cannot read open emergencies", metadata: ["store.error": "\(error)"])
        }
    }

    public func recall(channel: String, limit: Int) async throws(RadioControlError) -> RecallResult {
        _ = try service(channel)
        do {
            let rows = try store.transmissions(channelID: channel, limit: limit)
            return RecallResult(channel: channel, transmissions: rows.map(Self.result))
        } catch {
            throw RadioControlError(.storeUnavailable, "cannot read transmissions: \(error)")
        }
    }

    public func play(transmission id: Int64) async throws(RadioControlError) -> RecallOutputResult {
        let row = try transmission(id)
        let service = try service(row.channelID)
        guard let playback = service.channel.playback else {
            throw RadioControlError(.rejected, "channel '\(row.channelID)' has no playback device; add playback: { device: … } to it, or use --export")
        }
        let configuration = ChannelDevices.playback(playback)
        let decoded = try decode(row, at: configuration.sampleRate)
        do {
            let report = try await PlaybackSink(channel: row.channelID, configuration: configuration, logger: logger).run { output in
                try await output.write(decoded.samples)
            }
            if report.samplesDiscarded > 0 {
                throw RadioControlError(.rejected, "the playback device \(configuration.device) is down; \(report.samplesDiscarded) samples were not played")
            }
        } catch let error as RadioControlError {
            throw error
        } catch {
            throw RadioControlError(.rejected, "playback failed: \(error)")
        }
        return RecallOutputResult(
            id: id, outcome: "played", target: "\(configuration.device)",
            durationMS: Int64(decoded.samples.count) * 1000 / Int64(decoded.sampleRate.rawValue))
    }

    public func export(transmission id: Int64, to path: String) async throws(RadioControlError) -> RecallOutputResult {
        let row = try transmission(id)
        guard path.hasPrefix("/") else {
            throw RadioControlError(.rejected, "the export path must be absolute (parleyctl makes it so)")
        }
        let decoded = try decode(row)
        do {
            try WAVFile.write(decoded.samples, sampleRate: decoded.sampleRate, to: FilePath(path))
        } catch {
            throw RadioControlError(.rejected, "cannot write \(path): \(error)")
        }
        return RecallOutputResult(
            id: id, outcome: "exported", target: path,
            durationMS: Int64(decoded.samples.count) * 1000 / Int64(decoded.sampleRate.rawValue))
    }

    private func transmission(_ id: Int64) throws(RadioControlError) -> TransmissionRecord {
        let found: TransmissionRecord?
        do {
            found = try store.transmission(id)
        } catch {
            throw RadioControlError(.storeUnavailable, "cannot read transmission \(id): \(error)")
        }
        guard let found else { throw RadioControlError(.notFound, "no transmission \(id); see parleyctl recall CHANNEL") }
        return found
    }

    private func decode(_ row: TransmissionRecord, at rate: SampleRate? = nil) throws(RadioControlError) -> DecodedRecording {
        do {
            return try RecordingDecoder.decode(FilePath(row.filePath), sampleRate: rate)
        } catch {
            throw RadioControlError(.rejected, "cannot decode \(row.filePath): \(error)")
        }
    }

    static func result(_ row: TransmissionRecord) -> TransmissionResult {
        TransmissionResult(
            id: row.id, channel: row.channelID, startedAt: row.startedAt, endedAt: row.endedAt, durationMS: row.durationMillis,
            direction: row.direction.rawValue, transmittedBy: row.transmittedBy, talkerID: row.talkerID, emergency: row.emergency,
            peakDBFS: row.peakDBFS, rmsDBFS: row.rmsDBFS, file: row.filePath, sha256: row.fileSHA256, incidentID: row.incidentID,
            status: row.status.rawValue)
    }
}
