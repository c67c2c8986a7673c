import Foundation
import ParleyCore

/// Makes caller-ID line audio, as an exchange sends it: optional silence, optional tone alert
/// signal (2130 + 2750 Hz, then a pause), channel seizure (alternating bits starting with 0),
/// mark signal, the message as 8N1 characters back to back, a little trailing mark. Used by
/// tests, the simulator's voice modem and the benchmark.
public struct CallerIDEncoder: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var sampleRate: Double
        public var standard: CallerIDDecoder.Standard
        public var format: CallerIDFrame.Format
        /// Send the tone alert signal first (BT/ETSI idle state, no ringing before the data).
        public var alertTone: Bool
        /// Channel seizure length: 96–315 for V.23 (SIN227), 300 for Bell 202 (GR-30).
        public var seizureBits: Int
        /// Mark signal length: 55–90 for V.23 (SIN227), 180 for Bell 202.
        public var markBits: Int
        /// Mark after the checksum, so the far end does not clip the last character.
        public var trailingMarkBits: Int
        /// Peak amplitude relative to full scale, 0…1 (the alert tone's two tones share it).
        public var amplitude: Double
        /// Silence before everything.
        public var leadIn: Duration
        /// Alert tone length (88–110 ms) and the silence after it (at least 45 ms).
        public var alertToneLength: Duration
        public var alertToneGap: Duration

        public init(
            sampleRate: Double,
            standard: CallerIDDecoder.Standard = .v23,
            format: CallerIDFrame.Format = .mdmf,
            alertTone: Bool = false,
            seizureBits: Int? = nil,
            markBits: Int? = nil,
            trailingMarkBits: Int = 4,
            amplitude: Double = 0.5,
            leadIn: Duration = .milliseconds(100),
            alertToneLength: Duration = .milliseconds(100),
            alertToneGap: Duration = .milliseconds(60)
        ) {
            self.sampleRate = sampleRate
            self.standard = standard
            self.format = format
            self.alertTone = alertTone
            self.seizureBits = max(0, seizureBits ?? (standard == .v23 ? 120 : 300))
            self.markBits = max(0, markBits ?? (standard == .v23 ? 80 : 180))
            self.trailingMarkBits = max(0, trailingMarkBits)
            self.amplitude = min(max(amplitude, 0), 1)
            self.leadIn = leadIn
            self.alertToneLength = alertToneLength
            self.alertToneGap = alertToneGap
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        precondition(configuration.sampleRate > 0 && configuration.sampleRate.isFinite, "sample rate must be positive")
        self.configuration = configuration
    }

    /// The message bytes (type … checksum) for `callerID` in the configured format.
    public func message(for callerID: CallerID) -> [UInt8] {
        CallerIDFrame(callerID: callerID, format: configuration.format).bytes
    }

    /// The whole burst for `callerID`.
    public func modulate(_ callerID: CallerID) -> [Float] {
        modulate(message: message(for: callerID))
    }

    /// The whole burst carrying `message` exactly as given — any bytes, so tests can send a
    /// bad checksum or a length byte that lies.
    public func modulate(message: [UInt8]) -> [Float] {
        let rate = configuration.sampleRate
        var out = [Float](repeating: 0, count: ToneGenerator.sampleCount(configuration.leadIn, sampleRate: rate))
        if configuration.alertTone {
            let count = ToneGenerator.sampleCount(configuration.alertToneLength, sampleRate: rate)
            var low = ToneGenerator(frequency: 2130, amplitude: configuration.amplitude / 2, sampleRate: rate)
            var high = ToneGenerator(frequency: 2750, amplitude: configuration.amplitude / 2, sampleRate: rate)
            out += zip(low.next(count), high.next(count)).map { $0 + $1 }
            out += [Float](repeating: 0, count: ToneGenerator.sampleCount(configuration.alertToneGap, sampleRate: rate))
        }
        out += modulate(bits: bits(for: message))
        return out
    }

    /// The line bits (1 = mark) for `message`: seizure, mark, 8N1 characters, trailing mark.
    public func bits(for message: [UInt8]) -> [Bool] {
        var bits: [Bool] = (0..<configuration.seizureBits).map { $0 % 2 == 1 }
        bits += [Bool](repeating: true, count: configuration.markBits)
        for byte in message {
            bits.append(false)
            for index in 0..<8 { bits.append((byte >> index) & 1 == 1) }
            bits.append(true)
        }
        bits += [Bool](repeating: true, count: configuration.trailingMarkBits)
        return bits
    }

    /// Samples as 16-bit PCM (rounded, clamped).
    public static func int16(_ samples: [Float]) -> [Int16] {
        samples.map { Int16(max(-32768, min(32767, (Double($0) * 32767).rounded()))) }
    }

    /// Phase-continuous FSK for `bits`, each bit's edge on the sample nearest its exact time.
    private func modulate(bits: [Bool]) -> [Float] {
        let rate = configuration.sampleRate
        let bitLength = rate / CallerIDDecoder.Standard.bitsPerSecond
        let markStep = 2 * Double.pi * configuration.standard.markFrequency / rate
        let spaceStep = 2 * Double.pi * configuration.standard.spaceFrequency / rate
        var out: [Float] = []
        out.reserveCapacity(Int(Double(bits.count) * bitLength) + 1)
        var phase = 0.0
        for (index, bit) in bits.enumerated() {
            let end = Int((Double(index + 1) * bitLength).rounded())
            let step = bit ? markStep : spaceStep
            while out.count < end {
                out.append(Float(configuration.amplitude * sin(phase)))
                phase += step
                if phase >= 2 * Double.pi { phase -= 2 * Double.pi }
            }
        }
        return out
    }
}
