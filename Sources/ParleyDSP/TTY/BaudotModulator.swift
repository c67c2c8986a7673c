import Foundation
import ParleyCore

/// The two Baudot TTY speeds.
public enum BaudotRate: Sendable, Hashable, CaseIterable, CustomStringConvertible {
    /// 45.45 bit/s (22 ms bits): US TTY / TDD.
    case baud45
    /// 50 bit/s (20 ms bits): ITA2 teleprinters and European text telephones.
    case baud50

    /// Bits per second.
    public var bitsPerSecond: Double {
        switch self {
        case .baud45: 1000.0 / 22.0
        case .baud50: 50
        }
    }

    public var description: String {
        switch self {
        case .baud45: "45.45 baud"
        case .baud50: "50 baud"
        }
    }
}

/// Makes Baudot FSK audio (1400 Hz mark, 1800 Hz space by default) for text: a mark lead-in,
/// each code framed as one start bit, five data bits LSB first and the stop bits, then a mark
/// "hold-over". Phase is continuous within and across calls.
public struct BaudotModulator: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var sampleRate: Double
        public var rate: BaudotRate
        public var table: BaudotTable
        public var markFrequency: Double
        public var spaceFrequency: Double
        /// Peak amplitude relative to full scale, 0…1.
        public var amplitude: Double
        /// Stop bits per character. Defaults to 2 at 45.45 baud (what TDDs send; receivers that
        /// expect 1.5 accept it, but some that expect 2, such as minimodem's `tdd`, reject 1.5)
        /// and 1.5 at 50 baud.
        public var stopBits: Double
        /// Mark tone before the first character, so the far end's receiver can settle.
        public var leadIn: Duration
        /// Mark tone after the last character, so the far end does not clip it.
        public var holdOver: Duration

        public init(
            sampleRate: Double,
            rate: BaudotRate = .baud45,
            table: BaudotTable = .usTTY,
            markFrequency: Double = 1400,
            spaceFrequency: Double = 1800,
            amplitude: Double = 0.5,
            stopBits: Double? = nil,
            leadIn: Duration = .milliseconds(150),
            holdOver: Duration = .milliseconds(300)
        ) {
            self.sampleRate = sampleRate
            self.rate = rate
            self.table = table
            self.markFrequency = markFrequency
            self.spaceFrequency = spaceFrequency
            self.amplitude = min(max(amplitude, 0), 1)
            self.stopBits = stopBits ?? (rate == .baud45 ? 2 : 1.5)
            self.leadIn = leadIn
            self.holdOver = holdOver
        }
    }

    /// The audio for one string and what went into it.
    public struct Transmission: Sendable, Hashable {
        /// Full scale 1.0.
        public var samples: [Float]
        /// The codes sent, shift codes included.
        public var codes: [BaudotCode]
        /// Characters the table cannot send; they were left out.
        public var unencodable: [Character]

        /// The samples as 16-bit PCM (rounded, clamped).
        public var int16Samples: [Int16] {
            samples.map { Int16(max(-32768, min(32767, (Double($0) * 32767).rounded()))) }
        }
    }

    public let configuration: Configuration
    private var encoder: BaudotEncoder
    private var phase = 0.0

    public init(configuration: Configuration) {
        precondition(configuration.sampleRate > 0, "sample rate must be positive")
        self.configuration = configuration
        self.encoder = BaudotEncoder(table: configuration.table)
    }

    /// Audio for `text`: lead-in, the codes (with LTRS/FIGS as needed, starting with an
    /// explicit shift), hold-over. Lower case is sent as upper case.
    public mutating func modulate(_ text: String) -> Transmission {
        // Each transmission starts with an explicit shift: the far end may have been left in
        // either case by the last one.
        encoder = BaudotEncoder(table: configuration.table)
        let (codes, unencodable) = encoder.encode(text)
        return Transmission(samples: modulate(codes: codes), codes: codes, unencodable: unencodable)
    }

    /// Audio for raw codes: lead-in, the framed codes, hold-over.
    public mutating func modulate(codes: [BaudotCode]) -> [Float] {
        let sampleRate = configuration.sampleRate
        let samplesPerBit = sampleRate / configuration.rate.bitsPerSecond
        var bits: [(mark: Bool, length: Double)] = [(true, configuration.leadIn.inSeconds * sampleRate)]
        for code in codes {
            bits.append((false, samplesPerBit))
            for index in 0..<5 {
                bits.append(((code.rawValue >> index) & 1 == 1, samplesPerBit))
            }
            bits.append((true, samplesPerBit * configuration.stopBits))
        }
        bits.append((true, configuration.holdOver.inSeconds * sampleRate))

        var out: [Float] = []
        out.reserveCapacity(Int(bits.reduce(0) { $0 + $1.length }) + 1)
        // Bit edges fall on the nearest sample to their exact time, so timing does not drift.
        var exactEnd = 0.0
        let markStep = 2 * Double.pi * configuration.markFrequency / sampleRate
        let spaceStep = 2 * Double.pi * configuration.spaceFrequency / sampleRate
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

/// Ignores received TTY audio while we transmit and for a hold-off after (300 ms by default),
/// so our own tones coming back from a hybrid or a radio are not decoded as the far end's text.
/// Generic over the instant type so tests use a manual clock.
public struct BaudotEchoGuard<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    public let holdOff: Duration
    private var transmitting = false
    private var quietFrom: Instant?

    public init(holdOff: Duration = .milliseconds(300)) {
        self.holdOff = holdOff
    }

    /// We keyed up.
    public mutating func transmissionStarted() {
        transmitting = true
    }

    /// Our transmission (hold-over included) finished at `instant`.
    public mutating func transmissionEnded(at instant: Instant) {
        transmitting = false
        quietFrom = instant.advanced(by: holdOff)
    }

    /// Whether audio received at `instant` should be discarded.
    public func shouldIgnoreReceive(at instant: Instant) -> Bool {
        if transmitting { return true }
        guard let quietFrom else { return false }
        return instant < quietFrom
    }
}
