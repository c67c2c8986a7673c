import COpus

/// libopus's application modes (`OPUS_APPLICATION_*`).
public struct OpusApplication: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    /// Speech intelligibility first (Parley's default for radio traffic).
    public static let voip = OpusApplication(rawValue: OPUS_APPLICATION_VOIP)
    /// Faithful reproduction of non-speech audio.
    public static let audio = OpusApplication(rawValue: OPUS_APPLICATION_AUDIO)
    /// Lowest delay (disables speech-optimised modes).
    public static let restrictedLowDelay = OpusApplication(rawValue: OPUS_APPLICATION_RESTRICTED_LOWDELAY)

    public var description: String {
        switch self {
        case .voip: "voip"
        case .audio: "audio"
        case .restrictedLowDelay: "restricted-lowdelay"
        default: "application(\(rawValue))"
        }
    }
}

/// How recordings are encoded.
public struct OpusSettings: Sendable, Hashable {
    public var application: OpusApplication
    /// Target bit rate, bits per second.
    public var bitrate: Int
    /// Encoder complexity 0…10: higher is slower and slightly better. The default is chosen
    /// by `parley-bench recorder` (docs/BENCHMARKS.md): see ``defaultComplexity``.
    public var complexity: Int
    /// Audio per Opus packet: 10, 20, 40 or 60 ms.
    public var frameDuration: Duration

    /// The measured default (docs/BENCHMARKS.md, "Recorder").
    public static let defaultComplexity = 5

    /// - Parameters: application `.voip`, bitrate 16 kbit/s, complexity ``defaultComplexity``,
    ///   frameDuration 20 ms.
    public init(
        application: OpusApplication = .voip, bitrate: Int = 16_000, complexity: Int = OpusSettings.defaultComplexity,
        frameDuration: Duration = .milliseconds(20)
    ) {
        self.application = application
        self.bitrate = bitrate
        self.complexity = min(max(complexity, 0), 10)
        self.frameDuration = frameDuration
    }
}
