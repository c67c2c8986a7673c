import Foundation
import ParleyCore

/// Reads 5-tone selcall ids (ZVEI1, CCIR, EEA; ``SelcallStandard``) from audio at any sample
/// rate from 6 kHz. Feed blocks of any size; each id comes back once its sequence has ended
/// (half a tone length after the last tone), and the result does not depend on how the audio
/// was split into blocks.
///
/// Every 5 ms a window of half a tone length (``ToneBlocks``, one Goertzel bin per tone of the
/// standard) is looked at. Its tone is the strongest one lying within
/// ``Configuration/frequencyTolerance`` of its frequency (measured from the turn of the bin's
/// phase, and its power measured at that frequency); the window holds it when every other
/// tone lies at least ``Configuration/dominance`` dB below, it holds at least
/// ``Configuration/minimumToneShare`` of the window's power and it is present in the window's
/// first and last 5 ms. Windows holding the same tone make a tone run (a break of less than half
/// a tone length is bridged: two tones in a row always differ). Runs that follow each other
/// within half a tone length make a sequence; runs shorter than 0.4 tone lengths are dropped as
/// glitches, and each change of tone is put midway where one run overlaps the next. A sequence
/// gives an id when it has a length in ``Configuration/lengths``, every tone lasted
/// ``Configuration/toneDurationRange`` times the standard length, and it does not begin with the
/// repeat tone; each 'E' is the digit before it. Speech rarely holds one frequency for a tone
/// length, and never five in a row.
public struct SelcallDecoder: Sendable {
    public struct Configuration: Sendable, Hashable {
        /// Samples per second; at least 6000.
        public var sampleRate: Double
        public var standard: SelcallStandard
        /// Numbers of tones an id may have.
        public var lengths: ClosedRange<Int>
        /// Relative frequency error accepted for each tone (neighbouring tones lie about 6 %
        /// apart).
        public var frequencyTolerance: Double
        /// Share (0…1) of a window's power the tone must hold.
        public var minimumToneShare: Double
        /// How far (dB) every other tone must lie below the strongest.
        public var dominance: Double
        /// Accepted tone lengths as multiples of the standard's.
        public var toneDurationRange: ClosedRange<Double>

        public init(
            sampleRate: Double,
            standard: SelcallStandard,
            lengths: ClosedRange<Int> = 5...5,
            frequencyTolerance: Double = 0.02,
            minimumToneShare: Double = 0.4,
            dominance: Double = 6,
            toneDurationRange: ClosedRange<Double> = 0.6...1.5
        ) {
            self.sampleRate = sampleRate
            self.standard = standard
            self.lengths = lengths
            self.frequencyTolerance = frequencyTolerance
            self.minimumToneShare = minimumToneShare
            self.dominance = dominance
            self.toneDurationRange = toneDurationRange
        }
    }

    /// One id read.
    public struct Detection: Sendable, Hashable {
        public var standard: SelcallStandard
        /// The id, repeats resolved: "12335".
        public var id: String
        /// The tones as heard: "123E5".
        public var tones: String
        /// First sample of the first tone, counted from the first sample fed.
        public var startSample: Int
        /// One past the last sample of the last tone.
        public var endSample: Int
        public var startTime: Duration
        public var endTime: Duration
    }

    public let configuration: Configuration
    private var blocks: ToneBlocks
    private let frequencies: [Double]
    private let toneLength: Int
    /// Breaks and gaps shorter than this are bridged.
    private let gapLength: Int
    private let dominanceRatio: Double
    private var run: Run?
    private var sequence: [Run] = []

    private struct Run {
        var tone: Int
        var start: Int
        var end: Int
        var length: Int { end - start }
    }

    static let blockDuration = 0.005
    /// A block at the window's edge must hold this share of the tone's power.
    static let edgeFill = 0.25
    /// Runs shorter than this many tone lengths are glitches.
    static let glitchFactor = 0.4

    public init(configuration: Configuration) {
        precondition(configuration.sampleRate >= 6000, "selcall needs a sample rate of at least 6000 Hz")
        self.configuration = configuration
        self.frequencies = configuration.standard.toneFrequencies
        let toneSeconds = configuration.standard.toneDuration.inSeconds
        let windowBlocks = max(3, Int((toneSeconds / 2 / Self.blockDuration).rounded()))
        self.blocks = ToneBlocks(
            sampleRate: configuration.sampleRate, frequencies: frequencies,
            blockDuration: Self.blockDuration, windowBlocks: windowBlocks)
        self.toneLength = Int((toneSeconds * configuration.sampleRate).rounded())
        self.gapLength = toneLength / 2
        self.dominanceRatio = pow(10, -configuration.dominance / 10)
    }

    /// Feeds samples (full scale 1.0); returns the ids whose sequences ended in them.
    public mutating func process(_ samples: some Collection<Float>) -> [Detection] {
        var out: [Detection] = []
        for sample in samples where blocks.push(Double(sample)) {
            step(into: &out)
        }
        return out
    }

    /// Feeds 16-bit samples; returns the ids whose sequences ended in them.
    public mutating func process(_ samples: some Collection<Int16>) -> [Detection] {
        var out: [Detection] = []
        for sample in samples where blocks.push(Double(sample) * (1.0 / 32768)) {
            step(into: &out)
        }
        return out
    }

    /// The end of the audio: a sequence still open is read.
    public mutating func finish() -> [Detection] {
        var out: [Detection] = []
        closeRun()
        closeSequence(into: &out)
        return out
    }

    // MARK: - Windows

    private mutating func step(into out: inout [Detection]) {
        guard blocks.windowFull else { return }
        let start = blocks.windowStart, end = blocks.windowEnd
        if let tone = classify() {
            if let current = run {
                if current.tone == tone, start - current.end < gapLength {
                    run?.end = end
                    return
                }
                closeRun()
            }
            if let last = sequence.last, start - last.end >= gapLength { closeSequence(into: &out) }
            run = Run(tone: tone, start: start, end: end)
        } else {
            let nextStart = start + blocks.blockLength
            if let current = run, nextStart - current.end >= gapLength { closeRun() }
            if run == nil, let last = sequence.last, nextStart - last.end >= gapLength { closeSequence(into: &out) }
        }
    }

    private mutating func closeRun() {
        guard let current = run else { return }
        run = nil
        sequence.append(current)
    }

    private mutating func closeSequence(into out: inout [Detection]) {
        defer { sequence = [] }
        // Glitches out, then the pieces of one tone that a glitch split joined again.
        var runs: [Run] = []
        for candidate in sequence where Double(candidate.length) >= Self.glitchFactor * Double(toneLength) {
            if let last = runs.last, last.tone == candidate.tone {
                runs[runs.count - 1].end = candidate.end
            } else {
                runs.append(candidate)
            }
        }
        guard configuration.lengths.contains(runs.count) else { return }
        // Where one tone gives way to the next. Windows lying mostly on a tone hold it, so each
        // run reaches about the same way into its neighbour: the change is midway between
        // where the next run starts and where this one ends.
        var edges = runs.map { (start: $0.start, end: $0.end) }
        for index in runs.indices.dropFirst() {
            guard runs[index].start - runs[index - 1].end < gapLength else { return }
            let change = (runs[index - 1].end + runs[index].start) / 2
            edges[index - 1].end = change
            edges[index].start = change
        }
        let shortest = configuration.toneDurationRange.lowerBound * Double(toneLength)
        let longest = configuration.toneDurationRange.upperBound * Double(toneLength)
        for edge in edges {
            guard (shortest...longest).contains(Double(edge.end - edge.start)) else { return }
        }
        let tones = String(runs.map { SelcallStandard.toneSymbols[$0.tone] })
        guard let id = SelcallStandard.id(fromTones: tones), let first = edges.first, let last = edges.last else { return }
        out.append(Detection(
            standard: configuration.standard, id: id, tones: tones,
            startSample: first.start, endSample: last.end, startTime: time(first.start), endTime: time(last.end)))
    }

    private func time(_ sample: Int) -> Duration {
        .nanoseconds(Int64((Double(sample) / configuration.sampleRate * 1e9).rounded()))
    }

    /// The tone (index into ``SelcallStandard/toneSymbols``) the window holds, if any.
    private func classify() -> Int? {
        // The strongest tone within tolerance of its frequency, measured at the frequency it
        // has (a tone 1 % off lies a whole bin off in a 50 ms window, and a neighbour's bin
        // would see it too far off to count).
        var best = -1, power = 0.0
        for index in frequencies.indices {
            let candidateTurn = blocks.turn(index)
            guard abs(blocks.offset(turn: candidateTurn)) <= configuration.frequencyTolerance * frequencies[index] else { continue }
            let candidatePower = blocks.power(index, turnedBack: candidateTurn)
            if candidatePower > power { (best, power) = (index, candidatePower) }
        }
        guard best >= 0 else { return nil }
        let nominal = frequencies.indices.map { blocks.power($0) }
        guard power >= configuration.minimumToneShare * blocks.meanSquare else { return nil }
        for index in nominal.indices where index != best {
            guard nominal[index] <= dominanceRatio * power else { return nil }
        }
        let threshold = Self.edgeFill * power
        guard blocks.blockPower(best, at: 0) >= threshold, blocks.blockPower(best, at: blocks.windowBlocks - 1) >= threshold else { return nil }
        return best
    }
}
