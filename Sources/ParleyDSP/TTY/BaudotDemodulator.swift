import Foundation

/// Receives Baudot TTY FSK (1400 Hz mark, 1800 Hz space by default) at 45.45 or 50 bit/s,
/// telling the two apart by itself, at any sample rate. Feed blocks of any size; characters
/// come back as their frames complete, and the result does not depend on how the audio was
/// split into blocks.
///
/// Non-coherent demodulation: the signal is mixed down at the mark and at the space frequency
/// and each is averaged over 10 ms (a boxcar whose nulls fall on multiples of 100 Hz, so the
/// 400 Hz-away tone is rejected); the normalised difference of the two powers is the
/// discriminator, positive for mark. After a mark-to-space edge (the start bit) the
/// discriminator is averaged over the middle half of each bit for both speeds; a frame needs a
/// space start bit, a mark stop bit and enough tone energy (carrier), and the speed whose bits
/// are the cleaner — with the evidence of earlier characters — wins.
public struct BaudotDemodulator: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var sampleRate: Double
        /// Figures table; LTRS/FIGS and unshift-on-space apply to both.
        public var table: BaudotTable
        /// Speeds to consider; with one, no detection is done.
        public var rates: Set<BaudotRate>
        public var markFrequency: Double
        public var spaceFrequency: Double
        /// Fraction of the audio's power that must lie at the two tones for a frame to count
        /// (carrier detect): a clean tone gives about 1, white noise across the 8 kHz band
        /// about 0.05, and the tones at 0 dB SNR about 0.5.
        public var carrierThreshold: Double

        public init(
            sampleRate: Double,
            table: BaudotTable = .usTTY,
            rates: Set<BaudotRate> = Set(BaudotRate.allCases),
            markFrequency: Double = 1400,
            spaceFrequency: Double = 1800,
            carrierThreshold: Double = 0.2
        ) {
            self.sampleRate = sampleRate
            self.table = table
            self.rates = rates.isEmpty ? Set(BaudotRate.allCases) : rates
            self.markFrequency = markFrequency
            self.spaceFrequency = spaceFrequency
            self.carrierThreshold = carrierThreshold
        }
    }

    /// One received frame.
    public struct Received: Sendable, Hashable {
        /// The raw 5-bit code, shift codes included.
        public var code: BaudotCode
        /// The character, or nil for LTRS, FIGS and unassigned codes.
        public var character: Character?
        /// The shift in effect after this code.
        public var shift: BaudotShift
        /// The speed the frame was read at.
        public var rate: BaudotRate
        /// Index (from the first sample fed) of the start bit's leading edge.
        public var startSample: Int
        /// `startSample` as time from the first sample fed.
        public var time: Duration
    }

    public let configuration: Configuration
    private var decoder: BaudotDecoder

    // Mixers and 10 ms running sums.
    private let filterLength: Int
    private let markStep: Double
    private let spaceStep: Double
    private var markPhase = 0.0
    private var spacePhase = 0.0
    /// Five interleaved rings (mark I/Q, space I/Q, power) of `filterLength` entries.
    private var ring: [Double]
    private var sums = [Double](repeating: 0, count: 5)
    private var ringIndex = 0

    // Discriminator and carrier history from `bufferStart` on, one value per input sample.
    private var discriminator: [Float] = []
    private var carrier: [Float] = []
    private var bufferStart = 0

    // Framing.
    private var cursor = 0
    private var armed = false
    private var pendingEdge: Int?
    private var rateEvidence = 0.0
    private var lastFrameEnd = Int.min / 2

    public init(configuration: Configuration) {
        precondition(configuration.sampleRate > 0, "sample rate must be positive")
        self.configuration = configuration
        self.decoder = BaudotDecoder(table: configuration.table)
        self.filterLength = max(8, Int((configuration.sampleRate * 0.010).rounded()))
        self.markStep = 2 * Double.pi * configuration.markFrequency / configuration.sampleRate
        self.spaceStep = 2 * Double.pi * configuration.spaceFrequency / configuration.sampleRate
        self.ring = [Double](repeating: 0, count: 5 * filterLength)
    }

    /// The receiver's current shift.
    public var shift: BaudotShift { decoder.shift }

    /// The speed of the last frame read, if any.
    public private(set) var detectedRate: BaudotRate?

    /// Feeds samples (full scale 1.0); returns the frames completed by them.
    public mutating func process(_ samples: some Collection<Float>) -> [Received] {
        for sample in samples { push(Double(sample)) }
        return decodeFrames()
    }

    /// Feeds 16-bit samples; returns the frames completed by them.
    public mutating func process(_ samples: some Collection<Int16>) -> [Received] {
        for sample in samples { push(Double(sample) / 32768) }
        return decodeFrames()
    }

    /// The text of `frames`.
    public static func text(of frames: [Received]) -> String {
        String(frames.compactMap(\.character))
    }

    // MARK: - Filtering

    private mutating func push(_ x: Double) {
        let base = ringIndex * 5
        update(base, x * cos(markPhase))
        update(base + 1, x * sin(markPhase))
        update(base + 2, x * cos(spacePhase))
        update(base + 3, x * sin(spacePhase))
        update(base + 4, x * x)
        markPhase += markStep
        if markPhase >= 2 * Double.pi { markPhase -= 2 * Double.pi }
        spacePhase += spaceStep
        if spacePhase >= 2 * Double.pi { spacePhase -= 2 * Double.pi }
        ringIndex += 1
        if ringIndex == filterLength {
            // Re-sum once per ring so rounding in the running sums cannot accumulate.
            ringIndex = 0
            for index in 0..<5 { sums[index] = stride(from: index, to: ring.count, by: 5).reduce(0) { $0 + ring[$1] } }
        }

        let n = Double(filterLength)
        let markPower = (sums[0] * sums[0] + sums[1] * sums[1]) / (n * n)
        let spacePower = (sums[2] * sums[2] + sums[3] * sums[3]) / (n * n)
        let meanSquare = sums[4] / n + 1e-12
        // A tone of amplitude A has mean square A²/2 and mixed-down power A²/4.
        discriminator.append(Float(2 * (markPower - spacePower) / meanSquare))
        carrier.append(Float(2 * (markPower + spacePower) / meanSquare))
    }

    private mutating func update(_ slot: Int, _ value: Double) {
        sums[slot % 5] += value - ring[slot]
        ring[slot] = value
    }

    // MARK: - Framing

    private var bufferEnd: Int { bufferStart + discriminator.count }

    private func samplesPerBit(_ rate: BaudotRate) -> Double {
        configuration.sampleRate / rate.bitsPerSecond
    }

    private mutating func decodeFrames() -> [Received] {
        var out: [Received] = []
        let armLevel: Float = 0.1
        let shortest = configuration.rates.map(samplesPerBit).min() ?? 1
        let smoothing = max(1, Int(shortest / 4))
        let threshold = Float(configuration.carrierThreshold)
        let longest = configuration.rates.map(samplesPerBit).max() ?? 1
        let span = Int(longest * 7) + 4
        while true {
            if let edge = pendingEdge {
                guard bufferEnd > edge + span else { break }
                if let frame = readFrame(at: edge) {
                    out.append(frame)
                    cursor = edge + Int(samplesPerBit(frame.rate) * 6.5)
                } else {
                    cursor = edge + 1
                }
                armed = false
                pendingEdge = nil
                continue
            }
            // Edges are found on the discriminator smoothed over a quarter of the shorter bit,
            // so a noise spike in a mark does not look like a start bit.
            var found: Int?
            var smoothed = 0.0
            for index in max(bufferStart, cursor - smoothing)..<cursor {
                smoothed += Double(discriminator[index - bufferStart])
            }
            while cursor < bufferEnd {
                smoothed += Double(discriminator[cursor - bufferStart])
                if cursor - smoothing >= bufferStart {
                    smoothed -= Double(discriminator[cursor - smoothing - bufferStart])
                }
                let value = Float(smoothed / Double(smoothing))
                if !armed {
                    armed = value > armLevel && carrier[cursor - bufferStart] > threshold
                } else if value <= 0 {
                    found = cursor - smoothing / 2
                    cursor += 1
                    break
                }
                cursor += 1
            }
            guard let found else { break }
            pendingEdge = found
        }
        let keepFrom = min(cursor, pendingEdge ?? cursor) - bufferStart - Int(longest) - 8
        if keepFrom > 8192 {
            discriminator.removeFirst(keepFrom)
            carrier.removeFirst(keepFrom)
            bufferStart += keepFrom
        }
        return out
    }

    /// Reads the frame whose start edge was detected at `edge` at each candidate speed; nil
    /// for a framing error.
    private mutating func readFrame(at edge: Int) -> Received? {
        // Prefix sums of the discriminator and carrier from a quarter bit before the edge to
        // past the stop bit, so each bit's mean costs two look-ups.
        let longest = configuration.rates.map(samplesPerBit).max() ?? 1
        let from = max(bufferStart, edge - Int(longest / 4) - 2)
        let to = min(bufferEnd, edge + Int(longest * 7) + 2)
        var prefix = Prefix(origin: from, discriminator: [0], carrier: [0])
        prefix.discriminator.reserveCapacity(to - from + 1)
        prefix.carrier.reserveCapacity(to - from + 1)
        for index in from..<to {
            prefix.discriminator.append(prefix.discriminator.last! + Double(discriminator[index - bufferStart]))
            prefix.carrier.append(prefix.carrier.last! + Double(carrier[index - bufferStart]))
        }

        var candidates: [Candidate] = []
        for rate in BaudotRate.allCases where configuration.rates.contains(rate) {
            if let candidate = bestAlignment(near: edge, rate: rate, prefix: prefix) {
                candidates.append(candidate)
            }
        }
        if edge - lastFrameEnd > Int(configuration.sampleRate) {
            rateEvidence = 0 // a new transmission: forget the last one's speed
        }
        let chosen: Candidate
        switch candidates.count {
        case 0:
            return nil
        case 1:
            chosen = candidates[0]
            rateEvidence = 0.8 * rateEvidence + (chosen.rate == .baud45 ? 0.5 : -0.5)
        default:
            let s45 = candidates.first { $0.rate == .baud45 }?.score ?? 0
            let s50 = candidates.first { $0.rate == .baud50 }?.score ?? 0
            let combined = rateEvidence + (s45 - s50)
            let prefer45 = combined > 0 || (combined == 0 && (detectedRate ?? .baud45) == .baud45)
            chosen = candidates.first { $0.rate == (prefer45 ? .baud45 : .baud50) } ?? candidates[0]
            rateEvidence = 0.8 * rateEvidence + (s45 - s50)
        }
        var raw: UInt8 = 0
        for index in 0..<5 where chosen.bits[index + 1] > 0 {
            raw |= 1 << index
        }
        let code = BaudotCode(bits: raw)
        let character = decoder.decode(code)
        detectedRate = chosen.rate
        lastFrameEnd = chosen.edge + Int(samplesPerBit(chosen.rate) * 7)
        let start = max(0, chosen.edge - filterLength / 2)
        let nanoseconds = Int64((Double(start) / configuration.sampleRate * 1e9).rounded())
        return Received(
            code: code, character: character, shift: decoder.shift, rate: chosen.rate,
            startSample: start, time: .nanoseconds(nanoseconds)
        )
    }

    private struct Prefix {
        var origin: Int
        var discriminator: [Double]
        var carrier: [Double]

        /// Means over `lower..<upper` (absolute indices), clamped to the stored range.
        func means(_ lower: Int, _ upper: Int) -> (discriminator: Double, carrier: Double)? {
            let a = lower - origin
            let b = upper - origin
            guard a >= 0, b < discriminator.count, b > a else { return nil }
            let count = Double(b - a)
            return ((discriminator[b] - discriminator[a]) / count, (carrier[b] - carrier[a]) / count)
        }
    }

    private struct Candidate {
        var rate: BaudotRate
        var edge: Int
        var bits: [Double]
        var score: Double
    }

    /// The start-edge position within a quarter bit of `edge` whose bits are cleanest at
    /// `rate`, or nil if no position gives a valid frame.
    private func bestAlignment(near edge: Int, rate: BaudotRate, prefix: Prefix) -> Candidate? {
        let bitLength = samplesPerBit(rate)
        let reach = Int(bitLength / 4)
        let step = max(1, Int(bitLength / 32))
        var best: Candidate?
        for offset in stride(from: -reach, through: reach, by: step) {
            guard let candidate = sampleBits(at: edge + offset, rate: rate, prefix: prefix) else { continue }
            // Prefer the detected edge on ties.
            if best == nil || candidate.score > best!.score + 1e-9
                || (abs(candidate.score - best!.score) <= 1e-9 && abs(offset) < abs(best!.edge - edge)) {
                best = candidate
            }
        }
        return best
    }

    /// Mean discriminator over the middle half of the start bit, the five data bits and the
    /// first stop bit, with a cleanliness score; nil if the framing or the carrier is wrong.
    private func sampleBits(at edge: Int, rate: BaudotRate, prefix: Prefix) -> Candidate? {
        let bitLength = samplesPerBit(rate)
        var bits: [Double] = []
        bits.reserveCapacity(7)
        for bit in 0..<7 {
            let centre = Double(edge) + (Double(bit) + 0.5) * bitLength
            guard let mean = prefix.means(Int((centre - bitLength / 4).rounded()), Int((centre + bitLength / 4).rounded()))
            else { return nil }
            bits.append(mean.discriminator)
        }
        // The start bit must be clearly space and the stop bit clearly mark, relative to the
        // tone level (a clean bit's mean is about ± the carrier measure).
        guard let frame = prefix.means(edge, edge + Int(bitLength * 7)),
              frame.carrier > configuration.carrierThreshold,
              bits[0] < -0.25 * frame.carrier, bits[6] > 0.25 * frame.carrier
        else { return nil }
        let score = bits.reduce(0.0) { $0 + abs($1) } / 7
        return Candidate(rate: rate, edge: edge, bits: bits, score: score)
    }
}
