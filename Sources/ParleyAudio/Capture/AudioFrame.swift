/// One block of captured mono audio (one ALSA period, 20 ms by default).
public struct AudioFrame: Sendable, Hashable {
    public var samples: [Int16]
    public var sampleRate: SampleRate
    /// Position of the first sample since the capture stream started, counting every sample
    /// delivered (monotonic; time while the device was down is not counted).
    public var sampleIndex: UInt64
    /// When the read that produced this block returned. On an unpaced source without
    /// `.realTime` pacing this runs ahead of the audio; ``sampleIndex`` never does.
    public var capturedAt: ContinuousClock.Instant

    public init(samples: [Int16], sampleRate: SampleRate, sampleIndex: UInt64, capturedAt: ContinuousClock.Instant) {
        self.samples = samples
        self.sampleRate = sampleRate
        self.sampleIndex = sampleIndex
        self.capturedAt = capturedAt
    }

    /// The audio time this block covers.
    public var duration: Duration { sampleRate.duration(ofSamples: samples.count) }
}
