import Foundation
import ParleyDSP
import Testing

struct BaudotTests {
    static let message = "CALLER 1 NEEDS POLICE AT 42 HIGH ST, FLAT 3B. OK? (999) $5 #7 'X' \"Y\" A/B-C: D; E! & GA"

    // MARK: - Round trip through our own modulator and demodulator

    @Test(arguments: BaudotRate.allCases, [8000.0, 16000.0, 48000.0])
    func ourModulatorToOurDemodulatorIsExact(rate: BaudotRate, sampleRate: Double) {
        var modulator = BaudotModulator(configuration: .init(sampleRate: sampleRate, rate: rate))
        let transmission = modulator.modulate(Self.message)
        #expect(transmission.unencodable.isEmpty)
        let frames = Self.decode(transmission.samples, sampleRate: sampleRate)
        #expect(BaudotDemodulator.text(of: frames) == Self.message)
        #expect(frames.map(\.code) == transmission.codes)
        #expect(frames.allSatisfy { $0.rate == rate })
    }

    @Test(arguments: BaudotRate.allCases, BaudotTable.allCases)
    func everyRawCodeSurvivesTheRoundTrip(rate: BaudotRate, table: BaudotTable) {
        let codes = (0..<32).compactMap { BaudotCode(rawValue: UInt8($0)) }
        var modulator = BaudotModulator(configuration: .init(sampleRate: 8000, rate: rate, table: table))
        let samples = modulator.modulate(codes: codes)
        var demodulator = BaudotDemodulator(configuration: .init(sampleRate: 8000, table: table))
        #expect(demodulator.process(samples).map(\.code) == codes)
    }

    @Test func aFortyFiveBaudCallThenAFiftyBaudCallAreBothRead() {
        var slow = BaudotModulator(configuration: .init(sampleRate: 8000, rate: .baud45))
        var fast = BaudotModulator(configuration: .init(sampleRate: 8000, rate: .baud50, table: .ita2))
        let samples = slow.modulate("FIRST 12 GA").samples + [Float](repeating: 0, count: 16000) + fast.modulate("SECOND 34 SK").samples
        let frames = Self.decode(samples, sampleRate: 8000)
        #expect(BaudotDemodulator.text(of: frames) == "FIRST 12 GASECOND 34 SK")
        #expect(frames.first?.rate == .baud45)
        #expect(frames.last?.rate == .baud50)
    }

    @Test func framesCarryTheirPositionInTheStream() throws {
        var modulator = BaudotModulator(configuration: .init(sampleRate: 8000, rate: .baud45, leadIn: .milliseconds(150)))
        let frames = Self.decode(modulator.modulate("AB").samples, sampleRate: 8000)
        try #require(frames.count == 3) // LTRS, A, B
        // LTRS starts after the 150 ms lead-in (1200 samples); each frame is 8 bits of 176.
        let expected = [1200, 1200 + 1408, 1200 + 2 * 1408]
        for (frame, start) in zip(frames, expected) {
            #expect(abs(frame.startSample - start) <= 8)
        }
        #expect(frames[0].time > .milliseconds(149) && frames[0].time < .milliseconds(151))
    }

    // MARK: - Against minimodem

    /// minimodem's receive and transmit arguments for each speed (both US TTY, 1400/1800 Hz).
    static func minimodemArguments(_ rate: BaudotRate) -> [String] {
        switch rate {
        case .baud45: ["tdd"]
        case .baud50: ["--baudot", "-M", "1400", "-S", "1800", "--stopbits", "1.5", "50"]
        }
    }

    @Test(arguments: BaudotRate.allCases, [8000, 48000])
    func minimodemTransmitsAndWeDecodeExactly(rate: BaudotRate, sampleRate: Int) throws {
        let wav = AudioTestFiles.temporaryFile("wav")
        defer { try? FileManager.default.removeItem(at: wav) }
        let run = try minimodem(["--tx", "-R", String(sampleRate), "-f", wav.path] + Self.minimodemArguments(rate), input: Self.message)
        #expect(run.status == 0)
        let (samples, fileRate) = try AudioTestFiles.readWAV(wav)
        #expect(fileRate == sampleRate)
        let frames = Self.decode(samples, sampleRate: Double(sampleRate))
        #expect(BaudotDemodulator.text(of: frames) == Self.message)
        #expect(frames.allSatisfy { $0.rate == rate })
    }

    @Test(arguments: BaudotRate.allCases)
    func weTransmitAndMinimodemDecodesExactly(rate: BaudotRate) throws {
        var modulator = BaudotModulator(configuration: .init(sampleRate: 8000, rate: rate))
        let transmission = modulator.modulate(Self.message)
        let wav = AudioTestFiles.temporaryFile("wav")
        defer { try? FileManager.default.removeItem(at: wav) }
        try AudioTestFiles.writeWAV(transmission.int16Samples, sampleRate: 8000, to: wav)
        let run = try minimodem(["--rx", "-R", "8000", "-f", wav.path] + Self.minimodemArguments(rate), input: "")
        #expect(run.status == 0)
        #expect(run.stdout == Self.message)
        #expect(run.stderr.contains("### CARRIER"))
    }

    // MARK: - Noise

    @Test(arguments: BaudotRate.allCases, [8000.0, 16000.0])
    func decodesExactlyWithWhiteNoiseAtZeroDecibels(rate: BaudotRate, sampleRate: Double) {
        var modulator = BaudotModulator(configuration: .init(sampleRate: sampleRate, rate: rate, amplitude: 0.25))
        let signal = modulator.modulate(Self.message).samples
        let quiet = [Float](repeating: 0, count: Int(sampleRate / 2))
        // Noise power equal to the tone's (A²/2) across the whole band 0…fs/2, half a second
        // of it alone before and after the call.
        var noise = GaussianNoise(seed: 0x5EED + UInt64(sampleRate) + (rate == .baud45 ? 0 : 1), standardDeviation: 0.25 / 2.0.squareRoot())
        let samples = (quiet + signal + quiet).map { $0 + noise.next() }
        let frames = Self.decode(samples, sampleRate: sampleRate)
        #expect(BaudotDemodulator.text(of: frames) == Self.message)
    }

    @Test func noiseAloneDecodesNothing() {
        var noise = GaussianNoise(seed: 42, standardDeviation: 0.2)
        let samples = (0..<80000).map { _ in noise.next() }
        #expect(Self.decode(samples, sampleRate: 8000).isEmpty)
        #expect(Self.decode([Float](repeating: 0, count: 8000), sampleRate: 8000).isEmpty)
    }

    // MARK: - Streaming

    @Test(arguments: [1, 3, 80, 441, 4096])
    func feedingInBlocksGivesTheSameFramesAsAllAtOnce(blockSize: Int) {
        var modulator = BaudotModulator(configuration: .init(sampleRate: 8000, rate: .baud50))
        let samples = modulator.modulate("DRIP 1 2 3 FEED GA").int16Samples
        var whole = BaudotDemodulator(configuration: .init(sampleRate: 8000))
        let expected = whole.process(samples)
        #expect(BaudotDemodulator.text(of: expected) == "DRIP 1 2 3 FEED GA")
        var dripped = BaudotDemodulator(configuration: .init(sampleRate: 8000))
        var got: [BaudotDemodulator.Received] = []
        var index = 0
        while index < samples.count {
            let end = min(index + blockSize, samples.count)
            got += dripped.process(samples[index..<end])
            index = end
        }
        #expect(got == expected)
    }

    @Test(arguments: BaudotRate.allCases, [160, 1000])
    func noisyAudioFedInBlocksGivesTheSameFramesAsAllAtOnce(rate: BaudotRate, blockSize: Int) {
        // Near the noise floor the receiver searches and re-searches frame positions; none of
        // that may read past the audio it has, or the result would depend on the blocks.
        var modulator = BaudotModulator(configuration: .init(sampleRate: 8000, rate: rate, amplitude: 0.1))
        var noise = NoiseGenerator(seed: 0xB10C + UInt64(blockSize), standardDeviation: NoiseGenerator.standardDeviation(signalPower: 0.005, snr: -9))
        let samples = noise.add(to: [Float](repeating: 0, count: 4000) + modulator.modulate(Self.message).samples + [Float](repeating: 0, count: 4000))
        var whole = BaudotDemodulator(configuration: .init(sampleRate: 8000))
        let expected = whole.process(samples)
        #expect(expected.count > Self.message.count / 2)
        var dripped = BaudotDemodulator(configuration: .init(sampleRate: 8000))
        var got: [BaudotDemodulator.Received] = []
        var index = 0
        while index < samples.count {
            let end = min(index + blockSize, samples.count)
            got += dripped.process(samples[index..<end])
            index = end
        }
        #expect(got == expected)
    }

    // MARK: - Tables, shifts and raw codes

    @Test(arguments: [
        // (code, letter, US TTY figure, ITA2 figure)
        (0x01, "E", "3", "3"),
        (0x03, "A", "-", "-"),
        (0x05, "S", "\u{07}", "'"),
        (0x09, "D", "$", "\u{05}"),
        (0x0B, "J", "'", "\u{07}"),
        (0x0D, "F", "!", nil),
        (0x11, "Z", "\"", "+"),
        (0x14, "H", "#", nil),
        (0x16, "P", "0", "0"),
        (0x17, "Q", "1", "1"),
        (0x1A, "G", "&", nil),
        (0x1E, "V", ";", "="),
        (0x04, " ", " ", " "),
        (0x08, "\r", "\r", "\r"),
        (0x02, "\n", "\n", "\n"),
    ] as [(UInt8, Character?, Character?, Character?)])
    func tablesMapCodesToCharacters(raw: UInt8, letter: Character?, us: Character?, ita2: Character?) throws {
        let code = try #require(BaudotCode(rawValue: raw))
        #expect(BaudotTable.usTTY.character(for: code, in: .letters) == letter)
        #expect(BaudotTable.ita2.character(for: code, in: .letters) == letter)
        #expect(BaudotTable.usTTY.character(for: code, in: .figures) == us)
        #expect(BaudotTable.ita2.character(for: code, in: .figures) == ita2)
    }

    @Test(arguments: [
        ("A1", [0x1F, 0x03, 0x1B, 0x17]),
        ("1 2", [0x1B, 0x17, 0x04, 0x1B, 0x13]), // unshift on space: FIGS again after it
        ("AB CD", [0x1F, 0x03, 0x19, 0x04, 0x0E, 0x09]),
        (" 3B", [0x1F, 0x04, 0x1B, 0x01, 0x1F, 0x19]),
        ("ga", [0x1F, 0x1A, 0x03]),
        ("1\r\n2", [0x1B, 0x17, 0x08, 0x02, 0x13]),
    ] as [(String, [UInt8])])
    func encoderInsertsShifts(text: String, raw: [UInt8]) {
        var encoder = BaudotEncoder(table: .usTTY)
        let (codes, unencodable) = encoder.encode(text)
        #expect(codes.map(\.rawValue) == raw)
        #expect(unencodable.isEmpty)
    }

    @Test func encoderReportsCharactersTheTableCannotSend() {
        var us = BaudotEncoder(table: .usTTY)
        let result = us.encode("A*B=C£")
        #expect(result.unencodable == ["*", "=", "£"])
        #expect(result.codes.map(\.rawValue) == [0x1F, 0x03, 0x19, 0x0E])
        var ita2 = BaudotEncoder(table: .ita2)
        #expect(ita2.encode("1=2").unencodable.isEmpty)
        var modulator = BaudotModulator(configuration: .init(sampleRate: 8000))
        #expect(modulator.modulate("HI@").unencodable == ["@"])
    }

    @Test func decoderShiftsAndUnshiftsOnSpace() {
        var decoder = BaudotDecoder()
        let raw: [UInt8] = [0x03, 0x1B, 0x03, 0x17, 0x04, 0x17, 0x1B, 0x13, 0x1F, 0x13]
        let text = raw.compactMap { decoder.decode(BaudotCode(bits: $0)) }
        #expect(String(text) == "A-1 Q2W")
        #expect(decoder.shift == .letters)
    }

    @Test func demodulatorReportsShiftCodesAndTheirShift() {
        var modulator = BaudotModulator(configuration: .init(sampleRate: 8000, rate: .baud45))
        let frames = Self.decode(modulator.modulate("A1 B").samples, sampleRate: 8000)
        #expect(frames.map(\.code.rawValue) == [0x1F, 0x03, 0x1B, 0x17, 0x04, 0x19])
        #expect(frames.map(\.character) == [nil, "A", nil, "1", " ", "B"])
        #expect(frames.map(\.shift) == [.letters, .letters, .figures, .figures, .letters, .letters])
    }

    @Test func codesAreFiveBits() {
        #expect(BaudotCode(rawValue: 32) == nil)
        #expect(BaudotCode(bits: 0xFF) == .letters)
        #expect(BaudotCode.figures.description == "11011")
    }

    // MARK: - Turn markers, echo guard, modulator shape

    @Test(arguments: [
        ("HELLO GA", [.goAhead]),
        ("HELLO GA ", [.goAhead]),
        ("GAS LEAK GA\r\n", [.goAhead]),
        ("THANKS SKSK", [.stopKeying]),
        ("BYE SK", [.stopKeying]),
        ("OK GA OR SK", [.goAhead, .stopKeying]),
        ("SAGA ASK", []),
    ] as [(String, [BaudotTurnMarkerDetector.Marker])])
    func turnMarkersAreWholeWords(text: String, markers: [BaudotTurnMarkerDetector.Marker]) {
        #expect(BaudotTurnMarkerDetector.markers(in: text) == markers)
    }

    @Test func turnMarkerIsReportedWhenItsWordEnds() {
        var detector = BaudotTurnMarkerDetector()
        #expect(detector.feed("G") == nil)
        #expect(detector.feed("A") == nil)
        #expect(detector.feed(" ") == .goAhead)
        #expect(detector.feed("S") == nil)
        #expect(detector.feed("K") == nil)
        #expect(detector.finish() == .stopKeying)
        #expect(detector.finish() == nil)
    }

    @Test func echoGuardIgnoresReceiveDuringAndJustAfterTransmit() {
        var guardian = BaudotEchoGuard<ManualInstant>()
        let start = ManualInstant(offset: .seconds(10))
        #expect(!guardian.shouldIgnoreReceive(at: start))
        guardian.transmissionStarted()
        #expect(guardian.shouldIgnoreReceive(at: start.advanced(by: .seconds(1))))
        guardian.transmissionEnded(at: start.advanced(by: .seconds(2)))
        #expect(guardian.shouldIgnoreReceive(at: start.advanced(by: .milliseconds(2299))))
        #expect(!guardian.shouldIgnoreReceive(at: start.advanced(by: .milliseconds(2300))))
    }

    @Test(arguments: BaudotRate.allCases)
    func modulatorFramesLeadInAndHoldOverWithContinuousPhase(rate: BaudotRate) {
        let sampleRate = 8000.0
        var modulator = BaudotModulator(configuration: .init(sampleRate: sampleRate, rate: rate, amplitude: 0.5))
        let transmission = modulator.modulate("TEST")
        let stopBits = rate == .baud45 ? 2.0 : 1.5
        let frameSeconds = (6 + stopBits) / rate.bitsPerSecond
        let expected = (0.150 + Double(transmission.codes.count) * frameSeconds + 0.300) * sampleRate
        #expect(abs(Double(transmission.samples.count) - expected) <= 1)
        // Continuous phase: no step larger than the 1800 Hz tone's steepest slope allows.
        let maxStep = Float(0.5 * 2 * Double.pi * 1800 / sampleRate) + 1e-4
        let steps = zip(transmission.samples, transmission.samples.dropFirst()).map { abs($1 - $0) }
        #expect(steps.max() ?? 0 <= maxStep)
        // Lead-in and hold-over are mark.
        let lead = Array(transmission.samples[..<1000])
        let hold = Array(transmission.samples.suffix(2000))
        #expect(Goertzel.relativePower(of: 1400, in: lead, sampleRate: sampleRate) > 0.95)
        #expect(Goertzel.relativePower(of: 1400, in: hold, sampleRate: sampleRate) > 0.95)
    }

    // MARK: - Helpers

    static func decode(_ samples: [Float], sampleRate: Double) -> [BaudotDemodulator.Received] {
        var demodulator = BaudotDemodulator(configuration: .init(sampleRate: sampleRate))
        return demodulator.process(samples)
    }
}
