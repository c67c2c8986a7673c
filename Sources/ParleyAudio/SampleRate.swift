/// A channel's audio sample rate. Parley's channels run at 8, 16 or 48 kHz: rates that ALSA
/// devices commonly offer and that Opus encodes natively (no resampling on the way to disk).
public struct SampleRate: RawRepresentable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public let rawValue: Int

    public init?(rawValue: Int) {
        guard Self.supported.contains(where: { $0.rawValue == rawValue }) else { return nil }
        self.rawValue = rawValue
    }

    private init(unchecked: Int) { rawValue = unchecked }

    public static let hz8000 = SampleRate(unchecked: 8000)
    public static let hz16000 = SampleRate(unchecked: 16000)
    public static let hz48000 = SampleRate(unchecked: 48000)
    public static let supported: [SampleRate] = [.hz8000, .hz16000, .hz48000]

    /// Samples in `duration` at this rate, rounded down.
    public func samples(in duration: Duration) -> Int {
        let parts = duration.components
        let attosPerSample = 1_000_000_000_000_000_000 / Int64(rawValue)
        return Int(parts.seconds) * rawValue + Int(parts.attoseconds / attosPerSample)
    }

    /// The duration of `samples` samples at this rate (exact to the nanosecond).
    public func duration(ofSamples samples: Int) -> Duration {
        .nanoseconds(Int64(samples) * 1_000_000_000 / Int64(rawValue))
    }

    public var description: String { "\(rawValue) Hz" }

    public static func < (lhs: SampleRate, rhs: SampleRate) -> Bool { lhs.rawValue < rhs.rawValue }
}
