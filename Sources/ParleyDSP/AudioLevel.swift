import Foundation

/// Peak and RMS level of a block of audio in dBFS (decibels relative to full scale).
///
/// Full scale is 32768 for `Int16` samples and 1.0 for `Float` samples. A full-scale sine
/// reads 0 dBFS peak and −3.01 dBFS RMS. Digital silence reads ``AudioLevel/floor``
/// rather than −∞, so that levels can be stored and compared without special cases.
public struct AudioLevel: Sendable, Hashable, CustomStringConvertible {
    /// The lowest level reported (digital silence).
    public static let floor: Double = -120

    public var peakDBFS: Double
    public var rmsDBFS: Double

    public init(peakDBFS: Double, rmsDBFS: Double) {
        self.peakDBFS = peakDBFS
        self.rmsDBFS = rmsDBFS
    }

    /// The level of 16-bit samples.
    public init(_ samples: some Collection<Int16>) {
        var meter = Meter()
        meter.add(samples)
        self = meter.level
    }

    /// The level of floating-point samples (full scale 1.0).
    public init(_ samples: some Collection<Float>) {
        var meter = Meter()
        meter.add(samples)
        self = meter.level
    }

    /// Converts a linear amplitude relative to full scale (1.0) to dBFS, clamped at ``floor``.
    public static func decibels(_ ratio: Double) -> Double {
        guard ratio > 0 else { return floor }
        return max(floor, 20 * log10(ratio))
    }

    public var description: String {
        String(format: "peak %.1f dBFS, rms %.1f dBFS", peakDBFS, rmsDBFS)
    }

    /// Accumulates peak and mean square over any number of blocks, so a whole transmission's
    /// level is measured as it streams past without keeping its samples.
    public struct Meter: Sendable, Hashable {
        /// Largest absolute sample seen, relative to full scale.
        public private(set) var peak: Double = 0
        /// Sum of squared samples relative to full scale.
        public private(set) var sumOfSquares: Double = 0
        public private(set) var sampleCount: Int = 0

        public init() {}

        public mutating func add(_ samples: some Collection<Int16>) {
            if samples.withContiguousStorageIfAvailable({ add($0) }) == nil {
                Array(samples).withUnsafeBufferPointer { add($0) }
            }
        }

        /// The non-generic core (the recorder meters every block it writes).
        public mutating func add(_ samples: UnsafeBufferPointer<Int16>) {
            var localPeak: Int32 = 0
            var localSum: Int64 = 0
            for sample in samples {
                let value = Int32(sample)
                let magnitude = value < 0 ? -value : value
                if magnitude > localPeak { localPeak = magnitude }
                localSum += Int64(value * value)
            }
            peak = max(peak, Double(localPeak) / 32768)
            sumOfSquares += Double(localSum) / (32768.0 * 32768.0)
            sampleCount += samples.count
        }

        public mutating func add(_ samples: some Collection<Float>) {
            var localPeak: Float = 0
            var localSum: Double = 0
            for sample in samples {
                localPeak = max(localPeak, abs(sample))
                localSum += Double(sample) * Double(sample)
            }
            peak = max(peak, Double(localPeak))
            sumOfSquares += localSum
            sampleCount += samples.count
        }

        public mutating func add(_ other: Meter) {
            peak = max(peak, other.peak)
            sumOfSquares += other.sumOfSquares
            sampleCount += other.sampleCount
        }

        /// The level of everything added so far (``AudioLevel/floor`` for both if nothing was).
        public var level: AudioLevel {
            let rms = sampleCount > 0 ? (sumOfSquares / Double(sampleCount)).squareRoot() : 0
            return AudioLevel(peakDBFS: AudioLevel.decibels(peak), rmsDBFS: AudioLevel.decibels(rms))
        }
    }
}
