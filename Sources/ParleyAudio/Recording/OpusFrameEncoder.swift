import COpus

/// A libopus encoder at the channel's own rate (8, 16 or 48 kHz: no resampling), mono.
/// Encodes one fixed-size frame at a time.
public final class OpusFrameEncoder {
    public let sampleRate: SampleRate
    public let settings: OpusSettings
    /// Samples per frame at ``sampleRate``.
    public let frameSamples: Int
    /// The encoder's look-ahead at ``sampleRate``: the decoder's output lags the input by this
    /// much, which the Ogg pre-skip removes.
    public let lookahead: Int
    /// The largest packet ``encode(_:into:)`` writes.
    public static let maximumPacketBytes = 1500

    private let encoder: OpaquePointer

    public init(sampleRate: SampleRate, settings: OpusSettings) throws(RecordingError) {
        self.sampleRate = sampleRate
        self.settings = settings
        let frameSamples = sampleRate.samples(in: settings.frameDuration)
        guard [10, 20, 40, 60].map({ sampleRate.rawValue * $0 / 1000 }).contains(frameSamples) else {
            throw .encoder(OPUS_BAD_ARG)
        }
        self.frameSamples = frameSamples
        var error: Int32 = OPUS_OK
        guard let encoder = opus_encoder_create(Int32(sampleRate.rawValue), 1, settings.application.rawValue, &error),
            error == OPUS_OK
        else { throw .encoder(error) }
        self.encoder = encoder
        var lookahead: Int32 = 0
        for code in [
            parley_opus_set_bitrate(encoder, Int32(settings.bitrate)),
            parley_opus_set_complexity(encoder, Int32(settings.complexity)),
            parley_opus_get_lookahead(encoder, &lookahead),
        ] where code != OPUS_OK {
            opus_encoder_destroy(encoder)
            throw .encoder(code)
        }
        self.lookahead = Int(lookahead)
    }

    deinit { opus_encoder_destroy(encoder) }

    /// Encodes exactly ``frameSamples`` samples from `pcm` into `packet` (at least
    /// ``maximumPacketBytes`` long); returns the packet's length.
    public func encode(_ pcm: UnsafePointer<Int16>, into packet: UnsafeMutablePointer<UInt8>) throws(RecordingError) -> Int {
        let bytes = opus_encode(encoder, pcm, Int32(frameSamples), packet, Int32(Self.maximumPacketBytes))
        guard bytes >= 0 else { throw .encoder(bytes) }
        return Int(bytes)
    }

    /// The libopus version string (`libopus 1.3.1`), written as the Ogg vendor string.
    public static var libraryVersion: String { String(cString: opus_get_version_string()) }
}
