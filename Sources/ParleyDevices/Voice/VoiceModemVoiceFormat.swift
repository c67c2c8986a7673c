/// The sample format a voice modem sends and takes in voice mode, chosen with
/// `AT+VSM=<cml>,<vsr>` (ITU-T V.253 compression method and sample rate), and its conversion to
/// and from the 16-bit linear samples the rest of Parley uses.
///
/// Supported compression methods (the V.253 identifiers, which is also what `AT+VSM=?` lists):
///
/// | config value | `<cml>` | format                                   |
/// |--------------|---------|------------------------------------------|
/// | `s8`         | 0       | 8-bit signed linear PCM                  |
/// | `u8`         | 1       | 8-bit unsigned linear PCM (the default)  |
/// | `ulaw`       | 4       | ITU-T G.711 µ-law                        |
/// | `alaw`       | 5       | ITU-T G.711 A-law                        |
///
/// 8-bit unsigned linear at 8000 samples/s is the one format nearly every V.253 modem offers;
/// µ-law or A-law keep quiet speech better where the modem has them. The serial line must carry
/// one byte per sample (10 bits per byte on the wire): 8000 samples/s needs at least
/// 80000 bit/s, i.e. 115200.
public struct VoiceModemVoiceFormat: Sendable, Hashable, CustomStringConvertible {
    public enum Encoding: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
        case signedLinear8 = "s8"
        case unsignedLinear8 = "u8"
        case muLaw = "ulaw"
        case aLaw = "alaw"

        /// The V.253 `+VSM` compression method identifier.
        public var compressionMethod: Int {
            switch self {
            case .signedLinear8: 0
            case .unsignedLinear8: 1
            case .muLaw: 4
            case .aLaw: 5
            }
        }

        public var description: String { rawValue }
    }

    public var encoding: Encoding
    /// Samples per second (V.253 `<vsr>`); 8000 for telephone lines.
    public var sampleRate: Int

    /// - Parameters:
    ///   - encoding: default `u8` (8-bit unsigned linear, `+VSM` method 1).
    ///   - sampleRate: default 8000.
    public init(encoding: Encoding = .unsignedLinear8, sampleRate: Int = 8000) {
        self.encoding = encoding
        self.sampleRate = sampleRate
    }

    /// The command that selects this format: `AT+VSM=1,8000`.
    public var command: String { "AT+VSM=\(encoding.compressionMethod),\(sampleRate)" }

    public var description: String { "\(encoding.rawValue) at \(sampleRate) samples/s" }

    /// How long `count` samples last at ``sampleRate``.
    public func duration(ofSamples count: Int) -> Duration {
        guard sampleRate > 0 else { return .zero }
        return .nanoseconds(Int64(count) * 1_000_000_000 / Int64(sampleRate))
    }

    /// Received modem bytes (one per sample) as 16-bit linear samples.
    public func decode(_ bytes: some Sequence<UInt8>) -> [Int16] {
        switch encoding {
        case .signedLinear8: bytes.map { Int16(Int8(bitPattern: $0)) << 8 }
        case .unsignedLinear8: bytes.map { Int16(Int(Int8(bitPattern: $0 ^ 0x80)) << 8) }
        case .muLaw: bytes.map(G711.muLawToLinear)
        case .aLaw: bytes.map(G711.aLawToLinear)
        }
    }

    /// 16-bit linear samples as modem bytes (one per sample), rounded to nearest for the linear
    /// formats.
    public func encode(_ samples: some Sequence<Int16>) -> [UInt8] {
        switch encoding {
        case .signedLinear8: samples.map { UInt8(bitPattern: Int8(min((Int($0) + 128) >> 8, 127))) }
        case .unsignedLinear8: samples.map { UInt8(min((Int($0) + 128) >> 8, 127) + 128) }
        case .muLaw: samples.map(G711.linearToMuLaw)
        case .aLaw: samples.map(G711.linearToALaw)
        }
    }
}

/// ITU-T G.711 companding, as in the reference C code (Sun Microsystems' `g711.c`, which sox
/// also uses): µ-law works on 14-bit and A-law on 13-bit magnitudes of the 16-bit sample, which
/// are rounded to nearest (as sox does) rather than truncated.
enum G711 {
    static func muLawToLinear(_ byte: UInt8) -> Int16 {
        let value = Int(~byte)
        var magnitude = ((value & 0x0F) << 3) + 0x84
        magnitude <<= (value & 0x70) >> 4
        return Int16(value & 0x80 != 0 ? 0x84 - magnitude : magnitude - 0x84)
    }

    static func aLawToLinear(_ byte: UInt8) -> Int16 {
        let value = Int(byte ^ 0x55)
        var magnitude = (value & 0x0F) << 4
        let segment = (value & 0x70) >> 4
        switch segment {
        case 0: magnitude += 8
        case 1: magnitude += 0x108
        default: magnitude = (magnitude + 0x108) << (segment - 1)
        }
        return Int16(value & 0x80 != 0 ? magnitude : -magnitude)
    }

    static func linearToMuLaw(_ sample: Int16) -> UInt8 {
        var value = (Int(sample) + 2) >> 2
        let mask: Int
        if value < 0 {
            value = -value
            mask = 0x7F
        } else {
            mask = 0xFF
        }
        value = min(value, 8159) + 0x21
        // Segment: the first of 0x3F, 0x7F, … 0x1FFF the biased magnitude does not exceed.
        var segment = 0
        while segment < 8 && value > (0x40 << segment) - 1 { segment += 1 }
        guard segment < 8 else { return UInt8(0x7F ^ mask) }
        return UInt8(((segment << 4) | ((value >> (segment + 1)) & 0x0F)) ^ mask)
    }

    static func linearToALaw(_ sample: Int16) -> UInt8 {
        var value = (Int(sample) + 4) >> 3
        let mask: Int
        if value >= 0 {
            mask = 0xD5
        } else {
            mask = 0x55
            value = -value - 1
        }
        var segment = 0
        while segment < 8 && value > (0x20 << segment) - 1 { segment += 1 }
        guard segment < 8 else { return UInt8(0x7F ^ mask) }
        let quantised = segment < 2 ? (value >> 1) & 0x0F : (value >> segment) & 0x0F
        return UInt8(((segment << 4) | quantised) ^ mask)
    }
}
