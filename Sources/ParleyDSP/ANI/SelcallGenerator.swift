import Foundation

/// Makes 5-tone selcall sequences: each tone of the id (repeats sent as 'E') for the
/// standard's tone length, phase-continuous from tone to tone as encoders send them.
public struct SelcallGenerator: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var sampleRate: Double
        public var standard: SelcallStandard
        /// Peak amplitude, full scale 1.0.
        public var amplitude: Double
        /// Relative frequency error of every tone (0.01 sends them 1 % high).
        public var frequencyError: Double
        /// Tone length; nil for the standard's.
        public var toneDuration: Duration?

        public init(
            sampleRate: Double, standard: SelcallStandard, amplitude: Double = 0.5,
            frequencyError: Double = 0, toneDuration: Duration? = nil
        ) {
            self.sampleRate = sampleRate
            self.standard = standard
            self.amplitude = amplitude
            self.frequencyError = frequencyError
            self.toneDuration = toneDuration
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        precondition(configuration.sampleRate > 0, "sample rate must be positive")
        self.configuration = configuration
    }

    /// The sequence for `id` (digits only; anything else is skipped).
    public func samples(for id: String) -> [Float] {
        let tones = SelcallStandard.tones(for: String(id.filter { $0.isASCII && $0.isNumber })) ?? ""
        let duration = configuration.toneDuration ?? configuration.standard.toneDuration
        let length = ToneGenerator.sampleCount(duration, sampleRate: configuration.sampleRate)
        let frequencies = configuration.standard.toneFrequencies
        var out: [Float] = []
        out.reserveCapacity(length * tones.count)
        var phase = 0.0
        for tone in tones {
            guard let index = SelcallStandard.toneSymbols.firstIndex(of: tone) else { continue }
            let step = 2 * Double.pi * frequencies[index] * (1 + configuration.frequencyError) / configuration.sampleRate
            for _ in 0..<length {
                out.append(Float(configuration.amplitude * sin(phase)))
                phase += step
                if phase >= 2 * Double.pi { phase -= 2 * Double.pi }
            }
        }
        return out
    }
}
