/// How a channel's capture stream opens and reads its ALSA device.
public struct CaptureConfiguration: Sendable, Hashable {
    /// Who sets the pace of delivery.
    public enum Pacing: Sendable, Hashable {
        /// The device: reads block until a period has been captured (sound cards, USB
        /// interfaces). Unpaced plugins then deliver as fast as the consumer takes frames.
        case device
        /// Parley: frames are delivered no faster than real time, for sources that return at
        /// once (alsa-lib's `file`/`null` plugins in the simulator and demos).
        case realTime
    }

    public var device: AudioDevice
    public var sampleRate: SampleRate
    /// Audio per delivered frame and ALSA period.
    public var frameDuration: Duration
    /// ALSA ring buffer length in periods.
    public var bufferPeriods: Int
    public var pacing: Pacing
    /// Delay between attempts to reopen a missing or failed device.
    public var retryDelay: Duration
    /// Frames held between the capture thread and its consumer before the thread waits.
    public var queueCapacity: Int

    /// - Parameters:
    ///   - frameDuration: default 20 ms (one Opus frame).
    ///   - bufferPeriods: default 4 (80 ms of slack before an overrun).
    ///   - pacing: default `.device`.
    ///   - retryDelay: default 1 s.
    ///   - queueCapacity: default 50 frames (1 s at 20 ms).
    public init(
        device: AudioDevice, sampleRate: SampleRate, frameDuration: Duration = .milliseconds(20),
        bufferPeriods: Int = 4, pacing: Pacing = .device, retryDelay: Duration = .seconds(1), queueCapacity: Int = 50
    ) {
        self.device = device
        self.sampleRate = sampleRate
        self.frameDuration = frameDuration
        self.bufferPeriods = max(bufferPeriods, 2)
        self.pacing = pacing
        self.retryDelay = retryDelay
        self.queueCapacity = max(queueCapacity, 1)
    }

    /// Samples per frame at the configured rate.
    public var frameSamples: Int { max(sampleRate.samples(in: frameDuration), 1) }
}
