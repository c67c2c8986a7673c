import Foundation
import ParleyCore

/// A phase-continuous sine generator: successive calls to ``next(_:)`` join without clicks.
/// Used by tests (test tones through the recorder), the simulator and alert tones.
public struct ToneGenerator: Sendable {
    public let frequency: Double
    /// Linear amplitude relative to full scale, 0…1.
    public let amplitude: Double
    public let sampleRate: Double
    private var phase: Double = 0
    private let step: Double

    public init(frequency: Double, amplitude: Double, sampleRate: Double) {
        precondition(sampleRate > 0, "sample rate must be positive")
        self.frequency = frequency
        self.amplitude = min(max(amplitude, 0), 1)
        self.sampleRate = sampleRate
        self.step = 2 * Double.pi * frequency / sampleRate
    }

    /// A generator whose amplitude is given in dBFS (peak), e.g. −6.
    public init(frequency: Double, peakDBFS: Double, sampleRate: Double) {
        self.init(frequency: frequency, amplitude: pow(10, peakDBFS / 20), sampleRate: sampleRate)
    }

    /// The next `count` samples, full scale 1.0.
    public mutating func next(_ count: Int) -> [Float] {
        var out = [Float](repeating: 0, count: count)
        for index in 0..<count {
            out[index] = Float(amplitude * sin(phase))
            advance()
        }
        return out
    }

    /// The next `count` samples as 16-bit PCM (rounded, clamped to the Int16 range).
    public mutating func nextInt16(_ count: Int) -> [Int16] {
        var out = [Int16](repeating: 0, count: count)
        for index in 0..<count {
            let value = (amplitude * 32767 * sin(phase)).rounded()
            out[index] = Int16(max(-32768, min(32767, value)))
            advance()
        }
        return out
    }

    /// The next `duration` worth of 16-bit samples.
    public mutating func nextInt16(duration: Duration) -> [Int16] {
        nextInt16(Self.sampleCount(duration, sampleRate: sampleRate))
    }

    /// Number of samples in `duration` at `sampleRate`, rounded to the nearest sample.
    public static func sampleCount(_ duration: Duration, sampleRate: Double) -> Int {
        Int((duration.inSeconds * sampleRate).rounded())
    }

    private mutating func advance() {
        phase += step
        if phase >= 2 * Double.pi { phase -= 2 * Double.pi }
    }
}
