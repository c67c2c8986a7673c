import Foundation
import ParleyCore
import ParleyDSP
import Testing

/// The caller-ID decoder: against audio made by minimodem and sox from hand-written bit
/// streams (checked by multimon-ng's CLIPFSK too), then our encoder into our decoder across
/// standards, formats, sample rates and block sizes, then damaged bursts, noise and speech.
struct CallerIDTests {
    typealias Standard = CallerIDDecoder.Standard

    static func decode(
        _ samples: [Float], sampleRate: Double, standards: Set<Standard> = Set(Standard.allCases), blockSize: Int? = nil
    ) -> [CallerIDDecoder.Detection] {
        var decoder = CallerIDDecoder(configuration: .init(sampleRate: sampleRate, standards: standards))
        var out: [CallerIDDecoder.Detection] = []
        let size = blockSize ?? max(1, samples.count)
        var index = 0
        while index < samples.count {
            let end = min(index + size, samples.count)
            out += decoder.process(samples[index..<end])
            index = end
        }
        return out + decoder.finish()
    }

    static func silence(_ seconds: Double, _ sampleRate: Double) -> [Float] {
        [Float](repeating: 0, count: Int(seconds * sampleRate))
    }

    // MARK: - minimodem and sox make the audio; multimon-ng reads it too

    /// The line bits for a burst, written out here from the standards (not by the code under
    /// test): `seizure` alternating bits starting with 0, `mark` ones, each byte as a 0 start
    /// bit, eight bits LSB first and a 1 stop bit, then 20 ones.
    static func lineBits(message: [UInt8], seizure: Int, mark: Int) -> [UInt8] {
        var bits: [UInt8] = (0..<seizure).map { UInt8($0 % 2) }
        bits += [UInt8](repeating: 1, count: mark)
        for byte in message {
            bits.append(0)
            bits += (0..<8).map { (byte >> $0) & 1 }
            bits.append(1)
        }
        bits += [UInt8](repeating: 1, count: 20)
        while bits.count % 8 != 0 { bits.append(1) }
        // minimodem with no start or stop bits sends each stdin byte's eight bits, LSB first.
        return stride(from: 0, to: bits.count, by: 8).map { start in
            (0..<8).reduce(UInt8(0)) { $0 | bits[start + $1] << $1 }
        }
    }

    /// An 8 kHz WAV of the burst: minimodem at 48 kHz, optionally a sox-made tone alert signal
    /// (100 ms of 2130 + 2750 Hz after 100 ms of silence, then 60 ms of silence) in front, then
    /// sox down to 8 kHz.
    static func minimodemBurst(message: [UInt8], standard: Standard, alertTone: Bool, seizure: Int, mark: Int) throws -> URL {
        let fsk = AudioTestFiles.temporaryFile("wav")
        let joined = AudioTestFiles.temporaryFile("wav")
        let tone = AudioTestFiles.temporaryFile("wav")
        let output = AudioTestFiles.temporaryFile("wav")
        defer { for url in [fsk, joined, tone] { try? FileManager.default.removeItem(at: url) } }
        let (markHz, spaceHz) = standard == .v23 ? ("1300", "2100") : ("1200", "2200")
        let tx = try runProgram("/usr/bin/minimodem", [
            "--tx", "-v", "0.5", "-R", "48000", "-f", fsk.path, "-M", markHz, "-S", spaceHz,
            "--startbits", "0", "--stopbits", "0", "-8", "1200",
        ], input: Data(lineBits(message: message, seizure: seizure, mark: mark)))
        try #require(tx.status == 0, "minimodem: \(tx.stderr)")
        var parts = [fsk.path]
        if alertTone {
            let synth = try runProgram("/usr/bin/sox", [
                "-n", "-r", "48000", "-c", "1", "-b", "16", tone.path,
                "synth", "0.1", "sine", "2130", "synth", "0.1", "sine", "mix", "2750", "vol", "0.4", "pad", "0.1", "0.06",
            ])
            try #require(synth.status == 0, "sox: \(synth.stderr)")
            parts.insert(tone.path, at: 0)
        }
        let join = try runProgram("/usr/bin/sox", parts + [joined.path, "pad", alertTone ? "0" : "0.1", "0.2"])
        try #require(join.status == 0, "sox: \(join.stderr)")
        let resample = try runProgram("/usr/bin/sox", [joined.path, "-r", "8000", output.path])
        try #require(resample.status == 0, "sox: \(resample.stderr)")
        return output
    }

    /// multimon-ng's CLIPFSK reading of an 8 kHz WAV (which it wants as raw S16 at 22050 Hz).
    static func multimonCLIPFSK(_ wav: URL) throws -> [String] {
        let raw = AudioTestFiles.temporaryFile("raw")
        defer { try? FileManager.default.removeItem(at: raw) }
        let convert = try runProgram("/usr/bin/sox", [wav.path, "-t", "raw", "-r", "22050", "-e", "signed", "-b", "16", "-c", "1", raw.path])
        try #require(convert.status == 0, "sox: \(convert.stderr)")
        let run = try runProgram("/usr/bin/multimon-ng", ["-q", "-t", "raw", "-a", "CLIPFSK", raw.path])
        try #require(run.status == 0, "multimon-ng: \(run.stderr)")
        return run.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("CLIPFSK:") }
    }

    /// `KEY=value` fields of a multimon-ng CLIPFSK line ("CLIPFSK: CS DATE=… CID=… CNT=…").
    static func multimonFields(_ line: String) -> [String: String] {
        var fields: [String: String] = [:]
        let keys = ["DATE", "CID", "CDN", "RACLI", "CNT", "RACNT", "CT"]
        var rest = Substring(line)
        var current: String?
        while !rest.isEmpty {
            let next = keys.compactMap { key in rest.range(of: " \(key)=").map { (key, $0) } }.min { $0.1.lowerBound < $1.1.lowerBound }
            let valueEnd = next?.1.lowerBound ?? rest.endIndex
            if let current { fields[current] = String(rest[..<valueEnd]) }
            guard let next else { break }
            current = next.0
            rest = rest[next.1.upperBound...]
        }
        return fields
    }

    /// What multimon-ng prints for text: bytes 32…127 as they are, others as '.'.
    static func multimonText(_ text: String) -> String {
        String(text.unicodeScalars.map { (32..<128).contains($0.value) ? Character($0) : "." })
    }

    struct MinimodemCase: Sendable, CustomTestStringConvertible {
        var standard: Standard
        var alertTone: Bool
        var seizure: Int
        var mark: Int
        var testDescription: String { "\(standard) \(alertTone ? "with" : "without") alert tone, \(seizure) seizure + \(mark) mark bits" }
    }

    static let minimodemCases = [
        MinimodemCase(standard: .v23, alertTone: true, seizure: 96, mark: 55),     // BT SIN227 minimums
        MinimodemCase(standard: .bell202, alertTone: false, seizure: 300, mark: 180), // GR-30
    ]

    @Test(arguments: minimodemCases, CallerIDFrameTests.cases)
    func minimodemBurstsDecodeAndAgreeWithMultimon(_ burst: MinimodemCase, _ message: CallerIDFrameTests.Case) throws {
        let bytes = CallerIDFrameTests.bytes(message.hex)
        let wav = try Self.minimodemBurst(message: bytes, standard: burst.standard, alertTone: burst.alertTone, seizure: burst.seizure, mark: burst.mark)
        defer { try? FileManager.default.removeItem(at: wav) }
        let (samples, rate) = try AudioTestFiles.readWAV(wav)
        #expect(rate == 8000)
        let detections = Self.decode(samples, sampleRate: 8000)
        try #require(detections.count == 1, "got \(detections)")
        let detection = detections[0]
        #expect(detection.bytes == bytes)
        #expect(detection.checksumValid)
        #expect(detection.problem == nil)
        #expect(detection.standard == burst.standard)
        #expect(detection.alertToneBefore == burst.alertTone)
        #expect(detection.callerID == message.expected)
        // Silence (100 ms) [+ alert tone and its gap, 160 ms] + seizure + mark, before the type byte.
        let expectedStart = 0.1 + (burst.alertTone ? 0.16 : 0) + Double(burst.seizure + burst.mark) / 1200
        #expect(abs((detection.time - .seconds(expectedStart)) / .milliseconds(1)) < 2, "\(detection.time)")

        // multimon-ng reads the same audio: MDMF as "CS" with its fields, SDMF (0x04) as a
        // "RVD" (reserved type) with the packet length; it ignores packets under 5 bytes.
        let lines = try Self.multimonCLIPFSK(wav)
        if bytes.count < 5 {
            #expect(lines.isEmpty)
            return
        }
        try #require(lines.count == 1, "multimon-ng printed \(lines)")
        let line = lines[0]
        switch message.format {
        case .sdmf:
            #expect(line.hasPrefix("CLIPFSK: RVD len=\(detection.bytes.count)"))
        case .mdmf:
            #expect(line.hasPrefix("CLIPFSK: CS"))
            let fields = Self.multimonFields(line)
            let id = try #require(detection.callerID)
            #expect(fields["DATE"] == id.time?.description)
            #expect(fields["CID"] == id.number)
            #expect(fields["CNT"] == id.name.map(Self.multimonText))
            #expect(fields["RACLI"]?.first.map(String.init) == id.numberAbsence.map { $0 == .withheld ? "P" : "O" })
            #expect(fields["RACNT"]?.first.map(String.init) == id.nameAbsence.map { $0 == .withheld ? "P" : "O" })
        }
    }

    @Test func aV23BurstWithoutTheAlertToneIsReportedWithoutIt() throws {
        let message = CallerIDFrameTests.cases[5]
        let wav = try Self.minimodemBurst(message: CallerIDFrameTests.bytes(message.hex), standard: .v23, alertTone: false, seizure: 300, mark: 180)
        defer { try? FileManager.default.removeItem(at: wav) }
        let detections = Self.decode(try AudioTestFiles.readWAV(wav).samples, sampleRate: 8000)
        try #require(detections.count == 1)
        #expect(detections[0].standard == .v23)
        #expect(!detections[0].alertToneBefore)
        #expect(detections[0].callerID == message.expected)
    }

    @Test func multimonRejectsABadChecksumAndSoDoWe() throws {
        var bytes = CallerIDFrameTests.bytes(CallerIDFrameTests.cases[5].hex)
        bytes[bytes.count - 1] &+= 1
        let wav = try Self.minimodemBurst(message: bytes, standard: .v23, alertTone: true, seizure: 120, mark: 80)
        defer { try? FileManager.default.removeItem(at: wav) }
        #expect(try Self.multimonCLIPFSK(wav).isEmpty)
        let detections = Self.decode(try AudioTestFiles.readWAV(wav).samples, sampleRate: 8000)
        try #require(detections.count == 1)
        #expect(detections[0].bytes == bytes)
        #expect(!detections[0].checksumValid)
        #expect(detections[0].callerID == nil)
        #expect(detections[0].problem?.hasPrefix("bad checksum") == true)
    }

    // MARK: - Our encoder into our decoder

    static let callerIDs: [CallerID] = [
        CallerID(time: .init(month: 12, day: 25, hour: 18, minute: 30), number: "01632960000", name: "A N OTHER"),
        CallerID(time: .init(month: 1, day: 2, hour: 3, minute: 4), numberAbsence: .withheld, nameAbsence: .withheld),
        CallerID(time: .init(month: 7, day: 31, hour: 23, minute: 59), numberAbsence: .unavailable, nameAbsence: .unavailable),
        CallerID(time: .init(month: 6, day: 15, hour: 7, minute: 5), number: "+441632960999", nameAbsence: .withheld),
        CallerID(number: "999"),
    ]

    /// What survives a format: SDMF has no name and always a date field.
    static func expected(_ id: CallerID, in format: CallerIDFrame.Format) -> CallerID {
        guard format == .sdmf else { return id }
        return CallerID(time: id.time, number: id.number, numberAbsence: id.number == nil ? id.numberAbsence : nil)
    }

    @Test(arguments: Standard.allCases, CallerIDFrame.Format.allCases)
    func ourEncoderToOurDecoderAtEverySampleRate(standard: Standard, format: CallerIDFrame.Format) {
        for sampleRate in [8000.0, 11025, 16000, 22050, 48000] {
            for id in Self.callerIDs {
                let encoder = CallerIDEncoder(configuration: .init(
                    sampleRate: sampleRate, standard: standard, format: format, alertTone: standard == .v23
                ))
                let detections = Self.decode(encoder.modulate(id) + Self.silence(0.2, sampleRate), sampleRate: sampleRate)
                #expect(detections.count == 1, "\(sampleRate) Hz, \(id)")
                guard let detection = detections.first else { continue }
                #expect(detection.callerID == Self.expected(id, in: format), "\(sampleRate) Hz")
                #expect(detection.standard == standard, "\(sampleRate) Hz")
                #expect(detection.alertToneBefore == (standard == .v23), "\(sampleRate) Hz")
                #expect(detection.checksumValid && detection.problem == nil, "\(sampleRate) Hz")
                // 100 ms lead-in [+ 100 ms tone + 60 ms gap] + seizure + mark.
                let bits = Double(encoder.configuration.seizureBits + encoder.configuration.markBits)
                let expected = Duration.seconds(0.1 + (standard == .v23 ? 0.16 : 0) + bits / 1200)
                #expect(abs((detection.time - expected) / .microseconds(1)) < 500, "\(sampleRate) Hz: \(detection.time)")
            }
        }
    }

    @Test(arguments: Standard.allCases, [1, 3, 441, 4096])
    func feedingInBlocksGivesTheSameDetectionsAsAllAtOnce(standard: Standard, blockSize: Int) {
        let encoder = CallerIDEncoder(configuration: .init(sampleRate: 8000, standard: standard, alertTone: true))
        let burst = encoder.modulate(Self.callerIDs[0])
        let samples = burst + Self.silence(0.5, 8000) + encoder.modulate(Self.callerIDs[3]) + Self.silence(0.3, 8000)
        let whole = Self.decode(samples, sampleRate: 8000)
        #expect(whole.map(\.callerID) == [Self.callerIDs[0], Self.callerIDs[3]])
        #expect(Self.decode(samples, sampleRate: 8000, blockSize: blockSize) == whole)

        // The same through the 16-bit entry point.
        let pcm = CallerIDEncoder.int16(samples)
        func decodePCM(blockSize: Int) -> [CallerIDDecoder.Detection] {
            var decoder = CallerIDDecoder(configuration: .init(sampleRate: 8000))
            var out: [CallerIDDecoder.Detection] = []
            var index = 0
            while index < pcm.count {
                let end = min(index + blockSize, pcm.count)
                out += decoder.process(pcm[index..<end])
                index = end
            }
            return out + decoder.finish()
        }
        let wholePCM = decodePCM(blockSize: pcm.count)
        #expect(wholePCM.map(\.callerID) == whole.map(\.callerID))
        #expect(decodePCM(blockSize: blockSize) == wholePCM)
    }

    @Test func burstsOfAStandardNotConfiguredAreIgnored() {
        for standard in Standard.allCases {
            let other: Standard = standard == .v23 ? .bell202 : .v23
            let samples = CallerIDEncoder(configuration: .init(sampleRate: 8000, standard: standard)).modulate(Self.callerIDs[0])
            #expect(Self.decode(samples, sampleRate: 8000, standards: [other]).isEmpty)
            #expect(Self.decode(samples, sampleRate: 8000, standards: [standard]).count == 1)
        }
    }

    @Test(arguments: [0.5, 0.01, 0.002])
    func quietAndLoudLinesDecode(amplitude: Double) {
        let encoder = CallerIDEncoder(configuration: .init(sampleRate: 8000, alertTone: true, amplitude: amplitude))
        let detections = Self.decode(encoder.modulate(Self.callerIDs[0]), sampleRate: 8000)
        #expect(detections.map(\.callerID) == [Self.callerIDs[0]])
        #expect(detections.first?.alertToneBefore == true)
    }

    @Test func aDCOffsetAndMainsHumDoNotStopDecoding() {
        let encoder = CallerIDEncoder(configuration: .init(sampleRate: 8000, standard: .v23, alertTone: true, amplitude: 0.1))
        let burst = encoder.modulate(Self.callerIDs[0]) + Self.silence(0.2, 8000)
        let samples = burst.enumerated().map { index, sample in
            sample + 0.4 + Float(0.1 * sin(2 * Double.pi * 50 * Double(index) / 8000))
        }
        let detections = Self.decode(samples, sampleRate: 8000)
        #expect(detections.map(\.callerID) == [Self.callerIDs[0]])
        #expect(detections.first?.alertToneBefore == true)
    }

    @Test(arguments: Standard.allCases, [8000.0, 48000.0])
    func decodesThroughWhiteNoiseTwelveDecibelsDown(standard: Standard, sampleRate: Double) {
        // Noise power a sixteenth of the tone's (A²/2 = 0.02) across the whole band 0…fs/2.
        var noise = GaussianNoise(seed: 0xC1D + UInt64(sampleRate), standardDeviation: (0.02 / 16).squareRoot())
        let encoder = CallerIDEncoder(configuration: .init(sampleRate: sampleRate, standard: standard, alertTone: true, amplitude: 0.2))
        let samples = (Self.silence(0.3, sampleRate) + encoder.modulate(Self.callerIDs[0]) + Self.silence(0.3, sampleRate)).map { $0 + noise.next() }
        let detections = Self.decode(samples, sampleRate: sampleRate)
        #expect(detections.map(\.callerID) == [Self.callerIDs[0]])
        #expect(detections.map(\.standard) == [standard])
    }

    // MARK: - Damaged bursts

    @Test(arguments: Standard.allCases)
    func aBadChecksumIsReportedWithItsBytesAndNoCallerID(standard: Standard) throws {
        let encoder = CallerIDEncoder(configuration: .init(sampleRate: 8000, standard: standard))
        var message = encoder.message(for: Self.callerIDs[0])
        message[5] ^= 0x01 // one data bit flipped, checksum left alone
        let detections = Self.decode(encoder.modulate(message: message), sampleRate: 8000)
        try #require(detections.count == 1)
        let detection = detections[0]
        #expect(detection.bytes == message)
        #expect(!detection.checksumValid)
        #expect(detection.callerID == nil)
        #expect(detection.frame?.bytes == message)
        #expect(detection.problem?.hasPrefix("bad checksum") == true)
    }

    @Test(arguments: [1, 2, 10, 30])
    func audioEndingMidMessageIsReportedTruncatedAtFinish(bytesSent: Int) throws {
        let encoder = CallerIDEncoder(configuration: .init(sampleRate: 8000, standard: .v23))
        let message = encoder.message(for: Self.callerIDs[0])
        let audio = encoder.modulate(message: message)
        // Cut half a bit after the stop bit of byte `bytesSent` (a character is read only once
        // the one-bit window has passed its stop bit).
        let cut = Int((0.1 + (Double(120 + 80 + 10 * bytesSent) + 0.5) / 1200) * 8000)
        var decoder = CallerIDDecoder(configuration: .init(sampleRate: 8000))
        #expect(decoder.process(audio.prefix(cut)).isEmpty)
        let detections = decoder.finish()
        try #require(detections.count == 1)
        #expect(detections[0].bytes == Array(message.prefix(bytesSent)))
        #expect(detections[0].callerID == nil && detections[0].frame == nil && !detections[0].checksumValid)
        #expect(detections[0].problem?.hasPrefix("truncated") == true)
        #expect(detections[0].problem?.contains("end of the audio") == true)
    }

    @Test func aLengthByteThatPromisesTooMuchIsReportedTruncatedWhenTheLineGoesQuiet() throws {
        // Hand-written: MDMF, number 999, length byte 0x20 though only 5 body bytes follow.
        let message: [UInt8] = [0x80, 0x20, 0x02, 0x03, 0x39, 0x39, 0x39, 0x0B]
        let encoder = CallerIDEncoder(configuration: .init(sampleRate: 8000, standard: .bell202))
        var decoder = CallerIDDecoder(configuration: .init(sampleRate: 8000))
        let detections = decoder.process(encoder.modulate(message: message) + Self.silence(0.5, 8000))
        try #require(detections.count == 1)
        #expect(detections[0].bytes == message)
        #expect(detections[0].callerID == nil)
        #expect(detections[0].problem?.hasPrefix("truncated: 8 of 35 bytes") == true)
        #expect(decoder.finish().isEmpty)
    }

    @Test func aLengthByteThatPromisesTooLittleEndsTheMessageEarlyWithABadChecksum() throws {
        // The valid BT message with its length byte 0x17 changed to 0x0A: the checksum now
        // lands on a digit of the number.
        var message = CallerIDFrameTests.bytes(CallerIDFrameTests.cases[5].hex)
        message[1] = 0x0A
        let encoder = CallerIDEncoder(configuration: .init(sampleRate: 8000, standard: .v23))
        let detections = Self.decode(encoder.modulate(message: message), sampleRate: 8000)
        try #require(detections.count == 1)
        #expect(detections[0].bytes == Array(message.prefix(13)))
        #expect(!detections[0].checksumValid)
        #expect(detections[0].callerID == nil)
    }

    @Test func aMessageWaitingIndicatorIsReportedButHasNoCallerID() throws {
        let message = CallerIDFrameTests.bytes("82 03 0B 01 FF 70")
        let encoder = CallerIDEncoder(configuration: .init(sampleRate: 8000, standard: .v23))
        let detections = Self.decode(encoder.modulate(message: message), sampleRate: 8000)
        try #require(detections.count == 1)
        #expect(detections[0].checksumValid)
        #expect(detections[0].frame?.messageType == 0x82)
        #expect(detections[0].callerID == nil)
        #expect(detections[0].problem?.contains("not a call set-up") == true)
    }

    @Test func randomMessagesComeBackAsSentOrAsTheirPrefix() {
        var seed: UInt64 = 0xCA11
        func next() -> UInt8 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: seed >> 33)
        }
        for round in 0..<12 {
            let message = (0..<(3 + round * 5)).map { _ in next() }
            let encoder = CallerIDEncoder(configuration: .init(sampleRate: 8000, standard: round % 2 == 0 ? .v23 : .bell202))
            let detections = Self.decode(encoder.modulate(message: message) + Self.silence(0.2, 8000), sampleRate: 8000)
            #expect(detections.count == 1, "round \(round)")
            let expectedCount = min(message.count, Int(message[1]) + 3)
            #expect(detections.first?.bytes == Array(message.prefix(expectedCount)), "round \(round)")
        }
    }

    // MARK: - Nothing where there is nothing

    @Test(arguments: [8000.0, 48000.0], [0.02, 0.3])
    func whiteNoiseAloneDetectsNothing(sampleRate: Double, level: Double) {
        var noise = GaussianNoise(seed: 7 + UInt64(sampleRate), standardDeviation: level)
        // 20 s at 8 kHz, 5 s at 48 kHz: the same number of samples, 24 000 bit times at least.
        let samples = (0..<min(Int(sampleRate * 20), 240_000)).map { _ in noise.next() }
        #expect(Self.decode(samples, sampleRate: sampleRate).isEmpty)
        #expect(Self.decode(Self.silence(2, sampleRate), sampleRate: sampleRate).isEmpty)
    }

    @Test func speechAloneDetectsNothing() throws {
        let speech = AudioTestFiles.temporaryFile("wav")
        let resampled = AudioTestFiles.temporaryFile("wav")
        defer { for url in [speech, resampled] { try? FileManager.default.removeItem(at: url) } }
        let text = "Police, fire or ambulance? Caller is reporting a collision on the A forty one near junction two. "
            + "Two vehicles, one person trapped, the road is blocked in both directions. Sixty five, sixty six, ninety nine."
        let speak = try runProgram("/usr/bin/espeak-ng", ["-w", speech.path, text])
        try #require(speak.status == 0, "espeak-ng: \(speak.stderr)")
        let (native, nativeRate) = try AudioTestFiles.readWAV(speech)
        #expect(Self.decode(native, sampleRate: Double(nativeRate)).isEmpty)
        let resample = try runProgram("/usr/bin/sox", [speech.path, "-r", "8000", resampled.path])
        try #require(resample.status == 0, "sox: \(resample.stderr)")
        let (samples, rate) = try AudioTestFiles.readWAV(resampled)
        #expect(rate == 8000)
        #expect(Self.decode(samples, sampleRate: 8000).isEmpty)
        // Speech up to the alert tone does not stop the burst after it being read.
        let encoder = CallerIDEncoder(configuration: .init(sampleRate: 8000, alertTone: true, leadIn: .zero))
        let detections = Self.decode(samples + encoder.modulate(Self.callerIDs[1]), sampleRate: 8000)
        #expect(detections.map(\.callerID) == [Self.callerIDs[1]])
        #expect(detections.first?.alertToneBefore == true)
    }

    @Test func anAlertToneWithNoBurstAfterItIsNotCountedForALaterOne() {
        let encoder = CallerIDEncoder(configuration: .init(sampleRate: 8000, standard: .v23, alertTone: true))
        let plain = CallerIDEncoder(configuration: .init(sampleRate: 8000, standard: .v23))
        // A tone alone (no data: a line reversal that went nowhere), 2 s, then a burst without a tone.
        let toneOnly = Array(encoder.modulate(Self.callerIDs[0]).prefix(Int(0.26 * 8000)))
        let detections = Self.decode(toneOnly + Self.silence(2, 8000) + plain.modulate(Self.callerIDs[0]), sampleRate: 8000)
        #expect(detections.map(\.alertToneBefore) == [false])
    }
}
