import Foundation
import Logging

/// A channel's audio output: writes blocks of samples to an ALSA playback device on a
/// dedicated thread, fed from async code through a bounded queue.
///
/// ```swift
/// let sink = PlaybackSink(channel: "north", configuration: config, logger: logger)
/// let report = try await sink.run { output in
///     for block in alertTone { try await output.write(block) }
/// }   // returns once everything written has been handed to the device and drained
/// ```
/// A device that is missing or fails is logged once (down, and up again), reopened every
/// `retryDelay`, and the samples offered while it is down are discarded and counted — live
/// audio is never queued up to be played late.
public struct PlaybackSink: Sendable {
    public let channel: String
    public let configuration: PlaybackConfiguration
    private let logger: Logger

    public init(channel: String, configuration: PlaybackConfiguration, logger: Logger) {
        self.channel = channel
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "channel.id"] = "\(channel)"
        logger[metadataKey: "audio.device"] = "\(configuration.device)"
        self.logger = logger
    }

    /// Where the body writes its audio.
    public struct Output: Sendable {
        fileprivate let handoff: BoundedHandoff<[Int16]>

        /// Queues `samples` (any length) for playback, suspending while the queue is full.
        public func write(_ samples: [Int16]) async throws {
            try Task.checkCancellation()
            guard await handoff.push(samples) else { throw CancellationError() }
        }
    }

    /// What happened to the audio written.
    public struct Report: Sendable, Hashable {
        /// Samples handed to the device.
        public var samplesPlayed: Int
        /// Samples discarded because the device was down.
        public var samplesDiscarded: Int
    }

    /// Runs `body`, then drains the device and stops the thread.
    public func run(_ body: (Output) async throws -> Void) async throws -> Report {
        let handoff = BoundedHandoff<[Int16]>(capacity: configuration.queueCapacity)
        let stop = StopSignal()
        let exit = ThreadExit()
        let writer = PlaybackWriter(configuration: configuration, logger: logger, handoff: handoff, stop: stop)
        let result = PlaybackWriter.Tally()
        let thread = Thread {
            result.set(writer.run())
            exit.signal()
        }
        thread.name = "parley-playback-\(channel)"
        thread.start()

        do {
            try await withTaskCancellationHandler {
                try await body(Output(handoff: handoff))
            } onCancel: {
                stop.stop()
                handoff.cancel()
            }
        } catch {
            stop.stop()
            handoff.cancel()
            await exit.wait()
            throw error
        }
        handoff.finish()
        await exit.wait()
        return result.value
    }
}

/// How a channel's playback device is opened.
public struct PlaybackConfiguration: Sendable, Hashable {
    public var device: AudioDevice
    public var sampleRate: SampleRate
    /// ALSA period.
    public var periodDuration: Duration
    /// ALSA ring buffer length in periods.
    public var bufferPeriods: Int
    /// Delay between attempts to reopen a missing or failed device.
    public var retryDelay: Duration
    /// Blocks held between the async writer and the playback thread.
    public var queueCapacity: Int

    /// - Parameters:
    ///   - periodDuration: default 20 ms; bufferPeriods: default 4; retryDelay: default 1 s;
    ///     queueCapacity: default 8 blocks.
    public init(
        device: AudioDevice, sampleRate: SampleRate, periodDuration: Duration = .milliseconds(20),
        bufferPeriods: Int = 4, retryDelay: Duration = .seconds(1), queueCapacity: Int = 8
    ) {
        self.device = device
        self.sampleRate = sampleRate
        self.periodDuration = periodDuration
        self.bufferPeriods = max(bufferPeriods, 2)
        self.retryDelay = retryDelay
        self.queueCapacity = max(queueCapacity, 1)
    }
}
