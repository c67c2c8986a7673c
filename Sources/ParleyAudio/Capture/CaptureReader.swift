import Foundation
import Logging

/// The body of a capture thread: open, read periods, hand them over; on failure report down,
/// wait, reopen. Runs until stopped or until the consumer goes away.
struct CaptureReader: Sendable {
    let configuration: CaptureConfiguration
    let logger: Logger
    let handoff: BoundedHandoff<CaptureEvent>
    let stop: StopSignal

    func run() {
        var health = DeviceHealth()
        var sampleIndex: UInt64 = 0
        while !stop.isStopped {
            let pcm: AlsaPCM
            do {
                pcm = try AlsaPCM(
                    device: configuration.device, direction: .capture, sampleRate: configuration.sampleRate,
                    periodFrames: configuration.frameSamples, bufferPeriods: configuration.bufferPeriods)
            } catch {
                guard report(error, &health) else { return }
                if stop.sleep(for: configuration.retryDelay) { return }
                continue
            }
            if health.opened() == .cameUp {
                logger.notice(
                    "Audio capture device up",
                    metadata: [
                        "audio.rate": "\(configuration.sampleRate.rawValue)",
                        "audio.period_frames": "\(pcm.periodFrames)", "audio.buffer_frames": "\(pcm.bufferFrames)",
                    ])
                let info = CaptureDeviceInfo(
                    device: configuration.device, sampleRate: configuration.sampleRate,
                    periodFrames: pcm.periodFrames, bufferFrames: pcm.bufferFrames)
                guard handoff.pushBlocking(.up(info)) else { return }
            }
            do {
                guard try read(from: pcm, sampleIndex: &sampleIndex) else { return }
            } catch {
                pcm.close()
                guard report(error, &health) else { return }
                if stop.sleep(for: configuration.retryDelay) { return }
            }
        }
    }

    /// Reads until stopped (returns false: exit) or the device fails (throws).
    private func read(from pcm: AlsaPCM, sampleIndex: inout UInt64) throws(AlsaError) -> Bool {
        let frameSamples = configuration.frameSamples
        let rate = configuration.sampleRate
        let openedAt = ContinuousClock.now
        var samplesSinceOpen = 0
        var xrunsLogged = 0
        while !stop.isStopped {
            var samples = [Int16](repeating: 0, count: frameSamples)
            try pcm.read(into: &samples)
            if pcm.xrunCount > xrunsLogged {
                // First overrun after opening at info; later ones at debug (a loaded system can
                // overrun every few seconds, and the log must stay readable).
                let metadata: Logger.Metadata = ["audio.xruns": "\(pcm.xrunCount)"]
                if xrunsLogged == 0 {
                    logger.info("Audio capture overrun recovered", metadata: metadata)
                } else {
                    logger.debug("Audio capture overrun recovered", metadata: metadata)
                }
                xrunsLogged = pcm.xrunCount
            }
            samplesSinceOpen += frameSamples
            if configuration.pacing == .realTime {
                let due = openedAt + rate.duration(ofSamples: samplesSinceOpen)
                let wait = due - ContinuousClock.now
                if wait > .zero, stop.sleep(for: wait) { return false }
            }
            let frame = AudioFrame(samples: samples, sampleRate: rate, sampleIndex: sampleIndex, capturedAt: .now)
            sampleIndex += UInt64(frameSamples)
            guard handoff.pushBlocking(.frame(frame)) else { return false }
        }
        return false
    }

    /// Logs and delivers a failure if it changes the device's state. Returns false if the
    /// consumer has gone.
    private func report(_ error: AlsaError, _ health: inout DeviceHealth) -> Bool {
        guard health.failed(reason: error.reason) == .wentDown else {
            logger.debug("Audio capture device still unavailable", metadata: ["audio.error": "\(error.reason)"])
            return true
        }
        logger.warning("Audio capture device down", metadata: ["audio.error": "\(error)"])
        return handoff.pushBlocking(.down(error))
    }
}
