import Foundation
import Logging

/// The body of a playback thread: take blocks from the queue and write them to the device,
/// opening it on demand and reopening it (at most every `retryDelay`) after a failure.
struct PlaybackWriter: Sendable {
    let configuration: PlaybackConfiguration
    let logger: Logger
    let handoff: BoundedHandoff<[Int16]>
    let stop: StopSignal

    /// Hands the thread's report back to async code.
    final class Tally: @unchecked Sendable {
        // @unchecked: written once by the thread before ThreadExit.signal(), read after wait().
        private(set) var value = PlaybackSink.Report(samplesPlayed: 0, samplesDiscarded: 0)
        func set(_ report: PlaybackSink.Report) { value = report }
    }

    func run() -> PlaybackSink.Report {
        var report = PlaybackSink.Report(samplesPlayed: 0, samplesDiscarded: 0)
        var health = DeviceHealth()
        var pcm: AlsaPCM?
        var nextAttempt = ContinuousClock.now
        while let block = handoff.popBlocking() {
            if pcm == nil, ContinuousClock.now >= nextAttempt {
                do {
                    pcm = try open()
                    if health.opened() == .cameUp {
                        logger.notice("Audio playback device up", metadata: ["audio.rate": "\(configuration.sampleRate.rawValue)"])
                    }
                } catch {
                    fail(error, &health)
                    nextAttempt = ContinuousClock.now + configuration.retryDelay
                }
            }
            guard let device = pcm else {
                report.samplesDiscarded += block.count
                continue
            }
            do {
                try device.write(block)
                report.samplesPlayed += block.count
            } catch {
                device.close()
                pcm = nil
                report.samplesDiscarded += block.count
                fail(error, &health)
                nextAttempt = ContinuousClock.now + configuration.retryDelay
            }
        }
        if let pcm {
            if !stop.isStopped { pcm.drain() }
            pcm.close()
        }
        return report
    }

    private func open() throws(AlsaError) -> AlsaPCM {
        try AlsaPCM(
            device: configuration.device, direction: .playback, sampleRate: configuration.sampleRate,
            periodFrames: max(configuration.sampleRate.samples(in: configuration.periodDuration), 1),
            bufferPeriods: configuration.bufferPeriods)
    }

    private func fail(_ error: AlsaError, _ health: inout DeviceHealth) {
        if health.failed(reason: error.reason) == .wentDown {
            logger.warning("Audio playback device down", metadata: ["audio.error": "\(error)"])
        } else {
            logger.debug("Audio playback device still unavailable", metadata: ["audio.error": "\(error.reason)"])
        }
    }
}
