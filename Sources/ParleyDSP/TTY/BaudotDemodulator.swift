import Foundation

/// Receives Baudot TTY FSK (1400 Hz mark, 1800 Hz space by default) at 45.45 or 50 bit/s,
/// telling the two apart by itself, at any sample rate. Feed blocks of any size; characters
/// come back as their frames complete, and the result does not depend on how the audio was
/// split into blocks.
///
/// Non-coherent matched filters: the audio is mixed down at the mark and at the space
/// frequency and summed over exactly one bit (integrate and dump, for each speed), so the
/// energy of each tone over any one-bit window is known at every sample. A frame is read
/// where a bit-long window of mark is followed by a bit-long window of space (the start bit);
/// the frame position within a bit and a half of that edge, and the speed, are the ones that
/// put the most energy in the tones the bits are read as, with the mark before the start bit,
/// the space of the start bit and the mark of the stop bit all as they must be. Each data bit
/// is mark when the mark tone has more energy over the bit than the space tone (the optimum
/// decision for non-coherent FSK in white noise). A frame counts only when enough of the
/// audio's power lies in those tones (carrier detect), so noise alone gives nothing.
public struct BaudotDemodulator: Sendable {
    public struct Configuration: Sendable, Hashable {
        public var sampleRate: Double
        /// Figures table; LTRS/FIGS and unshift-on-space apply to both.
        public var table: BaudotTable
        /// Speeds to consider; with one, no detection is done.
        public var rates: Set<BaudotRate>
        public var markFrequency: Double
        public var spaceFrequency: Double
        /// Carrier detect: the share of the audio's power that must lie, averaged over the bits
        /// of a frame (and the bit of mark before it), in the tone each bit is read as, for a
        /// frame out of nowhere; one within 0.3 s of the last frame needs 0.64 of it. A clean
        /// signal gives about 1, the tones at 0 dB SNR over an 8 kHz band about 0.5, at −14 dB
        /// about 0.05, and white noise alone about 2.6 divided by the samples in a bit (0.016
        /// at 8 kHz and 50 bit/s).
        public var carrierThreshold: Double

        public init(
            sampleRate: Double,
            table: BaudotTable = .usTTY,
            rates: Set<BaudotRate> = Set(BaudotRate.allCases),
            markFrequency: Double = 1400,
            spaceFrequency: Double = 1800,
            carrierThreshold: Double = 0.05
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
    private var filters: BitFilters
    /// Filter outputs from `history.start` on; index 0 is 45.45 bit/s, 1 is 50.
    private var history: History
    private let speeds: [Speed]
    /// Indices into `speeds` of the configured rates.
    private let active: [Int]

    // Framing.
    private var cursor = 0
    private var rateEvidence = 0.0
    private var lastFrameEnd = Int.min / 2
    /// A frame starting within 0.3 s of the last one's end needs only this share of the
    /// carrier threshold: the transmission is known to be there.
    private static let followingCarrierFactor = 0.64
    /// Set right after a frame: where it started and, when it followed another back to back,
    /// the spacing of frames (the next is looked for where it should follow).
    private var tracking: Tracking?

    private struct Tracking {
        var start: Int
        var period: Double?
    }

    public init(configuration: Configuration) {
        precondition(configuration.sampleRate > 0, "sample rate must be positive")
        self.configuration = configuration
        self.decoder = BaudotDecoder(table: configuration.table)
        let speeds = BaudotRate.allCases.map { Speed(rate: $0, sampleRate: configuration.sampleRate) }
        self.speeds = speeds
        self.active = (0..<2).filter { configuration.rates.contains(speeds[$0].rate) }
        self.filters = BitFilters(
            lengths: (speeds[0].window, speeds[1].window),
            markStep: 2 * Double.pi * configuration.markFrequency / configuration.sampleRate,
            spaceStep: 2 * Double.pi * configuration.spaceFrequency / configuration.sampleRate)
        self.history = History()
    }

    /// The receiver's current shift.
    public var shift: BaudotShift { decoder.shift }

    /// The speed of the last frame read, if any.
    public private(set) var detectedRate: BaudotRate?

    /// Feeds samples (full scale 1.0); returns the frames completed by them.
    public mutating func process(_ samples: some Collection<Float>) -> [Received] {
        history.reserve(samples.count)
        for sample in samples { push(Double(sample)) }
        return decodeFrames()
    }

    /// Feeds 16-bit samples; returns the frames completed by them.
    public mutating func process(_ samples: some Collection<Int16>) -> [Received] {
        history.reserve(samples.count)
        for sample in samples { push(Double(sample) * (1.0 / 32768)) }
        return decodeFrames()
    }

    /// The text of `frames`.
    public static func text(of frames: [Received]) -> String {
        String(frames.compactMap(\.character))
    }

    private mutating func push(_ x: Double) {
        let output = filters.push(x)
        history.append(output)
    }

    // MARK: - Framing

    private mutating func decodeFrames() -> [Received] {
        var out: [Received] = []
        let shortest = active.map { speeds[$0].exact }.min() ?? 1
        let longest = active.map { speeds[$0].exact }.max() ?? 1
        let longestWindow = active.map { speeds[$0].window }.max() ?? 1
        // A frame read at t needs windows from one bit before t to the end of its stop bit;
        // a search reaches at most 1.75 bits past where it starts.
        let region = Int(shortest * 1.5)
        // The data a frame starting at t needs: to the end of its stop bit, plus the fine
        // search's reach.
        let frameReach = Int(longest * 7) + longestWindow / 16 + 2
        let lookahead = region + frameReach
        let gateThreshold = Float(configuration.carrierThreshold * Self.followingCarrierFactor)
        cursor = max(cursor, history.start + longestWindow * 2)
        while true {
            if let last = tracking {
                guard last.start + Int(longest * 8.25) + frameReach < history.end else { break }
                // Right after a frame: the next one, if the sender has more to say, starts
                // 1.5 to 2 stop bits after it (6.75 to 8.25 bits on) — where the last two frames' spacing says, when
                // they were back to back. Look there first.
                tracking = nil
                let expected = last.period.map { Double(last.start) + $0 }
                if let frame = readFrame(
                    from: last.start + Int(shortest * 6.75), through: last.start + Int(longest * 8.25),
                    expected: expected, speeds: active, strict: true, previous: last) {
                    out.append(frame)
                }
                continue
            }
            guard cursor + lookahead < history.end else { break }
            // Hunting: the first position with mark, then a space start bit, and a mark stop
            // bit, under enough carrier; then the best frame within a bit and a half of it.
            let t = cursor
            guard history.gate(from: t + speeds[1].window, count: Int(shortest * 6)) >= gateThreshold,
                  active.contains(where: { isFrameStart(speed: $0, at: t) })
            else {
                cursor += 1
                continue
            }
            if let frame = readFrame(from: t, through: t + region, expected: nil, speeds: active, strict: true, previous: nil) {
                out.append(frame)
            } else {
                // Every position in the region searched was weaker: look past it.
                cursor = t + region
            }
        }
        history.discard(before: cursor - longestWindow * 3)
        return out
    }

    /// Mark in the bit before `t`, space in the bit from `t`, mark in the stop bit.
    private func isFrameStart(speed index: Int, at t: Int) -> Bool {
        let speed = speeds[index]
        let before = history.window(index, endingAt: t - 1)
        let start = history.window(index, endingAt: t + speed.window - 1)
        let stop = history.window(index, endingAt: t + speed.offset(6) + speed.window - 1)
        return before.mark > before.space && start.space > start.mark && stop.mark > stop.space
    }

    private struct Candidate {
        var speed: Int
        var start: Int
        var raw: UInt8
        /// Mean share of each bit's power in the tone it is read as (or, for the mark
        /// before, the start bit and the stop bit, the tone it must be), over a half: 1 for a
        /// clean frame.
        var fraction: Double
    }

    /// Reads the eight bit windows (mark before, start, five data, stop) of a frame at `t`.
    /// `strict` requires the mark before and the stop bit to read as mark; the start bit must
    /// always read as space.
    private func candidate(speed index: Int, at t: Int, strict: Bool) -> Candidate? {
        let speed = speeds[index]
        let before = history.window(index, endingAt: t - 1)
        let start = history.window(index, endingAt: t + speed.window - 1)
        let stop = history.window(index, endingAt: t + speed.offset(6) + speed.window - 1)
        guard start.space > start.mark else { return nil }
        if strict {
            guard before.mark > before.space, stop.mark > stop.space else { return nil }
        }
        var shares: (Float, Float, Float, Float, Float, Float, Float, Float) = (
            before.mark / (before.power + 1e-30), start.space / (start.power + 1e-30), 0, 0, 0, 0, 0,
            stop.mark / (stop.power + 1e-30))
        var lowest = min(before.power, start.power, stop.power)
        var highest = max(before.power, start.power, stop.power)
        var raw: UInt8 = 0
        for bit in 0..<5 {
            let window = history.window(index, endingAt: t + speed.offset(bit + 1) + speed.window - 1)
            let tone: Float
            if window.mark > window.space {
                raw |= 1 << bit
                tone = window.mark
            } else {
                tone = window.space
            }
            let share = tone / (window.power + 1e-30)
            switch bit {
            case 0: shares.2 = share
            case 1: shares.3 = share
            case 2: shares.4 = share
            case 3: shares.5 = share
            default: shares.6 = share
            }
            lowest = min(lowest, window.power)
            highest = max(highest, window.power)
        }
        // FSK has a steady envelope, and so has the tone's share of the power over a frame:
        // a frame straddling the start or the end of a transmission (noise in some bits, tone
        // in the others) must not borrow the tone's strength. A bit is weak when its share is
        // under a quarter of the frame's mean; the mark before, the start bit and the stop bit
        // may not be weak, and at most one data bit may.
        let total = shares.0 + shares.1 + shares.2 + shares.3 + shares.4 + shares.5 + shares.6 + shares.7
        let weak = total / 32
        var weakBits = 0
        for share in [shares.2, shares.3, shares.4, shares.5, shares.6] where share < weak {
            weakBits += 1
        }
        // And the tones must already be there a bit before the mark before the start bit.
        let earlier = history.window(index, endingAt: t - speed.window - 1)
        let earlierShare = (earlier.mark + earlier.space) / (earlier.power + 1e-30)
        guard lowest * 4 >= highest, weakBits <= 1, shares.0 >= weak, shares.1 >= weak, shares.7 >= weak, earlierShare >= weak
        else { return nil }
        // The same for the power at both tones, which does not depend on how the bits are
        // read: the first half of the frame against the second.
        // (Windows of the shorter bit, ending from the bit before the start bit to the end of
        // the stop bit: nothing past the frame is read.)
        let half = speed.offset(4)
        let early = history.gate(from: t - 1, count: half)
        let late = history.gate(from: t + half - 1, count: speed.offset(6) + speed.window - half)
        guard early <= 2 * late, late <= 2 * early else { return nil }
        // A tone of amplitude A has A²/4 in its own filter and power A²/2: a clean bit's share
        // is ½, so the sum of eight is 4.
        return Candidate(speed: index, start: t, raw: raw, fraction: Double(total) / 4)
    }

    /// The candidate with the most tone at `speed` starting in `lower...upper`.
    private func bestCandidate(speed index: Int, from lower: Int, through upper: Int, strict: Bool) -> Candidate? {
        var found: Candidate?
        // Coarse steps of a sixteenth of a bit, then every sample around the best of them.
        let coarse = max(1, min(speeds[index].window / 16, upper - lower))
        for position in stride(from: lower, through: upper, by: coarse) {
            guard let candidate = candidate(speed: index, at: position, strict: strict) else { continue }
            if found == nil || candidate.fraction > found!.fraction { found = candidate }
        }
        if let centre = found?.start, coarse > 1 {
            for position in max(lower, centre - coarse + 1)...min(upper, centre + coarse - 1) where position != centre {
                guard let candidate = candidate(speed: index, at: position, strict: strict) else { continue }
                if candidate.fraction > found!.fraction { found = candidate }
            }
        }
        return found
    }

    /// The best frame starting in `lower...upper` at one of `indices`' speeds; nil when there
    /// is none or its carrier is too weak. Near `expected` (within an eighth of a bit) a frame
    /// is preferred unless one elsewhere is clearly stronger.
    private mutating func readFrame(
        from lower: Int, through upper: Int, expected: Double?, speeds indices: [Int], strict: Bool, previous: Tracking?
    ) -> Received? {
        var best: [Candidate] = []
        for index in indices {
            guard var found = bestCandidate(speed: index, from: lower, through: upper, strict: strict) else { continue }
            if let expected {
                let reach = speeds[index].exact / 8
                let near = bestCandidate(speed: index, from: Int((expected - reach).rounded()), through: Int((expected + reach).rounded()), strict: strict)
                if let near, near.fraction >= found.fraction * 0.9 {
                    found = near
                    // Read the bits where the frames' steady rhythm and this frame agree.
                    let smoothed = Int((expected + 0.3 * (Double(near.start) - expected)).rounded())
                    if smoothed != near.start, let settled = candidate(speed: index, at: smoothed, strict: false) {
                        found = Candidate(speed: index, start: settled.start, raw: settled.raw, fraction: near.fraction)
                    }
                }
            }
            best.append(found)
        }
        if lower - lastFrameEnd > Int(configuration.sampleRate) {
            rateEvidence = 0 // a new transmission: forget the last one's speed
        }
        let chosen: Candidate
        switch best.count {
        case 0:
            return nil
        case 1:
            chosen = best[0]
        default:
            let s45 = best[0].fraction
            let s50 = best[1].fraction
            let combined = rateEvidence + (s45 - s50) / max(s45, s50)
            let prefer45 = combined > 0 || (combined == 0 && (detectedRate ?? .baud45) == .baud45)
            chosen = prefer45 ? best[0] : best[1]
        }
        // A frame close after the last one needs less tone than one out of nowhere.
        let recent = lower - lastFrameEnd <= Int(configuration.sampleRate * 0.3)
        guard chosen.fraction >= configuration.carrierThreshold * (recent ? Self.followingCarrierFactor : 1) else { return nil }
        if best.count == 2 {
            rateEvidence = 0.95 * rateEvidence + (best[0].fraction - best[1].fraction) / max(best[0].fraction, best[1].fraction)
        } else {
            rateEvidence = 0.95 * rateEvidence + (chosen.speed == 0 ? 0.2 : -0.2)
        }
        let speed = speeds[chosen.speed]
        let code = BaudotCode(bits: chosen.raw)
        let character = decoder.decode(code)
        detectedRate = speed.rate
        lastFrameEnd = chosen.start + speed.offset(7)
        // Hunting, if the next frame is not where it should be, resumes after the stop bit.
        cursor = chosen.start + Int((speed.exact * 7).rounded())
        var period: Double?
        if let previous {
            let spacing = Double(chosen.start - previous.start)
            if let last = previous.period, abs(spacing - last) <= speed.exact / 4 {
                period = last + 0.1 * (spacing - last)
            } else {
                period = spacing
            }
        }
        tracking = Tracking(start: chosen.start, period: period)
        let nanoseconds = Int64((Double(chosen.start) / configuration.sampleRate * 1e9).rounded())
        return Received(
            code: code, character: character, shift: decoder.shift, rate: speed.rate,
            startSample: chosen.start, time: .nanoseconds(nanoseconds)
        )
    }
}

// MARK: - Speeds, filters and their history

extension BaudotDemodulator {
    /// Bit timing for one speed at the configured sample rate.
    fileprivate struct Speed: Sendable {
        let rate: BaudotRate
        /// Samples per bit.
        let exact: Double
        /// The matched filters' length: samples per bit, rounded.
        let window: Int
        private let offsets: [Int]

        init(rate: BaudotRate, sampleRate: Double) {
            self.rate = rate
            self.exact = sampleRate / rate.bitsPerSecond
            self.window = max(4, Int(exact.rounded()))
            let exact = self.exact
            self.offsets = (0...8).map { Int((Double($0) * exact).rounded()) }
        }

        /// Samples from a frame's start to the start of bit `bit` (0 = start bit).
        func offset(_ bit: Int) -> Int { offsets[bit] }
    }

    /// One bit-long window's tone energies (a tone of amplitude A gives A²/4 in its own
    /// frequency) and mean power (A²/2).
    fileprivate struct Window {
        var mark: Float
        var space: Float
        var power: Float
    }

    /// Quadrature mixers at the two tones and running sums over one bit for each speed.
    fileprivate struct BitFilters: Sendable {
        private let lengths: (Int, Int)
        private let size: Int
        /// Five interleaved values per sample: mark I/Q, space I/Q, x².
        private var ring: [Double]
        private var index = 0
        private var sums0 = SIMD8<Double>()
        private var sums1 = SIMD8<Double>()
        private var mark = (re: 1.0, im: 0.0)
        private var space = (re: 1.0, im: 0.0)
        private let markRotation: (re: Double, im: Double)
        private let spaceRotation: (re: Double, im: Double)
        private var sinceRefresh = 0

        init(lengths: (Int, Int), markStep: Double, spaceStep: Double) {
            self.lengths = lengths
            self.size = max(lengths.0, lengths.1) + 1
            self.ring = [Double](repeating: 0, count: 8 * size)
            self.markRotation = (cos(markStep), -sin(markStep))
            self.spaceRotation = (cos(spaceStep), -sin(spaceStep))
        }

        /// Feeds one sample; returns the windows ending at it for each speed.
        mutating func push(_ x: Double) -> (Window, Window) {
            let value = SIMD8<Double>(x * mark.re, x * mark.im, x * space.re, x * space.im, x * x, 0, 0, 0)
            let old0 = slot(index - lengths.0)
            let old1 = slot(index - lengths.1)
            let base = index * 8
            ring.withUnsafeMutableBufferPointer { ring in
                let oldValue0 = SIMD8<Double>(ring[old0 * 8 ..< old0 * 8 + 8])
                let oldValue1 = SIMD8<Double>(ring[old1 * 8 ..< old1 * 8 + 8])
                for lane in 0..<8 { ring[base + lane] = value[lane] }
                sums0 += value - oldValue0
                sums1 += value - oldValue1
            }
            index += 1
            if index == size { index = 0 }
            advanceOscillators()
            return (Self.window(sums0, length: lengths.0), Self.window(sums1, length: lengths.1))
        }

        private func slot(_ position: Int) -> Int {
            position < 0 ? position + size : position
        }

        private static func window(_ sums: SIMD8<Double>, length: Int) -> Window {
            let n = Double(length)
            let scale = 1 / (n * n)
            return Window(
                mark: Float((sums[0] * sums[0] + sums[1] * sums[1]) * scale),
                space: Float((sums[2] * sums[2] + sums[3] * sums[3]) * scale),
                power: Float(sums[4] / n))
        }

        private mutating func advanceOscillators() {
            mark = (mark.re * markRotation.re - mark.im * markRotation.im, mark.re * markRotation.im + mark.im * markRotation.re)
            space = (space.re * spaceRotation.re - space.im * spaceRotation.im, space.re * spaceRotation.im + space.im * spaceRotation.re)
            sinceRefresh += 1
            if sinceRefresh == 4096 {
                // Keep the oscillators on the unit circle, and re-add the running sums from the
                // ring so that rounding cannot accumulate in them.
                sinceRefresh = 0
                let m = 1.5 - 0.5 * (mark.re * mark.re + mark.im * mark.im)
                mark = (mark.re * m, mark.im * m)
                let s = 1.5 - 0.5 * (space.re * space.re + space.im * space.im)
                space = (space.re * s, space.im * s)
                sums0 = resum(lengths.0)
                sums1 = resum(lengths.1)
            }
        }

        private func resum(_ length: Int) -> SIMD8<Double> {
            var total = SIMD8<Double>()
            for back in 1...length {
                let position = slot(index - back)
                total += SIMD8<Double>(ring[position * 8 ..< position * 8 + 8])
            }
            return total
        }
    }

    /// The filters' outputs for every sample from `start` on, and a running sum of the
    /// carrier measure (tone power over total power, on the shorter bit) to gate the search.
    fileprivate struct History: Sendable {
        private(set) var start = 0
        private var windows0: [Window] = []
        private var windows1: [Window] = []
        private var carrier: [Double] = [0]

        var end: Int { start + windows0.count }

        mutating func reserve(_ count: Int) {
            windows0.reserveCapacity(windows0.count + count)
            windows1.reserveCapacity(windows1.count + count)
            carrier.reserveCapacity(carrier.count + count)
        }

        mutating func append(_ output: (Window, Window)) {
            windows0.append(output.0)
            windows1.append(output.1)
            let w = output.1
            carrier.append(carrier[carrier.count - 1] + Double(2 * (w.mark + w.space) / (w.power + 1e-20)))
        }

        /// The window of `speed` ending at sample `position`; silence outside the history.
        func window(_ speed: Int, endingAt position: Int) -> Window {
            let offset = position - start
            guard offset >= 0, offset < windows0.count else { return Window(mark: 0, space: 0, power: 0) }
            return speed == 0 ? windows0[offset] : windows1[offset]
        }

        /// Mean carrier measure over `count` windows from the one ending at `from`.
        func gate(from: Int, count: Int) -> Float {
            let a = from - start
            let b = a + count
            guard a >= 0, b < carrier.count, count > 0 else { return 0 }
            return Float((carrier[b] - carrier[a]) / Double(count))
        }

        mutating func discard(before position: Int) {
            let drop = position - start
            guard drop > 16384 else { return }
            windows0.removeFirst(drop)
            windows1.removeFirst(drop)
            let base = carrier[drop]
            carrier.removeFirst(drop)
            // Rebase the running sum so it stays small.
            for index in carrier.indices { carrier[index] -= base }
            start += drop
        }
    }
}
