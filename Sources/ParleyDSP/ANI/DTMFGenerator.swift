import Foundation

/// The DTMF keypad (ITU-T Q.23): each key is one low-group (row) tone plus one high-group
/// (column) tone.
public enum DTMF {
    /// Row frequencies, hertz.
    public static let rowFrequencies: [Double] = [697, 770, 852, 941]
    /// Column frequencies, hertz.
    public static let columnFrequencies: [Double] = [1209, 1336, 1477, 1633]
    /// Keys by row, then column.
    public static let keys: [[Character]] = [
        ["1", "2", "3", "A"],
        ["4", "5", "6", "B"],
        ["7", "8", "9", "C"],
        ["*", "0", "#", "D"],
    ]
    /// All sixteen keys.
    public static let allKeys: [Character] = Array("123A456B789C*0#D")

    /// The row and column of `key`, or nil when it is not a DTMF key (lower-case a–d count).
    public static func position(of key: Character) -> (row: Int, column: Int)? {
        let upper = Character(key.uppercased())
        for (row, keysInRow) in keys.enumerated() {
            if let column = keysInRow.firstIndex(of: upper) { return (row, column) }
        }
        return nil
    }
}

/// Makes DTMF digit strings: each key as its two sines for `toneDuration`, then
/// `pauseDuration` of silence. For tests, the simulator and benchmarks; the levels and
/// frequency errors can be set apart for each group to exercise a receiver's twist and
/// frequency tolerances.
public struct DTMFGenerator: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var sampleRate: Double
        public var toneDuration: Duration
        public var pauseDuration: Duration
        /// Peak amplitude of the row (low-group) sine, full scale 1.0.
        public var rowAmplitude: Double
        /// Peak amplitude of the column (high-group) sine, full scale 1.0.
        public var columnAmplitude: Double
        /// Relative frequency error of the row tones (0.015 sends them 1.5 % high).
        public var rowFrequencyError: Double
        /// Relative frequency error of the column tones.
        public var columnFrequencyError: Double

        public init(
            sampleRate: Double,
            toneDuration: Duration = .milliseconds(70),
            pauseDuration: Duration = .milliseconds(70),
            rowAmplitude: Double = 0.3,
            columnAmplitude: Double = 0.3,
            rowFrequencyError: Double = 0,
            columnFrequencyError: Double = 0
        ) {
            self.sampleRate = sampleRate
            self.toneDuration = toneDuration
            self.pauseDuration = pauseDuration
            self.rowAmplitude = rowAmplitude
            self.columnAmplitude = columnAmplitude
            self.rowFrequencyError = rowFrequencyError
            self.columnFrequencyError = columnFrequencyError
        }
    }

    public let configuration: Configuration

    public init(configuration: Configuration) {
        precondition(configuration.sampleRate > 0, "sample rate must be positive")
        self.configuration = configuration
    }

    /// The keys of `digits` (characters that are not DTMF keys are skipped), each followed by
    /// the pause.
    public func samples(for digits: String) -> [Float] {
        let toneCount = ToneGenerator.sampleCount(configuration.toneDuration, sampleRate: configuration.sampleRate)
        let pauseCount = ToneGenerator.sampleCount(configuration.pauseDuration, sampleRate: configuration.sampleRate)
        var out: [Float] = []
        for key in digits {
            guard let (row, column) = DTMF.position(of: key) else { continue }
            var low = ToneGenerator(
                frequency: DTMF.rowFrequencies[row] * (1 + configuration.rowFrequencyError),
                amplitude: configuration.rowAmplitude, sampleRate: configuration.sampleRate)
            var high = ToneGenerator(
                frequency: DTMF.columnFrequencies[column] * (1 + configuration.columnFrequencyError),
                amplitude: configuration.columnAmplitude, sampleRate: configuration.sampleRate)
            out += zip(low.next(toneCount), high.next(toneCount)).map { $0 + $1 }
            out += [Float](repeating: 0, count: pauseCount)
        }
        return out
    }
}
