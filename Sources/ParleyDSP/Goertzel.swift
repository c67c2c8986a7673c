import Foundation

/// Single-frequency power by the Goertzel algorithm: cheaper than an FFT when only one or a
/// few tones matter (tone checks on decoded recordings, DTMF, selcall).
public enum Goertzel {
    /// Power of `frequency` in `samples`, normalised so that a sine of amplitude A at exactly
    /// that frequency gives about A²/2 — the same units as the mean square of the block.
    public static func power(of frequency: Double, in samples: some Collection<Float>, sampleRate: Double) -> Double {
        let count = samples.count
        guard count > 0 else { return 0 }
        let omega = 2 * Double.pi * frequency / sampleRate
        let coefficient = 2 * cos(omega)
        var previous = 0.0
        var beforePrevious = 0.0
        for sample in samples {
            let current = Double(sample) + coefficient * previous - beforePrevious
            beforePrevious = previous
            previous = current
        }
        let magnitudeSquared = previous * previous + beforePrevious * beforePrevious - coefficient * previous * beforePrevious
        return 2 * magnitudeSquared / (Double(count) * Double(count))
    }

    /// Power of `frequency` in 16-bit samples (full scale 32768).
    public static func power(of frequency: Double, in samples: some Collection<Int16>, sampleRate: Double) -> Double {
        power(of: frequency, in: samples.map { Float($0) / 32768 }, sampleRate: sampleRate)
    }

    /// Fraction (0…1) of the block's energy that lies at `frequency`: near 1 for a pure tone
    /// at that frequency, near 0 for a tone elsewhere or for noise.
    public static func relativePower(of frequency: Double, in samples: some Collection<Float>, sampleRate: Double) -> Double {
        let count = samples.count
        guard count > 0 else { return 0 }
        var sumOfSquares = 0.0
        for sample in samples { sumOfSquares += Double(sample) * Double(sample) }
        let meanSquare = sumOfSquares / Double(count)
        guard meanSquare > 0 else { return 0 }
        return min(1, power(of: frequency, in: samples, sampleRate: sampleRate) / meanSquare)
    }

    /// ``relativePower(of:in:sampleRate:)`` for 16-bit samples.
    public static func relativePower(of frequency: Double, in samples: some Collection<Int16>, sampleRate: Double) -> Double {
        relativePower(of: frequency, in: samples.map { Float($0) / 32768 }, sampleRate: sampleRate)
    }
}
