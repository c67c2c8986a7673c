import Foundation
import Logging
import ParleyAudio
import ParleyConfig
import ParleyControl
import ParleyCore
import ParleyDevices
import ParleyDSP
import ParleyStore
import ServiceLifecycle

/// One radio channel, running: capture → squelch → recording and transmission rows; keying
/// through floor control to the PTT driver; channel faults as events.
///
/// Every part is a child task of ``run()``; a device that is missing or fails makes the
/// channel (or that part of it) down and is retried, never ends the service. On graceful
/// shutdown or cancellation the transmission in progress is completed and the PTT line is
/// dropped before `run()` returns.
public final class ChannelService: Service, Sendable {
    public let channel: ParleyConfiguration.Channel
    private let writer: EventWriter
    private let logger: Logger
    private let status: ChannelStatusBoard
    private let receiver: ChannelReceiver<ContinuousClock>
    private let transmitter: ChannelTransmitter<ContinuousClock>
    private let transmitAudio: TransmitAudio?
    /// The channel's TETRA terminal, when it has one (`tetra:`).
    private let tetra: ChannelTETRA?
    /// How often timers are checked and COR lines polled.
    private let tickInterval: Duration

    public init(
        channel: ParleyConfiguration.Channel, recordingsDirectory: String, writer: EventWriter, logger: Logger,
        wallClock: any WallClock = SystemWallClock(), tickInterval: Duration = .milliseconds(20),
        openPTT: (@Sendable () throws(DeviceError) -> any PTTDriver)? = nil
    ) {
        var logger = logger
        logger[metadataKey: "channel.id"] = "\(channel.id)"
        self.channel = channel
        self.writer = writer
        self.logger = logger
        self.tickInterval = tickInterval
        let status = ChannelStatusBoard(id: channel.id, name: channel.name, hasTransmitter: channel.hasTransmitter)
        self.status = status
        let tetra = channel.tetra.map { ChannelTETRA(channel: channel, settings: $0, writer: writer, logger: logger) }
        self.tetra = tetra
        let openDriver: (@Sendable () throws(DeviceError) -> any PTTDriver)?
        if let openPTT {
            openDriver = openPTT
        } else if let terminal = tetra?.terminal {
            openDriver = { () throws(DeviceError) -> any PTTDriver in TetraPEIPTT(terminal: terminal) }
        } else if let ptt = channel.ptt {
            let driverLogger = logger
            openDriver = { () throws(DeviceError) -> any PTTDriver in try ChannelDevices.openPTT(ptt, logger: driverLogger) }
        } else {
            openDriver = nil
        }
        // Every channel with a transmitter records what it transmits; the device is optional.
        let transmitAudio = (channel.hasTransmitter ? channel : nil).map { _ in
            TransmitAudio(
                channel: channel.id, sampleRate: SampleRate(rawValue: channel.capture.sampleRate) ?? .hz16000,
                output: channel.transmitAudio.map(ChannelDevices.playback),
                microphone: channel.dispatcherAudio.map { ChannelDevices.dispatcherCapture(channel, $0) },
                markerInterval: channel.emergencyMarkerInterval,
                recordingsDirectory: recordingsDirectory, writer: writer, wallClock: wallClock, status: status, logger: logger)
        }
        self.transmitAudio = transmitAudio
        var audioSink: (@Sendable (TransmitAudioCommand) -> Void)?
        if let transmitAudio {
            audioSink = { command in transmitAudio.send(command) }
        }
        let transmitter = ChannelTransmitter<ContinuousClock>(
            channel: channel, clock: ContinuousClock(), writer: writer, status: status, logger: logger,
            openDriver: openDriver, audio: audioSink)
        self.transmitter = transmitter
        receiver = ChannelReceiver(
            channel: channel, recordingsDirectory: recordingsDirectory, clock: ContinuousClock(), wallClock: wallClock,
            writer: writer, status: status, logger: logger,
            receivingChanged: { receiving in await transmitter.receivingChanged(receiving) })
    }

    public var id: String { channel.id }

    /// The channel as `parleyctl channels` shows it.
    public var statusSnapshot: ChannelStatusResult { status.snapshot }

    public func key(_ keyer: Keyer, for duration: Duration?) async -> KeyResult {
        await transmitter.key(keyer, for: duration)
    }

    /// Sends a text to a radio unit through the channel's TETRA terminal.
    public func sendText(_ text: String, to issi: Int64, by person: String) async throws(RadioControlError) -> SDSMessageRecord {
        guard let tetra else { throw RadioControlError(.rejected, "channel \(channel.id) has no TETRA terminal") }
        return try await tetra.send(text: text, to: issi, by: person)
    }

    public var hasTETRA: Bool { tetra != nil }

    /// Emergency mode follows the channel's open emergencies: `open` are their ids, oldest
    /// first (after an acknowledgement, and at start-up from the store).
    public func emergenciesChanged(open: [Int64]) {
        status.update { $0.emergency = open.first }
    }

    public func unkey(requester: String, force: Bool) async -> UnkeyResult {
        await transmitter.unkey(requester: requester, force: force)
    }

    /// Links the channel's next transmissions to an incident (nil: to none); returns the
    /// reference it replaced. A transmission in progress keeps the link it started with.
    public func attach(incident: (id: Int64, reference: String)?) -> String? {
        status.attach(incident)
    }

    public func run() async throws {
        logger.info("Channel starting", metadata: ["audio.device": "\(ChannelDevices.capture(channel).device)"])
        await transmitter.start()
        await withTaskGroup(of: Bool.self) { group in
            group.addTask { await self.runCapture(); return false }
            for source in self.channel.squelch.sources {
                group.addTask { await self.pollCOR(source); return false }
            }
            group.addTask { await self.runTimers(); return false }
            if let tetra = self.tetra {
                group.addTask { await tetra.terminal.run(); return false }
                group.addTask { await tetra.follow(receiver: self.receiver, transmitter: self.transmitter); return false }
            }
            if let transmitAudio = self.transmitAudio {
                group.addTask { await transmitAudio.run(); return false }
            }
            // True on graceful shutdown or cancellation; then every part is stopped.
            group.addTask { try? await gracefulShutdown(); return true }
            while let stop = await group.next(), !stop {}
            group.cancelAll()
        }
        // Also reached on cancellation: these calls do not depend on the task being live.
        await receiver.shutdown()
        await transmitter.shutdown()
        logger.info("Channel stopped")
    }

    private func runCapture() async {
        let stream = CaptureStream(channel: channel.id, configuration: ChannelDevices.capture(channel), logger: logger)
        do {
            try await stream.run { event in await self.receiver.submit(.capture(event)) }
        } catch {
            if !Task.isCancelled {
                logger.error("Capture stopped", metadata: ["audio.error": "\(error)"])
            }
        }
    }

    private func runTimers() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: tickInterval)
            await receiver.submit(.tick)
            await transmitter.tick()
        }
    }

    /// Polls one COR source every tick; an unreadable device is reported once and reopened
    /// every second.
    private func pollCOR(_ source: ParleyConfiguration.SquelchSource) async {
        let reader: any COReader
        switch source {
        case .vox:
            return
        case .serial, .cm108:
            guard let polled = ChannelDevices.corReader(source) else { return }
            reader = polled
        }
        let id = SquelchSourceID(rawValue: reader.sourceID)
        var last: Bool?
        var failed = false
        while !Task.isCancelled {
            do {
                if let active = try reader.read(), active != last {
                    last = active
                    await receiver.submit(.cor(id, active: active))
                }
                if failed {
                    failed = false
                    logger.notice("COR readable again", metadata: ["squelch.source": "\(id)"])
                    await receiver.submit(.corHealth(id, failure: nil))
                }
                try? await Task.sleep(for: tickInterval)
            } catch {
                reader.close()
                last = nil
                if !failed {
                    failed = true
                    logger.error("COR unreadable; squelch source ignored until it is back (retrying every second)",
                                 metadata: ["squelch.source": "\(id)", "device.error": "\(error)"])
                    await receiver.submit(.corHealth(id, failure: "\(error)"))
                }
                try? await Task.sleep(for: .seconds(1))
            }
        }
        reader.close()
    }
}
