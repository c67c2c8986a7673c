import Foundation
import ParleyDSP
import Testing

/// The 5-tone selcall decoder: our generator into our decoder for each standard across sample
/// rates and block sizes, sox-made sequences (checked by multimon-ng too), tolerances on
/// frequency and tone length, and speech and noise that must give nothing.
struct SelcallTests {
    static func decode(
        _ samples: [Float], standard: SelcallStandard, sampleRate: Double, blockSize: Int? = nil
    ) -> [SelcallDecoder.Detection] {
        var decoder = SelcallDecoder(configuration: .init(sampleRate: sampleRate, standard: standard))
        return feedInBlocks(samples, blockSize: blockSize) { decoder.process($0) } + decoder.finish()
    }

    static func generate(
        _ ids: [String], standard: SelcallStandard, sampleRate: Double, amplitude: Double = 0.4,
        frequencyError: Double = 0, toneDuration: Duration? = nil
    ) -> [Float] {
        let generator = SelcallGenerator(configuration: .init(
            sampleRate: sampleRate, standard: standard, amplitude: amplitude, frequencyError: frequencyError, toneDuration: toneDuration))
        let gap = [Float](repeating: 0, count: Int(sampleRate * 0.3))
        return ids.reduce(gap) { $0 + generator.samples(for: $1) + gap }
    }

    static let ids = ["12345", "11111", "90210", "55155", "00000", "67890", "24680"]

    @Test func repeatsAreSentAsTheRepeatToneAndReadBack() {
        #expect(SelcallStandard.tones(for: "11223") == "1E2E3")
        #expect(SelcallStandard.tones(for: "11111") == "1E1E1")
        #expect(SelcallStandard.tones(for: "12a45") == nil)
        #expect(SelcallStandard.id(fromTones: "1E2E3") == "11223")
        #expect(SelcallStandard.id(fromTones: "E1234") == nil)
        #expect(SelcallStandard.id(fromTones: "12F45") == nil)
    }

    // MARK: - Our generator into our decoder

    struct RateCase: Sendable, CustomTestStringConvertible {
        var standard: SelcallStandard
        var sampleRate: Double
        var blockSize: Int?
        var testDescription: String { "\(standard) at \(Int(sampleRate)) Hz in blocks of \(blockSize.map(String.init) ?? "all")" }
    }

    static let rateCases = SelcallStandard.allCases.flatMap { standard in
        [8000.0, 16000, 48000].flatMap { rate in [1, 160, 4096].map { RateCase(standard: standard, sampleRate: rate, blockSize: $0) } }
    }

    @Test(arguments: rateCases)
    func idsAreReadAtTheirTimeWhateverTheRateAndBlockSize(_ rateCase: RateCase) {
        let rate = rateCase.sampleRate
        let samples = Self.generate(Self.ids, standard: rateCase.standard, sampleRate: rate)
        let detections = Self.decode(samples, standard: rateCase.standard, sampleRate: rate, blockSize: rateCase.blockSize)
        #expect(detections.map(\.id) == Self.ids)
        #expect(detections.map(\.tones) == Self.ids.map { SelcallStandard.tones(for: $0) })
        let tone = rateCase.standard.toneDuration / .seconds(1)
        for (index, detection) in detections.enumerated() {
            #expect(detection.standard == rateCase.standard)
            // 0.3 s of silence before each id and after.
            let start = 0.3 + Double(index) * (0.3 + 5 * tone)
            let startError = Double(detection.startSample) / rate - start
            let endError = Double(detection.endSample) / rate - (start + 5 * tone)
            #expect(abs(startError) <= 0.0051 && abs(endError) <= 0.0051, "\(detection.id): \(startError) s, \(endError) s")
        }
        #expect(detections == Self.decode(samples, standard: rateCase.standard, sampleRate: rate))
    }

    @Test(arguments: SelcallStandard.allCases)
    func sixteenBitSamplesAreReadLikeFloats(_ standard: SelcallStandard) {
        let samples = Self.generate(["13579"], standard: standard, sampleRate: 22050)
        let pcm = samples.map { Int16(max(-32768, min(32767, (Double($0) * 32768).rounded()))) }
        var decoder = SelcallDecoder(configuration: .init(sampleRate: 22050, standard: standard))
        let detections = decoder.process(pcm) + decoder.finish()
        #expect(detections.map(\.id) == ["13579"])
    }

    // MARK: - Tolerances

    struct ToleranceCase: Sendable, CustomTestStringConvertible {
        var frequencyError: Double
        /// Tone length as a multiple of the standard's.
        var lengthFactor: Double
        var accepted: Bool
        var testDescription: String { "\(frequencyError * 100) % off, \(lengthFactor) × the tone length: \(accepted ? "read" : "ignored")" }
    }

    static let toleranceCases = [
        ToleranceCase(frequencyError: 0.01, lengthFactor: 1, accepted: true),
        ToleranceCase(frequencyError: -0.01, lengthFactor: 1, accepted: true),
        ToleranceCase(frequencyError: 0.03, lengthFactor: 1, accepted: false),
        ToleranceCase(frequencyError: -0.03, lengthFactor: 1, accepted: false),
        ToleranceCase(frequencyError: 0, lengthFactor: 0.8, accepted: true),
        ToleranceCase(frequencyError: 0, lengthFactor: 1.3, accepted: true),
        ToleranceCase(frequencyError: 0.01, lengthFactor: 0.8, accepted: true),
        ToleranceCase(frequencyError: 0, lengthFactor: 0.45, accepted: false),
        ToleranceCase(frequencyError: 0, lengthFactor: 2, accepted: false),
    ]

    @Test(arguments: toleranceCases, SelcallStandard.allCases)
    func frequencyAndToneLengthTolerances(_ tolerance: ToleranceCase, standard: SelcallStandard) {
        let duration = standard.toneDuration * tolerance.lengthFactor
        let samples = Self.generate(Self.ids, standard: standard, sampleRate: 8000, frequencyError: tolerance.frequencyError, toneDuration: duration)
        let got = Self.decode(samples, standard: standard, sampleRate: 8000, blockSize: 160).map(\.id)
        #expect(got == (tolerance.accepted ? Self.ids : []))
    }

    @Test func ccirAndEEAShareTonesButNotLengths() {
        let ccir = Self.generate(Self.ids, standard: .ccir, sampleRate: 8000)
        let eea = Self.generate(Self.ids, standard: .eea, sampleRate: 8000)
        #expect(Self.decode(ccir, standard: .eea, sampleRate: 8000).isEmpty)
        #expect(Self.decode(eea, standard: .ccir, sampleRate: 8000).isEmpty)
        #expect(Self.decode(ccir, standard: .zvei1, sampleRate: 8000).isEmpty)
    }

    @Test(arguments: SelcallStandard.allCases)
    func sequencesOfOtherLengthsAreIgnoredUnlessConfigured(_ standard: SelcallStandard) {
        let samples = Self.generate(["1234", "123456", "12345"], standard: standard, sampleRate: 8000)
        #expect(Self.decode(samples, standard: standard, sampleRate: 8000).map(\.id) == ["12345"])
        var decoder = SelcallDecoder(configuration: .init(sampleRate: 8000, standard: standard, lengths: 4...6))
        #expect((decoder.process(samples) + decoder.finish()).map(\.id) == ["1234", "123456", "12345"])
    }

    // MARK: - sox makes the sequences; multimon-ng reads them too

    /// The tone tables written out here from the standards, not taken from the code under
    /// test: digits 0–9, then the repeat tone.
    static func table(_ standard: SelcallStandard) -> (tones: [Int], seconds: Double) {
        switch standard {
        case .zvei1: ([2400, 1060, 1160, 1270, 1400, 1530, 1670, 1830, 2000, 2200, 2600], 0.07)
        case .ccir: ([1981, 1124, 1197, 1275, 1358, 1446, 1540, 1640, 1747, 1860, 2110], 0.1)
        case .eea: ([1981, 1124, 1197, 1275, 1358, 1446, 1540, 1640, 1747, 1860, 2110], 0.04)
        }
    }

    /// sox at 48 kHz: 200 ms of silence, the id's tones (a digit equal to the tone before as the
    /// repeat tone, worked out here), 200 ms of silence.
    static func soxSequence(_ id: String, standard: SelcallStandard) throws -> URL {
        let (tones, seconds) = table(standard)
        var pieces: [[String]] = [["synth", "0.2", "sine", "0", "vol", "0"]]
        var previous: Int?
        for digit in id {
            // A digit equal to the tone before is sent as the repeat tone: 11111 is 1E1E1.
            let value = try #require(digit.wholeNumberValue)
            let index = value == previous ? 10 : value
            previous = index
            pieces.append(["synth", String(seconds), "sine", String(tones[index]), "vol", "0.4"])
        }
        pieces.append(["synth", "0.2", "sine", "0", "vol", "0"])
        return try ANITools.soxSynth(pieces, sampleRate: 48000)
    }

    /// multimon-ng's demodulator for each standard.
    static func multimonName(_ standard: SelcallStandard) -> String {
        switch standard {
        case .zvei1: "ZVEI1"
        case .ccir: "CCIR"
        case .eea: "EEA"
        }
    }

    /// multimon-ng prints the tones as hexadecimal digits with 'E' for the repeat tone.
    static func multimonIDs(_ lines: [String]) -> [String] {
        lines.map { line in
            var out = ""
            for tone in line {
                out.append(tone == "E" ? (out.last ?? "?") : tone)
            }
            return out
        }
    }

    @Test(arguments: SelcallStandard.allCases, [48000, 8000])
    func soxSequencesAreReadAndMultimonAgrees(_ standard: SelcallStandard, sampleRate: Int) throws {
        for id in Self.ids {
            let original = try Self.soxSequence(id, standard: standard)
            let wav = sampleRate == 48000 ? original : try ANITools.resample(original, to: sampleRate)
            defer { ANITools.remove(original, wav) }
            let (samples, rate) = try AudioTestFiles.readWAV(wav)
            let ours = Self.decode(samples, standard: standard, sampleRate: Double(rate), blockSize: 160).map(\.id)
            #expect(ours == [id], "\(standard) \(id)")
            let multimon = Self.multimonIDs(try ANITools.multimon(wav, demodulator: Self.multimonName(standard)))
            #expect(multimon == ours, "\(standard) \(id): multimon-ng read \(multimon)")
        }
    }

    @Test(arguments: SelcallStandard.allCases)
    func ourSequencesAreReadByMultimon(_ standard: SelcallStandard) throws {
        let samples = Self.generate(Self.ids, standard: standard, sampleRate: 8000)
        let wav = try ANITools.writeWAV(samples, sampleRate: 8000)
        defer { ANITools.remove(wav) }
        let multimon = Self.multimonIDs(try ANITools.multimon(wav, demodulator: Self.multimonName(standard)))
        #expect(multimon == Self.ids)
        #expect(Self.decode(samples, standard: standard, sampleRate: 8000).map(\.id) == multimon)
    }

    // MARK: - Speech and noise

    @Test(arguments: SpeechCase.all)
    func speechGivesNoIds(_ speech: SpeechCase) throws {
        let samples = try ANITools.speech(speech.text, voice: speech.voice, sampleRate: 8000)
        #expect(samples.count > 8000, "espeak-ng said too little")
        for standard in SelcallStandard.allCases {
            let detections = Self.decode(samples, standard: standard, sampleRate: 8000, blockSize: 160)
            #expect(detections.isEmpty, "\(standard): \(detections.map { "\($0.tones) at \($0.startTime)" })")
        }
    }

    @Test(arguments: SelcallStandard.allCases)
    func whiteNoiseGivesNoIds(_ standard: SelcallStandard) {
        var noise = NoiseGenerator(seed: 7, standardDeviation: 0.1)
        #expect(Self.decode(noise.samples(8000 * 60), standard: standard, sampleRate: 8000, blockSize: 160).isEmpty)
    }

    @Test(arguments: SelcallStandard.allCases, [3.0, 10])
    func idsInNoiseAreRead(_ standard: SelcallStandard, snr: Double) {
        let amplitude = 0.3
        var noise = NoiseGenerator(seed: 11, standardDeviation: NoiseGenerator.standardDeviation(signalPower: amplitude * amplitude / 2, snr: snr))
        let samples = noise.add(to: Self.generate(Self.ids, standard: standard, sampleRate: 8000, amplitude: amplitude))
        #expect(Self.decode(samples, standard: standard, sampleRate: 8000, blockSize: 160).map(\.id) == Self.ids)
    }
}
