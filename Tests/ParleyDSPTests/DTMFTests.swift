import Foundation
import ParleyDSP
import Testing

/// The DTMF decoder: our generator into our decoder across sample rates and block sizes,
/// sox-made keys (checked by multimon-ng too), the Q.24 limits on frequency, twist, duration
/// and pause, and talk-off on espeak-ng speech and on noise.
struct DTMFTests {
    static func decode(_ samples: [Float], sampleRate: Double, blockSize: Int? = nil) -> [DTMFDecoder.Detection] {
        var decoder = DTMFDecoder(configuration: .init(sampleRate: sampleRate))
        return feedInBlocks(samples, blockSize: blockSize) { decoder.process($0) } + decoder.finish()
    }

    static func digits(_ detections: [DTMFDecoder.Detection]) -> String {
        String(detections.map(\.digit))
    }

    static func generate(
        _ digits: String, sampleRate: Double, tone: Duration = .milliseconds(70), pause: Duration = .milliseconds(70),
        rowAmplitude: Double = 0.3, columnAmplitude: Double = 0.3, rowError: Double = 0, columnError: Double = 0
    ) -> [Float] {
        let generator = DTMFGenerator(configuration: .init(
            sampleRate: sampleRate, toneDuration: tone, pauseDuration: pause, rowAmplitude: rowAmplitude,
            columnAmplitude: columnAmplitude, rowFrequencyError: rowError, columnFrequencyError: columnError))
        let lead = [Float](repeating: 0, count: Int(sampleRate / 10))
        return lead + generator.samples(for: digits) + lead
    }

    static let allKeys = "123A456B789C*0#D"

    // MARK: - Our generator into our decoder

    struct RateCase: Sendable, CustomTestStringConvertible {
        var sampleRate: Double
        var blockSize: Int?
        var testDescription: String { "\(Int(sampleRate)) Hz in blocks of \(blockSize.map(String.init) ?? "all")" }
    }

    static let rateCases = [8000.0, 16000, 48000].flatMap { rate in
        [1, 160, 4096, nil].map { RateCase(sampleRate: rate, blockSize: $0) }
    }

    @Test(arguments: rateCases)
    func everyKeyIsReadAtItsTimeWhateverTheRateAndBlockSize(_ rateCase: RateCase) {
        let rate = rateCase.sampleRate
        let samples = Self.generate(Self.allKeys, sampleRate: rate, tone: .milliseconds(50), pause: .milliseconds(50))
        let detections = Self.decode(samples, sampleRate: rate, blockSize: rateCase.blockSize)
        #expect(Self.digits(detections) == Self.allKeys)
        for (index, detection) in detections.enumerated() {
            // 100 ms of silence, then 50 ms of tone and 50 of pause per key.
            let start = 0.1 + 0.1 * Double(index)
            let startError = Double(detection.startSample) / rate - start
            let endError = Double(detection.endSample) / rate - (start + 0.05)
            #expect(abs(startError) <= 0.0051 && abs(endError) <= 0.0051, "\(detection.digit): \(startError) s, \(endError) s")
            #expect(abs((detection.startTime - .seconds(start)) / .milliseconds(1)) <= 5.1)
        }
        // The same audio all at once gives exactly the same detections.
        #expect(detections == Self.decode(samples, sampleRate: rate))
    }

    @Test(arguments: [8000.0, 11025, 22050])
    func sixteenBitSamplesAreReadLikeFloats(sampleRate: Double) {
        let samples = Self.generate("0123456789", sampleRate: sampleRate)
        let pcm = samples.map { Int16(max(-32768, min(32767, (Double($0) * 32768).rounded()))) }
        var decoder = DTMFDecoder(configuration: .init(sampleRate: sampleRate))
        var out: [DTMFDecoder.Detection] = []
        var index = 0
        while index < pcm.count {
            let end = min(index + 333, pcm.count)
            out += decoder.process(pcm[index..<end])
            index = end
        }
        out += decoder.finish()
        #expect(Self.digits(out) == "0123456789")
    }

    @Test func digitStringsAreSplitAtGaps() {
        let rate = 8000.0
        let first = Self.generate("999", sampleRate: rate)
        let gap = [Float](repeating: 0, count: 12000)
        let second = Self.generate("1234", sampleRate: rate)
        let strings = DTMFDecoder.strings(of: Self.decode(first + gap + second, sampleRate: rate))
        #expect(strings.map(\.digits) == ["999", "1234"])
        #expect(abs((strings[0].startTime - .milliseconds(100)) / .milliseconds(1)) <= 5)
    }

    // MARK: - Q.24 duration and pause

    struct TimingCase: Sendable, CustomTestStringConvertible {
        var toneMilliseconds: Int
        var pauseMilliseconds: Int
        var digits: String
        var expected: String
        var testDescription: String { "\(digits) at \(toneMilliseconds) ms on, \(pauseMilliseconds) ms off → \"\(expected)\"" }
    }

    static let timingCases = [
        TimingCase(toneMilliseconds: 40, pauseMilliseconds: 40, digits: allKeys, expected: allKeys),
        TimingCase(toneMilliseconds: 40, pauseMilliseconds: 40, digits: "5555", expected: "5555"),
        TimingCase(toneMilliseconds: 45, pauseMilliseconds: 45, digits: "#00#", expected: "#00#"),
        TimingCase(toneMilliseconds: 35, pauseMilliseconds: 40, digits: allKeys, expected: ""),
        TimingCase(toneMilliseconds: 25, pauseMilliseconds: 40, digits: "1234", expected: ""),
        TimingCase(toneMilliseconds: 20, pauseMilliseconds: 60, digits: allKeys, expected: ""),
        // Breaks of 10 ms (and 15) are bridged: one digit each.
        TimingCase(toneMilliseconds: 60, pauseMilliseconds: 10, digits: "7777", expected: "7"),
        TimingCase(toneMilliseconds: 60, pauseMilliseconds: 15, digits: "88", expected: "8"),
    ]

    @Test(arguments: timingCases, [8000.0, 48000])
    func shortTonesAreIgnoredAndShortBreaksBridged(_ timing: TimingCase, sampleRate: Double) {
        let samples = Self.generate(
            timing.digits, sampleRate: sampleRate, tone: .milliseconds(timing.toneMilliseconds), pause: .milliseconds(timing.pauseMilliseconds))
        #expect(Self.digits(Self.decode(samples, sampleRate: sampleRate, blockSize: 160)) == timing.expected)
    }

    struct OffsetCase: Sendable, CustomTestStringConvertible {
        var sampleRate: Double
        var toneMilliseconds: Int
        /// Where the keys start within the decoder's 5 ms block, in tenths of a block.
        var tenths: Int
        var testDescription: String { "\(toneMilliseconds) ms at \(Int(sampleRate)) Hz, \(tenths)/10 of a block late" }
    }

    static let offsetCases = (0..<10).map { OffsetCase(sampleRate: 8000, toneMilliseconds: 40, tenths: $0) }
        + [0, 2, 4, 6, 8].map { OffsetCase(sampleRate: 8000, toneMilliseconds: 45, tenths: $0) }
        + [1, 4, 6, 9].map { OffsetCase(sampleRate: 48000, toneMilliseconds: 40, tenths: $0) }

    /// Q.24: a tone of 40 ms must count, wherever it falls on the decoder's 5 ms grid (the
    /// digit's edges are fitted to a tenth of a block, not taken from the windows).
    @Test(arguments: offsetCases)
    func fortyMillisecondKeysAreReadWhereverTheyStart(_ offset: OffsetCase) {
        let rate = offset.sampleRate
        let lag = Int(rate * 0.005) * offset.tenths / 10
        let shifted = [Float](repeating: 0, count: lag)
            + Self.generate(Self.allKeys, sampleRate: rate, tone: .milliseconds(offset.toneMilliseconds), pause: .milliseconds(40))
        let detections = Self.decode(shifted, sampleRate: rate, blockSize: 160)
        #expect(Self.digits(detections) == Self.allKeys)
        for (index, detection) in detections.enumerated() {
            let start = Double(lag) / rate + 0.1 + Double(index * (offset.toneMilliseconds + 40)) / 1000
            let duration = Double(detection.endSample - detection.startSample) / rate
            #expect(abs(Double(detection.startSample) / rate - start) <= 0.0025, "\(detection.digit) starts off")
            #expect(abs(duration - Double(offset.toneMilliseconds) / 1000) <= 0.0025, "\(detection.digit) lasts \(duration) s")
        }
    }

    /// Keys held longer than the 2 s of blocks the decoder keeps for a digit, the next one
    /// following after only 20 ms.
    @Test(arguments: [8000.0, 16000])
    func keysHeldForSecondsAreReadOnceAtTheirTimes(sampleRate: Double) {
        let samples = Self.generate("5#", sampleRate: sampleRate, tone: .milliseconds(2100), pause: .milliseconds(20))
        let detections = Self.decode(samples, sampleRate: sampleRate, blockSize: 4096)
        #expect(Self.digits(detections) == "5#")
        let times = detections.map { (Double($0.startSample) / sampleRate, Double($0.endSample) / sampleRate) }
        for (time, expected) in zip(times, [(0.1, 2.2), (2.22, 4.32)]) {
            #expect(abs(time.0 - expected.0) <= 0.005 && abs(time.1 - expected.1) <= 0.005, "\(time)")
        }
    }

    // MARK: - Q.24 frequency and twist

    struct LimitCase: Sendable, CustomTestStringConvertible {
        var rowError: Double
        var columnError: Double
        /// Row level over column level, dB.
        var twist: Double
        var accepted: Bool
        var testDescription: String {
            "row \(rowError * 100) %, column \(columnError * 100) %, row \(twist) dB over column: \(accepted ? "accepted" : "rejected")"
        }
    }

    static let limitCases = [
        LimitCase(rowError: 0.015, columnError: 0.015, twist: 0, accepted: true),
        LimitCase(rowError: -0.015, columnError: -0.015, twist: 0, accepted: true),
        LimitCase(rowError: 0.015, columnError: -0.015, twist: 0, accepted: true),
        LimitCase(rowError: 0.036, columnError: 0, twist: 0, accepted: false),
        LimitCase(rowError: -0.036, columnError: 0, twist: 0, accepted: false),
        LimitCase(rowError: 0, columnError: 0.036, twist: 0, accepted: false),
        LimitCase(rowError: 0, columnError: -0.036, twist: 0, accepted: false),
        LimitCase(rowError: 0.05, columnError: 0.05, twist: 0, accepted: false),
        // Normal twist (row louder) to 8 dB, reverse twist (column louder) to 4 dB.
        LimitCase(rowError: 0, columnError: 0, twist: 7, accepted: true),
        LimitCase(rowError: 0, columnError: 0, twist: -3, accepted: true),
        LimitCase(rowError: 0.015, columnError: -0.015, twist: 7, accepted: true),
        LimitCase(rowError: -0.015, columnError: 0.015, twist: -3, accepted: true),
        LimitCase(rowError: 0, columnError: 0, twist: 9, accepted: false),
        LimitCase(rowError: 0, columnError: 0, twist: -5, accepted: false),
        LimitCase(rowError: 0, columnError: 0, twist: 12, accepted: false),
    ]

    @Test(arguments: limitCases, [8000.0, 16000])
    func frequencyAndTwistLimitsAreThoseOfQ24(_ limit: LimitCase, sampleRate: Double) {
        let level = 0.25
        let row = level * pow(10, limit.twist / 40)
        let column = level * pow(10, -limit.twist / 40)
        let samples = Self.generate(
            Self.allKeys, sampleRate: sampleRate, rowAmplitude: row, columnAmplitude: column,
            rowError: limit.rowError, columnError: limit.columnError)
        let got = Self.digits(Self.decode(samples, sampleRate: sampleRate, blockSize: 160))
        #expect(got == (limit.accepted ? Self.allKeys : ""))
    }

    // MARK: - sox makes the keys; multimon-ng reads them too

    /// The keypad written out here from Q.23, not taken from the code under test.
    static let keypad: [Character: (Int, Int)] = [
        "1": (697, 1209), "2": (697, 1336), "3": (697, 1477), "A": (697, 1633),
        "4": (770, 1209), "5": (770, 1336), "6": (770, 1477), "B": (770, 1633),
        "7": (852, 1209), "8": (852, 1336), "9": (852, 1477), "C": (852, 1633),
        "*": (941, 1209), "0": (941, 1336), "#": (941, 1477), "D": (941, 1633),
    ]

    /// sox at 48 kHz: for each key 70 ms of its two sines (each at −14 dBFS peak), then 70 ms
    /// of silence, after 100 ms of silence.
    static func soxKeys(_ digits: String) throws -> URL {
        var pieces: [[String]] = [["synth", "0.1", "sine", "0", "vol", "0"]]
        for key in digits {
            let (low, high) = try #require(keypad[key])
            pieces.append(["synth", "0.07", "sine", String(low), "synth", "0.07", "sine", "mix", String(high), "vol", "0.2", "pad", "0", "0.07"])
        }
        return try ANITools.soxSynth(pieces, sampleRate: 48000)
    }

    static let soxStrings = [allKeys, "999", "0113 496 0000".filter { $0 != " " }, "*31#D"]

    @Test(arguments: soxStrings, [48000, 16000, 8000])
    func soxKeysAreReadAndMultimonAgrees(_ digits: String, sampleRate: Int) throws {
        let original = try Self.soxKeys(digits)
        let wav = sampleRate == 48000 ? original : try ANITools.resample(original, to: sampleRate)
        defer { ANITools.remove(original, wav) }
        let (samples, rate) = try AudioTestFiles.readWAV(wav)
        #expect(rate == sampleRate)
        let ours = Self.digits(Self.decode(samples, sampleRate: Double(rate), blockSize: 160))
        #expect(ours == digits)
        let multimon = try ANITools.multimon(wav, demodulator: "DTMF").joined()
        #expect(multimon == ours, "multimon-ng read \(multimon)")
    }

    @Test(arguments: [8000.0, 16000])
    func ourKeysAreReadByMultimon(sampleRate: Double) throws {
        let digits = "0123456789*#ABCD5"
        let samples = Self.generate(digits, sampleRate: sampleRate)
        let wav = try ANITools.writeWAV(samples, sampleRate: Int(sampleRate))
        defer { ANITools.remove(wav) }
        let multimon = try ANITools.multimon(wav, demodulator: "DTMF").joined()
        #expect(multimon == digits)
        #expect(Self.digits(Self.decode(samples, sampleRate: sampleRate)) == multimon)
    }

    // MARK: - Talk-off and noise

    @Test(arguments: SpeechCase.all)
    func speechGivesNoDigits(_ speech: SpeechCase) throws {
        for rate in [8000, 16000] {
            let samples = try ANITools.speech(speech.text, voice: speech.voice, sampleRate: rate)
            #expect(samples.count > rate, "espeak-ng said too little")
            let detections = Self.decode(samples, sampleRate: Double(rate), blockSize: 160)
            #expect(detections.isEmpty, "\(rate) Hz: \(detections.map { "\($0.digit) at \($0.startTime)" })")
        }
    }

    @Test func whiteNoiseGivesNoDigits() {
        var noise = NoiseGenerator(seed: 42, standardDeviation: 0.1)
        let samples = noise.samples(8000 * 60)
        #expect(Self.decode(samples, sampleRate: 8000, blockSize: 160).isEmpty)
    }

    /// Ids of `parley-bench ani` at 1 dB (`--seed 5`): eight keys of 70 ms on and off, each
    /// tone 0.14 peak, half a second of silence either side, white noise from the seed. The
    /// decoder that took each digit as its windows timed it lost one key in each: its windows
    /// took in a block of noise past the tone's end or before its start, or a window failing
    /// inside the tone split it in two stretches judged apart, and the coherence fell under its
    /// limit. Fitting the digit's edges reads them all, at their times.
    static let oneDecibelCases: [(keys: String, noiseSeed: UInt64)] = [
        ("76BBD485", 304_786_296_675_812_166), ("BB2D*70*", 15_848_573_816_334_696_998),
        ("3D41#948", 15_644_410_970_308_436_872), ("8281CCC0", 6_645_009_988_366_694_574),
        ("30AC711B", 4_759_528_416_735_975_900), ("2*A7664B", 18_270_133_012_351_976_730),
        ("DBD1995A", 5_657_537_597_578_447_267),
    ]

    @Test(arguments: oneDecibelCases.indices)
    func keysInOneDecibelNoiseAreReadAtTheirTimes(_ index: Int) {
        let (keys, seed) = Self.oneDecibelCases[index]
        let amplitude = 0.14
        let tones = DTMFGenerator(configuration: .init(
            sampleRate: 8000, toneDuration: .milliseconds(70), pauseDuration: .milliseconds(70),
            rowAmplitude: amplitude, columnAmplitude: amplitude)).samples(for: keys)
        let quiet = [Float](repeating: 0, count: 4000)
        var noise = NoiseGenerator(seed: seed, standardDeviation: NoiseGenerator.standardDeviation(signalPower: amplitude * amplitude, snr: 1))
        let detections = Self.decode(noise.add(to: quiet + tones + quiet), sampleRate: 8000, blockSize: 160)
        #expect(Self.digits(detections) == keys)
        for (key, detection) in detections.enumerated() {
            let start = 4000 + key * 1120
            #expect(abs(detection.startSample - start) <= 40 && abs(detection.endSample - (start + 560)) <= 40,
                    "\(detection.digit): \(detection.startSample)..<\(detection.endSample), sent \(start)..<\(start + 560)")
        }
    }

    /// A tone pair that glides 3 % over 70 ms, as a voice's harmonics do: each 25 ms window
    /// looks like a key, the whole digit is not one steady tone pair.
    @Test func aGlidingPairIsNotAKey() {
        let rate = 8000.0
        var phases = (0.0, 0.0)
        var samples = [Float](repeating: 0, count: 800)
        for index in 0..<560 {
            let factor = 1 + 0.03 * (Double(index) / 560 - 0.5)
            phases.0 += 2 * Double.pi * 770 * factor / rate
            phases.1 += 2 * Double.pi * 1336 * factor / rate
            samples.append(Float(0.2 * (sin(phases.0) + sin(phases.1))))
        }
        samples += [Float](repeating: 0, count: 800)
        #expect(Self.decode(samples, sampleRate: rate).isEmpty)
        // Without the steadiness check it would be a 5.
        var lax = DTMFDecoder(configuration: .init(sampleRate: rate, minimumCoherence: 0))
        #expect(Self.digits(lax.process(samples) + lax.finish()) == "5")
    }

    @Test(arguments: [3.0, 10, 20])
    func keysInNoiseAreReadWhole(snr: Double) {
        let rate = 8000.0
        let amplitude = 0.2
        var noise = NoiseGenerator(seed: UInt64(snr * 10), standardDeviation: NoiseGenerator.standardDeviation(signalPower: amplitude * amplitude, snr: snr))
        let samples = noise.add(to: Self.generate(Self.allKeys + "0000", sampleRate: rate, rowAmplitude: amplitude, columnAmplitude: amplitude))
        #expect(Self.digits(Self.decode(samples, sampleRate: rate, blockSize: 160)) == Self.allKeys + "0000")
    }
}
