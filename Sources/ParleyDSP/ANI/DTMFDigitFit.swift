import Foundation

/// The block sums of the eight keypad tones over one candidate digit of ``DTMFDecoder`` — a run
/// of windows holding the same key, from a few blocks before its first window to a few past its
/// last — and the checks made on the whole digit when the run has ended.
///
/// The windows time a tone only to about a block: in noise a window may reach a block past the
/// tone, or start a block late. So the digit is fitted: for each of its two tones, one sinusoid
/// of steady frequency, phase and level, on for one extent shared by both tones, found to a
/// tenth of a block (the blocks at its edges count by how much of them it fills). Over that
/// extent:
/// - the steady tone must explain at least ``DTMFDecoder/Configuration/minimumCoherence`` of
///   the energy in each tone's bin (a voice's harmonics glide and swell);
/// - each tone's frequency is within ``DTMFDecoder/Configuration/frequencyTolerance``;
/// - every other tone of each group, at the resolution of the whole digit (25 Hz for 40 ms,
///   where a 25 ms window resolves 40; at most its first 200 ms), is ``digitDominance`` below
///   the group's tone (speech has harmonics near the other keypad tones; a key has nothing
///   else);
/// - the extent lasts at least the minimum duration less ``durationAllowance``;
/// - in the two blocks on each side just outside it, each tone's bin holds on average at most
///   ``edgeLimit`` of the tone's energy per block: a key's tones start and stop at once, a
///   voice's harmonics fade in and out.
///
/// Because the edges are fitted, a block of noise past the end of a tone, or a tone starting
/// anywhere on the block grid, no longer dilutes the coherence, while speech is held to the
/// same measure of steadiness over the part where it looks most like a tone.
struct DTMFDigitFit: Sendable {
    /// Samples per block.
    let blockLength: Int
    let sampleRate: Double
    /// Index of the first block kept.
    private(set) var firstBlock = 0
    /// Per block, the complex sums of the eight tones (rows 0–3, columns 4–7), interleaved.
    private var re: [Double] = []
    private var im: [Double] = []

    /// Every other tone of a group must lie this far below the group's tone over the digit
    /// (6 dB: noise at 0 dB signal-to-noise gives at most about −7 dB there).
    static let digitDominance = 0.25
    /// Outside the extent each tone's bin may hold this share of the tone's energy per block
    /// (noise at 0 dB signal-to-noise holds about a tenth).
    static let edgeLimit = 0.75
    /// The fitted extent may be this much shorter than the minimum duration (the fit is good to
    /// about a millisecond in clean audio, two or three in noise at 0 dB).
    static let durationAllowance = 0.0025
    /// How far the fitted edges are searched outside the windows (blocks); inward, one block.
    static let outwardSearch = 5
    /// Blocks looked at outside the extent on each side.
    static let edgeBlocks = 2
    /// The group's other tones are looked for over at most the digit's first 200 ms (5 Hz
    /// resolution; the search costs as much again for each block more).
    static let dominanceBlocks = 40
    /// Blocks to keep before a run's first window.
    static var leadBlocks: Int { outwardSearch + edgeBlocks + 1 }

    init(blockLength: Int, sampleRate: Double) {
        self.blockLength = blockLength
        self.sampleRate = sampleRate
    }

    /// Blocks kept.
    var count: Int { re.count / 8 }
    /// One past the last sample of the blocks kept.
    var endSample: Int { (firstBlock + count) * blockLength }

    /// Adds the sums of the newest block, numbered `index`; the blocks kept are dropped first
    /// when they do not lead up to it.
    mutating func append(_ blocks: ToneBlocks, index: Int) {
        if index != firstBlock + count { removeAll() }
        if count == 0 { firstBlock = index }
        for tone in 0..<8 {
            let (blockRe, blockIm) = blocks.newest(tone)
            re.append(blockRe)
            im.append(blockIm)
        }
    }

    /// Keeps at most the last `blocks` blocks.
    mutating func keepLast(_ blocks: Int) {
        let extra = min(count, count - blocks)
        guard extra > 0 else { return }
        re.removeFirst(extra * 8)
        im.removeFirst(extra * 8)
        firstBlock += extra
    }

    /// Keeps the blocks from `index` on (none when they all come before it).
    mutating func keep(from index: Int) {
        keepLast(firstBlock + count - index)
    }

    mutating func removeAll() {
        re.removeAll(keepingCapacity: true)
        im.removeAll(keepingCapacity: true)
        firstBlock = 0
    }

    // MARK: - The checks

    /// What the checks need to know of the decoder's configuration.
    struct Limits: Sendable {
        var coherence: Double
        var frequencyTolerance: Double
        /// Shortest extent, samples.
        var minimumExtent: Int
        /// Reject limit of a window's frequency (relative), which bounds the search.
        var searchTolerance: Double
    }

    /// Where the digit `key` (row × 4 + column) lies, if it passes the checks. `stretches` are
    /// the sample ranges covered by its windows, in order, more than one when a break was
    /// bridged; `offsets` the mean offsets (Hz) its windows measured for the row and column
    /// tone. First the digit is taken as one steady tone pair across any breaks; if that
    /// fails and every break is a real gap, each stretch as a tone pair of its own. With
    /// `openEnd` the tones still sound past the blocks kept: the extent ends with them.
    func digit(key: Int, stretches: [Range<Int>], offsets: (row: Double, column: Double), openEnd: Bool, limits: Limits) -> Range<Int>? {
        guard let first = stretches.first, let last = stretches.last else { return nil }
        let pair = Pair(key: key, guesses: [offsets.row, offsets.column])
        if let whole = fit(pair, span: first.lowerBound..<last.upperBound, bounds: Int.min..<Int.max, openEnd: openEnd, limits: limits),
           whole.count >= limits.minimumExtent {
            return whole
        }
        guard stretches.count > 1 else { return nil }
        // A break the windows bridged: a real gap (the tones may not keep their phase across it)
        // leaves the windows on either side at most a block apart.
        let gaps = zip(stretches, stretches.dropFirst())
        guard !gaps.contains(where: { before, after in after.lowerBound < before.upperBound - blockLength }) else { return nil }
        var extents: [Range<Int>] = []
        for (index, stretch) in stretches.enumerated() {
            let low = index == 0 ? Int.min : stretches[index - 1].upperBound - blockLength
            let high = index == stretches.count - 1 ? Int.max : stretches[index + 1].lowerBound + blockLength
            let open = openEnd && index == stretches.count - 1
            guard let extent = fit(pair, span: stretch, bounds: low..<high, openEnd: open, limits: limits) else { return nil }
            extents.append(extent)
        }
        let whole = extents[0].lowerBound..<extents[extents.count - 1].upperBound
        return whole.count >= limits.minimumExtent ? whole : nil
    }

    /// The key's two tones: bin indices, nominal frequencies and the windows' mean offsets (Hz).
    private struct Pair {
        var tones: [Int]
        var nominal: [Double]
        var guesses: [Double]

        init(key: Int, guesses: [Double]) {
            self.tones = [key / 4, 4 + key % 4]
            self.nominal = [DTMF.rowFrequencies[key / 4], DTMF.columnFrequencies[key % 4]]
            self.guesses = guesses
        }
    }

    /// The tone pair fitted around the windows' `span` (edges within `bounds`): where it lies,
    /// if it passes the checks. Each tone's frequency is taken where its blocks under the
    /// windows add up to the most power; the extent is found; then the frequencies again over
    /// the extent, and the extent again.
    private func fit(_ pair: Pair, span: Range<Int>, bounds: Range<Int>, openEnd: Bool, limits: Limits) -> Range<Int>? {
        let limitTurns = (0..<2).map { turn(hertz: limits.searchTolerance * pair.nominal[$0]) }
        var turns = (0..<2).map { slot in
            bestTurn(tone: pair.tones[slot], blocks: block(span.lowerBound)..<block(span.upperBound),
                     around: turn(hertz: pair.guesses[slot]), limit: limitTurns[slot])
        }
        var turned = Turned(self, tones: pair.tones, turns: turns)
        guard var extent = locate(turned, span: span, bounds: bounds, openEnd: openEnd) else { return nil }
        let blocks = extent.lowerBound / blockLength..<((extent.upperBound - 1) / blockLength + 1)
        turns = (0..<2).map { bestTurn(tone: pair.tones[$0], blocks: blocks, around: turns[$0], limit: limitTurns[$0]) }
        turned = Turned(self, tones: pair.tones, turns: turns)
        guard let again = locate(turned, span: span, bounds: bounds, openEnd: openEnd) else { return nil }
        extent = again
        guard passes(turned, pair: pair, extent: extent, openEnd: openEnd, limits: limits) else { return nil }
        let origin = firstBlock * blockLength
        return (extent.lowerBound + origin)..<(extent.upperBound + origin)
    }

    /// The blocks of the two tones turned back by their turns (block k by k turns), with
    /// running sums of them and of their energy.
    private struct Turned {
        let turns: [Double]
        var blocks: [[(re: Double, im: Double)]] = [[], []]
        var sums: [[(re: Double, im: Double)]] = [[(0, 0)], [(0, 0)]]
        var energy: [[Double]] = [[0], [0]]

        init(_ fit: DTMFDigitFit, tones: [Int], turns: [Double]) {
            self.turns = turns
            for slot in 0..<2 {
                let stepRe = cos(turns[slot]), stepIm = -sin(turns[slot])
                var rotRe = 1.0, rotIm = 0.0
                for k in 0..<fit.count {
                    let (bRe, bIm) = fit.sum(tones[slot], k)
                    let value = (re: bRe * rotRe - bIm * rotIm, im: bRe * rotIm + bIm * rotRe)
                    blocks[slot].append(value)
                    sums[slot].append((sums[slot][k].re + value.re, sums[slot][k].im + value.im))
                    energy[slot].append(energy[slot][k] + value.re * value.re + value.im * value.im)
                    (rotRe, rotIm) = (rotRe * stepRe - rotIm * stepIm, rotRe * stepIm + rotIm * stepRe)
                }
            }
        }

        /// The power of tone `slot` captured by an extent [s, e) (samples from the first block
        /// kept) of blocks `length` long — the blocks it fills wholly add as they are, a block at
        /// an edge counts by the share f it fills, turned to the middle of the part filled — as
        /// |Σ|² / Σ f², and Σ f².
        func captured(_ slot: Int, _ s: Int, _ e: Int, length: Int) -> (power: Double, weight: Double) {
            let ks = s / length, ke = (e - 1) / length
            let fs = Double((ks + 1) * length - s) / Double(length)
            let fe = Double(e - ke * length) / Double(length)
            var totalRe = sums[slot][ke].re - sums[slot][ks + 1].re
            var totalIm = sums[slot][ke].im - sums[slot][ks + 1].im
            for (block, fill, phase) in [(ks, fs, turns[slot] * (1 - fs) / 2), (ke, fe, -turns[slot] * (1 - fe) / 2)] {
                // f e^{−jφ} × block
                let value = blocks[slot][block], cosine = cos(phase), sine = sin(phase)
                totalRe += fill * (value.re * cosine + value.im * sine)
                totalIm += fill * (value.im * cosine - value.re * sine)
            }
            let weight = Double(ke - ks - 1) + fs * fs + fe * fe
            return ((totalRe * totalRe + totalIm * totalIm) / weight, weight)
        }
    }

    /// The extent (samples from the first block kept) that captures the most power of the two
    /// tones, its edges searched a tenth of a block apart from ``outwardSearch`` blocks outside
    /// the windows' `span` to one block inside, within `bounds`.
    private func locate(_ turned: Turned, span: Range<Int>, bounds: Range<Int>, openEnd: Bool) -> Range<Int>? {
        let length = blockLength
        let origin = firstBlock * length
        let step = max(1, length / 10)
        let lowStart = max(0, bounds.lowerBound == Int.min ? 0 : bounds.lowerBound - origin, span.lowerBound - origin - Self.outwardSearch * length)
        let highStart = span.lowerBound - origin + length
        let highEnd = min(count * length, bounds.upperBound == Int.max ? Int.max : bounds.upperBound - origin,
                          span.upperBound - origin + Self.outwardSearch * length)
        let lowEnd = min(openEnd ? highEnd : Int.max, span.upperBound - origin - length)
        guard lowStart <= highStart, lowEnd <= highEnd else { return nil }
        var best: (s: Int, e: Int, total: Double)?
        for s in stride(from: lowStart, through: highStart, by: step) {
            for e in stride(from: max(lowEnd, s + 2 * length), through: highEnd, by: step) {
                let total = turned.captured(0, s, e, length: length).power + turned.captured(1, s, e, length: length).power
                if best.map({ total > $0.total }) ?? true { best = (s, e, total) }
            }
        }
        return best.map { $0.s..<$0.e }
    }

    /// Whether the tone pair over `extent` passes the checks on frequency, steadiness, edges
    /// and the group's other tones.
    private func passes(_ turned: Turned, pair: Pair, extent: Range<Int>, openEnd: Bool, limits: Limits) -> Bool {
        let length = blockLength
        let ks = extent.lowerBound / length, ke = (extent.upperBound - 1) / length
        let weights = (ks...ke).map { k in
            Double(min(extent.upperBound, (k + 1) * length) - max(extent.lowerBound, k * length)) / Double(length)
        }
        let frequencies = DTMF.rowFrequencies + DTMF.columnFrequencies
        for slot in 0..<2 {
            let (power, weight) = turned.captured(slot, extent.lowerBound, extent.upperBound, length: length)
            // Frequency.
            let offset = turned.turns[slot] * sampleRate / (2 * Double.pi * Double(length))
            // Steadiness: the share of the bin's energy over the extent that the tone explains
            // (a block at an edge by the share of it inside the extent).
            var binEnergy = turned.energy[slot][ke] - turned.energy[slot][ks + 1]
            for (k, fill) in [(ks, weights[0]), (ke, weights[weights.count - 1])] {
                let value = turned.blocks[slot][k]
                binEnergy += fill * (value.re * value.re + value.im * value.im)
            }
            // Nothing just outside.
            let perBlock = power / weight
            let after = openEnd ? count..<count : (ke + 1)..<min(count, ke + 1 + Self.edgeBlocks)
            let edges = [max(0, ks - Self.edgeBlocks)..<ks, after].filter { !$0.isEmpty }.map { side in
                (turned.energy[slot][side.upperBound] - turned.energy[slot][side.lowerBound]) / (perBlock * Double(side.count))
            }
            // The group's other tones, each at its own strongest frequency within the search
            // tolerance, against the tone over the same blocks.
            let group = slot == 0 ? 0..<4 : 4..<8
            let resolved = ks..<min(ke + 1, ks + Self.dominanceBlocks)
            let resolvedWeights = Array(weights.prefix(resolved.count))
            let tonePower = self.power(tone: pair.tones[slot], blocks: resolved, turn: turned.turns[slot], weights: resolvedWeights)
            let others = group.filter { $0 != pair.tones[slot] }.map { other in
                strongest(tone: other, blocks: resolved, weights: resolvedWeights, limit: turn(hertz: limits.searchTolerance * frequencies[other]))
                    / tonePower
            }
            guard abs(offset) <= limits.frequencyTolerance * pair.nominal[slot],
                  binEnergy > 0, power >= limits.coherence * binEnergy,
                  edges.allSatisfy({ $0 <= Self.edgeLimit }),
                  others.allSatisfy({ $0 <= Self.digitDominance }) else {
                return false
            }
        }
        return true
    }

    private func block(_ sample: Int) -> Int {
        Int((Double(sample) / Double(blockLength)).rounded(.down)) - firstBlock
    }

    private func turn(hertz: Double) -> Double {
        2 * Double.pi * hertz * Double(blockLength) / sampleRate
    }

    private func sum(_ tone: Int, _ block: Int) -> (re: Double, im: Double) {
        (re[block * 8 + tone], im[block * 8 + tone])
    }

    /// The turn per block, within `limit` of 0 and near `around`, at which the tone's blocks
    /// in `blocks` add up to the most power: a grid over two main lobes, then a parabola
    /// through the best point and its neighbours.
    private func bestTurn(tone: Int, blocks: Range<Int>, around: Double, limit: Double) -> Double {
        let range = max(0, blocks.lowerBound)..<min(count, blocks.upperBound)
        guard range.count >= 2 else { return max(-limit, min(limit, around)) }
        let lobe = 2 * Double.pi / Double(range.count)
        let step = lobe / 8
        let low = max(-limit, around - 2 * lobe), high = min(limit, around + 2 * lobe)
        guard low < high else { return max(-limit, min(limit, around)) }
        let points = Int(((high - low) / step).rounded(.up)) + 1
        let turns = (0..<points).map { min(high, low + Double($0) * step) }
        let powers = turns.map { power(tone: tone, blocks: range, turn: $0, weights: nil) }
        guard let best = powers.indices.max(by: { powers[$0] < powers[$1] }) else { return around }
        guard best > 0, best < points - 1 else { return turns[best] }
        let (a, b, c) = (powers[best - 1], powers[best], powers[best + 1])
        let curve = a - 2 * b + c
        guard curve < 0 else { return turns[best] }
        let shift = max(-0.5, min(0.5, 0.5 * (a - c) / curve))
        return max(-limit, min(limit, turns[best] + shift * step))
    }

    /// |Σ w_k b_k e^{−jθk}|² over `blocks` (weights 1 when nil).
    private func power(tone: Int, blocks: Range<Int>, turn: Double, weights: [Double]?) -> Double {
        var sumRe = 0.0, sumIm = 0.0
        let stepRe = cos(turn), stepIm = -sin(turn)
        var rotRe = 1.0, rotIm = 0.0
        for (position, k) in blocks.enumerated() {
            let weight = weights?[position] ?? 1
            let (bRe, bIm) = sum(tone, k)
            sumRe += weight * (bRe * rotRe - bIm * rotIm)
            sumIm += weight * (bRe * rotIm + bIm * rotRe)
            (rotRe, rotIm) = (rotRe * stepRe - rotIm * stepIm, rotRe * stepIm + rotIm * stepRe)
        }
        return sumRe * sumRe + sumIm * sumIm
    }

    /// The most power (|Σ w_k b_k e^{−jθk}|²) the tone's blocks give at a turn within ±limit,
    /// on a grid of an eighth of the main lobe.
    private func strongest(tone: Int, blocks: Range<Int>, weights: [Double], limit: Double) -> Double {
        let lobe = 2 * Double.pi / Double(blocks.count)
        let step = lobe / 8
        var best = 0.0
        var turn = -limit
        while turn <= limit {
            best = max(best, power(tone: tone, blocks: blocks, turn: turn, weights: weights))
            turn += step
        }
        return best
    }
}

