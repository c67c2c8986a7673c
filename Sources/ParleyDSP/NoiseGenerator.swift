import Foundation
import ParleyCore

/// Seeded white Gaussian noise (SplitMix64 for the uniform numbers, Box–Muller for the normal
/// ones), so that a benchmark or a test adds exactly the same noise on every run and machine.
///
/// Every sample is independent, so the noise is white: its power spreads evenly over the whole
/// band from 0 Hz to half the sample rate.
public struct NoiseGenerator: Sendable {
    /// Standard deviation of each sample, full scale 1.0 (the noise power is its square).
    public let standardDeviation: Double
    private var random: SplitMix64
    private var spare: Double?

    public init(seed: UInt64, standardDeviation: Double) {
        precondition(standardDeviation >= 0, "standard deviation must not be negative")
        self.random = SplitMix64(seed: seed)
        self.standardDeviation = standardDeviation
    }

    /// The standard deviation that puts white noise `snr` decibels below a signal of mean
    /// power `signalPower` (mean square, full scale 1.0), measured over the whole band.
    /// A sine of amplitude A has power A²/2.
    public static func standardDeviation(signalPower: Double, snr decibels: Double) -> Double {
        (signalPower / pow(10, decibels / 10)).squareRoot()
    }

    /// The next sample.
    public mutating func next() -> Float {
        if let spare {
            self.spare = nil
            return Float(standardDeviation * spare)
        }
        // u1 in (0, 1] so that the logarithm is finite; u2 in [0, 1).
        let u1 = (Double(random.next() >> 11) + 1) / 9_007_199_254_740_992
        let u2 = Double(random.next() >> 11) / 9_007_199_254_740_992
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        spare = radius * sin(angle)
        return Float(standardDeviation * radius * cos(angle))
    }

    /// The next `count` samples.
    public mutating func samples(_ count: Int) -> [Float] {
        (0..<max(0, count)).map { _ in next() }
    }

    /// `signal` with noise added sample by sample.
    public mutating func add(to signal: [Float]) -> [Float] {
        signal.map { $0 + next() }
    }
}
