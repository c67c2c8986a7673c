import Foundation
import ParleyCore

/// The two V.21 channels (300 bit/s FSK, ITU-T V.21 as used by textphones in V.18 / EN 300 381).
/// The caller sends on channel 1 and the answerer on channel 2, so both can type at once.
public enum V21Channel: Int, Sendable, Hashable, CaseIterable, Comparable, CustomStringConvertible {
    /// Caller → answerer: mark 980 Hz, space 1180 Hz.
    case channel1 = 1
    /// Answerer → caller: mark 1650 Hz, space 1850 Hz.
    case channel2 = 2

    /// Bits per second on both channels.
    public static let bitsPerSecond = 300.0

    /// The tone for a 1 (and for idle line).
    public var markFrequency: Double {
        switch self {
        case .channel1: 980
        case .channel2: 1650
        }
    }

    /// The tone for a 0 (and for the start bit).
    public var spaceFrequency: Double { markFrequency + 200 }

    public var description: String {
        "channel \(rawValue) (\(Int(markFrequency))/\(Int(spaceFrequency)) Hz)"
    }

    public static func < (lhs: V21Channel, rhs: V21Channel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Makes V.21 textphone audio on one channel: a mark lead-in, each character framed 7E1 (start
/// bit, seven ASCII bits least significant first, even parity, stop bit) back to back, then a
/// mark hold-over. Phase is continuous within and across calls.
public struct V21Modulator: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var sampleRate: Double
        /// The channel to send on: 1 when we called, 2 when we answered.
        public var channel: V21Channel
        /// Peak amplitude relative to full scale, 0…1.
        public var amplitude: Double
        /// Mark tone before the first character, so the far end's receiver can settle.
        public var leadIn: Duration
        /// Mark tone after the last character, so the far end does not clip it.
        public var holdOver: Duration

        public init(
            sampleRate: Double,
            channel: V21Channel = .channel1,
            amplitude: Double = 0.5,
            leadIn: Duration = .milliseconds(200),
            holdOver: Duration = .milliseconds(300)
        ) {
            self.sampleRate = sampleRate
            self.channel = channel
            self.amplitude = min(max(amplitude, 0), 1)
            self.leadIn = leadIn
            self.holdOver = holdOver
        }
    }

    /// The audio for one string and what went into it.
    public struct Transmission: Sendable, Hashable {
        /// Full scale 1.0.
        public var samples: [Float]
        /// The eight-bit characters sent, parity included.
        public var bytes: [UInt8]
        /// Characters that are not seven-bit ASCII; they were left out.
        public var unencodable: [Character]

        /// The samples as 16-bit PCM (rounded, clamped).
        public var int16Samples: [Int16] {
            samples.map { Int16(max(-32768, min(32767, (Double($0) * 32767).rounded()))) }
        }
    }

    public let configuration: Configuration
    private var phase = 0.0

    public init(configuration: Configuration) {
        precondition(configuration.sampleRate > 0, "sample rate must be positive")
        self.configuration = configuration
    }

    /// Audio for `text`: lead-in, the characters with even parity, hold-over.
    public mutating func modulate(_ text: String) -> Transmission {
        let (characters, unencodable) = V21Character.encode(text)
        let bytes = characters.map(\.rawValue)
        return Transmission(samples: modulate(bytes: bytes), bytes: bytes, unencodable: unencodable)
    }

    /// Audio for raw eight-bit characters, sent as they are (no parity is added or checked):
    /// lead-in, the framed bytes, hold-over.
    public mutating func modulate(bytes: [UInt8]) -> [Float] {
        let sampleRate = configuration.sampleRate
        let samplesPerBit = sampleRate / V21Channel.bitsPerSecond
        var bits: [(mark: Bool, length: Double)] = [(true, configuration.leadIn.inSeconds * sampleRate)]
        for byte in bytes {
            bits += V21Character(rawValue: byte).lineBits.map { ($0, samplesPerBit) }
        }
        bits.append((true, configuration.holdOver.inSeconds * sampleRate))

        var out: [Float] = []
        out.reserveCapacity(Int(bits.reduce(0) { $0 + $1.length }) + 1)
        // Bit edges fall on the nearest sample to their exact time, so timing does not drift.
        var exactEnd = 0.0
        let markStep = 2 * Double.pi * configuration.channel.markFrequency / sampleRate
        let spaceStep = 2 * Double.pi * configuration.channel.spaceFrequency / sampleRate
        for bit in bits {
            exactEnd += bit.length
            let end = Int(exactEnd.rounded())
            let step = bit.mark ? markStep : spaceStep
            while out.count < end {
                out.append(Float(configuration.amplitude * sin(phase)))
                phase += step
                if phase >= 2 * Double.pi { phase -= 2 * Double.pi }
            }
        }
        return out
    }}
