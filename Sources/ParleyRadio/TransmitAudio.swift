import Foundation
import Logging
import ParleyAudio
import ParleyCore
import ParleyDSP
import ParleyStore
import Synchronization
import SystemPackage

/// A channel's transmit audio path. While a keyer holds the line (from the end of the TX
/// delay until the keying ends) it produces the transmitted audio in 20 ms blocks — the alert
/// tone when an emergency keying starts, a short channel marker every `markerInterval` while it
/// lasts; during other keyings the dispatcher microphone (`dispatcher_audio`), if configured;
/// silence otherwise — sends
/// them to the `transmit_audio` device if there is one, and records them: every keying is a
/// transmission row with direction `tx`, who keyed, and the emergency flag.
final class TransmitAudio: Sendable {
    private let channel: String
    private let sampleRate: SampleRate
    private let output: PlaybackConfiguration?
    /// The dispatcher microphone, transmitted during non-emergency keyings.
    private let microphone: CaptureConfiguration?
    private let markerInterval: Duration?
    private let recordingsDirectory: String
    private let writer: EventWriter
    private let wallClock: any WallClock
    private let logger: Logger
    private let inbox = Mutex<[TransmitAudioCommand]>([])
    private let status: ChannelStatusBoard
    private let blockDuration = Duration.milliseconds(20)

    init(
        channel: String, sampleRate: SampleRate, output: PlaybackConfiguration?, microphone: CaptureConfiguration? = nil,
        markerInterval: Duration?,
        recordingsDirectory: String, writer: EventWriter, wallClock: any WallClock, status: ChannelStatusBoard, logger: Logger
    ) {
        self.status = status
        self.channel = channel
        self.sampleRate = sampleRate
        self.output = output
        self.microphone = microphone
        self.markerInterval = markerInterval
        self.recordingsDirectory = recordingsDirectory
        self.writer = writer
        self.wallClock = wallClock
        self.logger = logger
    }

    /// Called by the transmitter (from its actor): never blocks.
    func send(_ command: TransmitAudioCommand) {
        inbox.withLock { $0.append(command) }
    }

    /// The oldest command, removed; or with `peek`, left in place.
    private func firstCommand(removing: Bool = true) -> TransmitAudioCommand? {
        inbox.withLock { commands in
            guard let first = commands.first else { return nil }
            if removing { commands.removeFirst() }
            return first
        }
    }

    /// The alert: two tones alternating, 0.8 s.
    func alertTone() -> [Int16] {
        let rate = Double(sampleRate.rawValue)
        var high = ToneGenerator(frequency: 1500, peakDBFS: -6, sampleRate: rate)
        var low = ToneGenerator(frequency: 1000, peakDBFS: -6, sampleRate: rate)
        var samples: [Int16] = []
        for _ in 0..<4 {
            samples += high.nextInt16(duration: .milliseconds(100))
            samples += low.nextInt16(duration: .milliseconds(100))
        }
        return samples
    }

    /// The marker: one 150 ms beep.
    func markerTone() -> [Int16] {
        var tone = ToneGenerator(frequency: 1750, peakDBFS: -10, sampleRate: Double(sampleRate.rawValue))
        return tone.nextInt16(duration: .milliseconds(150))
    }

    /// Transmits each keying in turn until cancelled. Every keying gets its recording and row,
    /// however short (a keying pre-empted at once still has at least one block); keyings
    /// already requested when cancelled are still recorded before `run` returns.
    func run(pollInterval: Duration = .milliseconds(20)) async {
        while true {
            guard let command = firstCommand() else {
                if Task.isCancelled { return }
                try? await Task.sleep(for: pollInterval)
                continue
            }
            if case .start(let keyer) = command {
                await transmit(keyer)
            }
        }
    }

    /// One keying: blocks every 20 ms until the next command (a `.stop` is consumed, a `.start`
    /// is left for the next keying) or cancellation.
    private func transmit(_ keyer: Keyer) async {
        let emergency = keyer.priority == .emergency
        let session = await TransmitRecording.begin(
            channel: channel, keyer: keyer, emergency: emergency, incidentID: status.incidentID, sampleRate: sampleRate,
            directory: recordingsDirectory, writer: writer, wallClock: wallClock, logger: logger)
        var pending: [Int16] = emergency ? alertTone() : []
        let heard = HeardAudio()
        let clock = ContinuousClock()
        // The channel marker: on an emergency keying, and on every keying while the channel is
        // in emergency mode (a unit's emergency not yet acknowledged).
        let marking = emergency || status.snapshot.emergency != nil
        var nextMarker = marking ? markerInterval.map { clock.now.advanced(by: $0) } : nil
        let blockSamples = sampleRate.samples(in: blockDuration)

        func produceBlocks(_ write: ([Int16]) async throws -> Void) async throws {
            var due = clock.now
            while true {
                if let marker = nextMarker, marker <= clock.now, let markerInterval {
                    pending += markerTone()
                    nextMarker = clock.now.advanced(by: markerInterval)
                }
                var block = [Int16](repeating: 0, count: blockSamples)
                let fromTone = min(pending.count, blockSamples)
                if fromTone > 0 {
                    block.replaceSubrange(0..<fromTone, with: pending[0..<fromTone])
                    pending.removeFirst(fromTone)
                } else {
                    // The microphone: what it captured since the last block, at most one block.
                    let captured: [Int16] = heard.samples.withLock { buffer in
                        let count = min(buffer.count, blockSamples)
                        defer { buffer.removeFirst(count) }
                        return Array(buffer[0..<count])
                    }
                    block.replaceSubrange(0..<captured.count, with: captured)
                }
                session?.append(block)
                try await write(block)
                switch firstCommand(removing: false) {
                case .stop?:
                    _ = firstCommand()
                    return
                case .start?:
                    return
                case nil:
                    break
                }
                if Task.isCancelled { return }
                due = due.advanced(by: blockDuration)
                try await clock.sleep(until: due)
            }
        }

        func transmitBlocks() async throws {
            if let output {
                _ = try await PlaybackSink(channel: channel, configuration: output, logger: logger).run { sink in
                    try await produceBlocks { try await sink.write($0) }
                }
            } else {
                try await produceBlocks { _ in }
            }
        }

        do {
            if let microphone, !emergency {
                // The microphone runs beside the blocks and stops with them; at most 200 ms is
                // held, so a late block never lets the transmission fall behind the speaker.
                let limit = blockSamples * 10
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        try await CaptureStream(channel: self.channel, configuration: microphone, logger: self.logger).run { event in
                            guard case .frame(let frame) = event else { return }
                            heard.samples.withLock { buffer in
                                buffer += frame.samples
                                if buffer.count > limit { buffer.removeFirst(buffer.count - limit) }
                            }
                        }
                    }
                    try await transmitBlocks()
                    group.cancelAll()
                    try await group.waitForAll()
                }
            } else {
                try await transmitBlocks()
            }
        } catch {
            if !Task.isCancelled {
                logger.warning("Transmit audio failed", metadata: ["audio.error": "\(error)"])
            }
        }
        await session?.finish()
    }
}

/// The recording and row of one keying (direction `tx`).
final class TransmitRecording {
    private let recorder: TransmissionRecorder
    private let writer: EventWriter
    private let logger: Logger
    private let rowID: Int64
    private let openedAt: Date

    private init(recorder: TransmissionRecorder, writer: EventWriter, logger: Logger, rowID: Int64, openedAt: Date) {
        self.recorder = recorder
        self.writer = writer
        self.logger = logger
        self.rowID = rowID
        self.openedAt = openedAt
    }

    /// Starts the file and the row; nil (logged) if either cannot be made — the keying goes on.
    static func begin(
        channel: String, keyer: Keyer, emergency: Bool, incidentID: Int64?, sampleRate: SampleRate, directory: String,
        writer: EventWriter, wallClock: any WallClock, logger: Logger
    ) async -> TransmitRecording? {
        let recorder = TransmissionRecorder(
            configuration: .init(channel: channel, sampleRate: sampleRate, directory: FilePath(directory), preRoll: .zero),
            logger: logger)
        let openedAt = wallClock.now()
        do {
            let path = try recorder.start(at: openedAt)
            let (row, _) = try await writer.perform(
                priority: emergency ? .emergency : .priority,
                TransmissionOperations.begin(
                    channelID: channel, startedAt: Timestamp.millis(openedAt), direction: .transmitted, transmittedBy: keyer.id,
                    filePath: path.string, incidentID: incidentID, emergency: emergency))
            return TransmitRecording(recorder: recorder, writer: writer, logger: logger, rowID: row.id, openedAt: openedAt)
        } catch {
            logger.error("Cannot record the transmitted audio", metadata: ["keyer": "\(keyer.id)", "error": "\(error)"])
            if recorder.isRecording { _ = try? recorder.finish() }
            return nil
        }
    }

    func append(_ samples: [Int16]) {
        recorder.append(samples)
    }

    func finish() async {
        do {
            let recording = try recorder.finish()
            _ = try await writer.perform(
                priority: .routine,
                TransmissionOperations.finish(
                    rowID,
                    TransmissionSummary(
                        endedAt: Timestamp.millis(recording.endedAt), durationMillis: recording.duration.wholeMilliseconds,
                        peakDBFS: recording.level.peakDBFS, rmsDBFS: recording.level.rmsDBFS, fileSHA256: recording.sha256)))
        } catch {
            logger.error(
                "Cannot complete the transmitted-audio row; it will be repaired at the next start",
                metadata: ["transmission.id": "\(rowID)", "error": "\(error)"])
        }
    }
}

/// The dispatcher microphone's latest audio, shared between its capture and the block loop.
private final class HeardAudio: Sendable {
    let samples = Mutex<[Int16]>([])
}
