import Foundation

/// The front end shared by the DTMF and selcall decoders: the audio is mixed down at each
/// frequency of interest by a phase-continuous oscillator and summed over short blocks (about
/// 5 ms) on a grid fixed from the first sample, so the blocks — and everything decided from
/// them — do not depend on how the audio was split when it was fed.
///
/// A window is the last few blocks. Because the oscillators keep their phase from block to
/// block, the block sums of a window add coherently into one DFT bin of the window's length
/// (the Goertzel result over the window, computed incrementally). The turn of a bin's phase
/// from block to block gives the tone's offset from the bin's frequency, and summing the blocks
/// turned back by that offset gives the tone's power as if the bin sat on the tone.
struct ToneBlocks: Sendable {
    let sampleRate: Double
    let frequencies: [Double]
    /// Samples per block.
    let blockLength: Int
    /// Blocks per window.
    let windowBlocks: Int

    /// Oscillator state e^(−jωn) per frequency, and its step e^(−jω).
    private var phasorRe: [Double]
    private var phasorIm: [Double]
    private let stepRe: [Double]
    private let stepIm: [Double]
    /// Sums of the block being filled.
    private var sumRe: [Double]
    private var sumIm: [Double]
    private var sumSquares = 0.0
    private var filled = 0

    /// Completed blocks, oldest first, at most `windowBlocks` of them: per block, the complex
    /// sum per frequency (re, im interleaved) and the sum of squares.
    private(set) var blocks: [Block] = []
    /// Index of the newest completed block (the first block is 0).
    private(set) var blockIndex = -1

    struct Block: Sendable {
        var re: [Double]
        var im: [Double]
        var sumSquares: Double
    }

    init(sampleRate: Double, frequencies: [Double], blockDuration: Double, windowBlocks: Int) {
        precondition(sampleRate > 0, "sample rate must be positive")
        self.sampleRate = sampleRate
        self.frequencies = frequencies
        self.blockLength = max(1, Int((blockDuration * sampleRate).rounded()))
        self.windowBlocks = max(3, windowBlocks)
        let steps = frequencies.map { 2 * Double.pi * $0 / sampleRate }
        self.stepRe = steps.map { cos($0) }
        self.stepIm = steps.map { -sin($0) }
        self.phasorRe = [Double](repeating: 1, count: frequencies.count)
        self.phasorIm = [Double](repeating: 0, count: frequencies.count)
        self.sumRe = [Double](repeating: 0, count: frequencies.count)
        self.sumIm = [Double](repeating: 0, count: frequencies.count)
    }

    /// Samples in a window.
    var windowLength: Int { blockLength * windowBlocks }
    /// Whether a full window of blocks has been seen.
    var windowFull: Bool { blocks.count == windowBlocks }
    /// The first sample of the current window.
    var windowStart: Int { (blockIndex + 1 - windowBlocks) * blockLength }
    /// One past the last sample of the current window.
    var windowEnd: Int { (blockIndex + 1) * blockLength }

    /// Adds one sample; true when it completed a block.
    mutating func push(_ x: Double) -> Bool {
        for index in frequencies.indices {
            let re = phasorRe[index], im = phasorIm[index]
            sumRe[index] += x * re
            sumIm[index] += x * im
            phasorRe[index] = re * stepRe[index] - im * stepIm[index]
            phasorIm[index] = re * stepIm[index] + im * stepRe[index]
        }
        sumSquares += x * x
        filled += 1
        guard filled == blockLength else { return false }
        // Keep the oscillators on the unit circle (rounding drifts their magnitude).
        for index in frequencies.indices {
            let magnitude = (phasorRe[index] * phasorRe[index] + phasorIm[index] * phasorIm[index]).squareRoot()
            phasorRe[index] /= magnitude
            phasorIm[index] /= magnitude
        }
        if blocks.count == windowBlocks { blocks.removeFirst() }
        blocks.append(Block(re: sumRe, im: sumIm, sumSquares: sumSquares))
        blockIndex += 1
        for index in frequencies.indices {
            sumRe[index] = 0
            sumIm[index] = 0
        }
        sumSquares = 0
        filled = 0
        return true
    }

    /// Mean square of the samples in the window.
    var meanSquare: Double {
        blocks.reduce(0) { $0 + $1.sumSquares } / Double(windowLength)
    }

    /// Power of frequency `index` over the window, in the units of a mean square (a sine of
    /// amplitude A at that frequency gives A²/2).
    func power(_ index: Int) -> Double {
        var re = 0.0, im = 0.0
        for block in blocks {
            re += block.re[index]
            im += block.im[index]
        }
        return 2 * (re * re + im * im) / Double(windowLength * windowLength)
    }

    /// The turn, in radians per block, of frequency `index`'s bin across the window:
    /// 2π × (tone frequency − bin frequency) × block length / sample rate. Measured between the
    /// sum of all blocks but the newest and the sum of all but the oldest — for a steady tone
    /// the second is the first turned by one block — with the end blocks at half weight, which
    /// keeps a second tone a few hundred hertz away from pulling the estimate.
    func turn(_ index: Int) -> Double {
        var aRe = 0.0, aIm = 0.0, bRe = 0.0, bIm = 0.0
        let last = blocks.count - 2
        for k in 0...last {
            let weight = k == 0 || k == last ? 0.5 : 1
            aRe += weight * blocks[k].re[index]
            aIm += weight * blocks[k].im[index]
            bRe += weight * blocks[k + 1].re[index]
            bIm += weight * blocks[k + 1].im[index]
        }
        // b × conj(a)
        return atan2(bIm * aRe - bRe * aIm, bRe * aRe + bIm * aIm)
    }

    /// The offset in hertz that a turn per block means.
    func offset(turn: Double) -> Double {
        turn * sampleRate / (2 * Double.pi * Double(blockLength))
    }

    /// Power of frequency `index` over the window with each block turned back by `turn`
    /// radians per block: the power of a tone that far from the bin, as if the bin sat on it.
    func power(_ index: Int, turnedBack turn: Double) -> Double {
        var re = 0.0, im = 0.0
        let middle = Double(blocks.count - 1) / 2
        for (k, block) in blocks.enumerated() {
            let angle = -turn * (Double(k) - middle)
            let c = cos(angle), s = sin(angle)
            re += block.re[index] * c - block.im[index] * s
            im += block.re[index] * s + block.im[index] * c
        }
        return 2 * (re * re + im * im) / Double(windowLength * windowLength)
    }

    /// The complex sum of frequency `index` over the newest block.
    func newest(_ index: Int) -> (re: Double, im: Double) {
        guard let block = blocks.last else { return (0, 0) }
        return (block.re[index], block.im[index])
    }

    /// Power of frequency `index` in block `position` of the window (0 is the oldest) alone.
    func blockPower(_ index: Int, at position: Int) -> Double {
        let block = blocks[position]
        return 2 * (block.re[index] * block.re[index] + block.im[index] * block.im[index]) / Double(blockLength * blockLength)
    }
}
