import Foundation
import ParleyCore
import Testing

/// Runs the built `parleyctl decode` on WAV files made by independent tools: minimodem (TTY,
/// V.21 as 8N1 with the even-parity bit worked out here), sox (format conversions, mixing) and
/// caller-ID bursts built here bit by bit from the standard.
@Suite("parleyctl decode")
struct ParleyctlDecodeTests {
    // MARK: - TTY

    @Test(arguments: [8000, 48000])
    func ttyFromMinimodemIsPrintedWithSpeedTextAndCodes(sampleRate: Int) async throws {
        let wav = try Tools.minimodemWAV(["tdd"], sampleRate: sampleRate, input: Data("CALL 999 FIRE GA".utf8))
        defer { Tools.remove(wav) }
        let human = try await ParleyctlTests.parleyctl(["decode", "--mode", "tty", wav.path])
        #expect(human.status == 0, "\(human.stderr)")
        let lines = human.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 2, "\(human.stdout)")
        #expect(lines[0].contains("45.45 baud"))
        #expect(lines[0].contains("\"CALL 999 FIRE GA\""))
        // C A L L in ITA2: 01110 00011 10010 10010.
        #expect(lines[0].contains("01110 00011 10010 10010"))
        #expect(lines[1].contains("1 found") && lines[1].contains("\(sampleRate) Hz"))

        let json = try await ParleyctlTests.parleyctl(["decode", "--json", "--mode", "tty", wav.path])
        #expect(json.status == 0, "\(json.stderr)")
        let object = try JSONValue.parse(json.stdout.trimmingCharacters(in: .newlines))
        #expect(object.at("mode") == "tty")
        #expect(object.at("baud") == "45.45")
        #expect(object.at("text") == "CALL 999 FIRE GA")
        let codes = try #require(object.at("codes")?.integers)
        #expect(codes.containsSequence([0x0E, 0x03, 0x12, 0x12]))
        let time = try #require(object.at("time")?.doubleValue)
        #expect(time >= 0 && time < 1)
    }

    @Test func fiftyBaudWithTheITA2TableIsReadAsSuch() async throws {
        // ITA2 figures: = is on V (11110); minimodem's baudot table is ITA2-like for it.
        let wav = try Tools.minimodemWAV(["--baudot", "-M", "1400", "-S", "1800", "--stopbits", "1.5", "50"], sampleRate: 8000, input: Data("TEST 1 2 3".utf8))
        defer { Tools.remove(wav) }
        let run = try await ParleyctlTests.parleyctl(["decode", "--mode", "tty", "--table", "ita2", "--json", wav.path])
        #expect(run.status == 0, "\(run.stderr)")
        let object = try JSONValue.parse(run.stdout.trimmingCharacters(in: .newlines))
        #expect(object.at("baud") == "50")
        #expect(object.at("text") == "TEST 1 2 3")
    }

    // MARK: - V.21

    static let callerText = "Fire at 42 High St, flat 3B! GA"
    static let answererText = "Help is coming, stay on the line. GA"

    /// Seven-bit ASCII with the even-parity bit on top, counted here.
    static func withEvenParity(_ ascii: UInt8) -> UInt8 {
        var ones = 0
        for bit in 0..<7 where (ascii >> bit) & 1 == 1 { ones += 1 }
        return ones % 2 == 0 ? ascii : ascii | 0x80
    }

    /// minimodem's 300 bit/s 8N1 on a V.21 channel's tones.
    static func v21Arguments(channel: Int) -> [String] {
        channel == 1 ? ["-8", "-M", "980", "-S", "1180", "300"] : ["-8", "-M", "1650", "-S", "1850", "300"]
    }

    @Test func v21BothChannelsArePrintedPerChannel() async throws {
        let callerBytes = Self.callerText.utf8.map(Self.withEvenParity)
        let answererBytes = Self.answererText.utf8.map(Self.withEvenParity)
        let one = try Tools.minimodemWAV(Self.v21Arguments(channel: 1), sampleRate: 16000, input: Data(callerBytes))
        let two = try Tools.minimodemWAV(Self.v21Arguments(channel: 2), sampleRate: 16000, input: Data(answererBytes))
        let mixed = Tools.temporaryFile("wav")
        defer { Tools.remove(one, two, mixed) }
        // Both at once (full duplex), the answerer starting 0.2 s later.
        let sox = try Tools.run("/usr/bin/sox", ["-m", one.path, "|sox \(two.path) -p pad 0.2", mixed.path])
        #expect(sox.status == 0, "\(sox.stderr)")

        let human = try await ParleyctlTests.parleyctl(["decode", "--mode", "v21", mixed.path])
        #expect(human.status == 0, "\(human.stderr)")
        let lines = human.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "\(human.stdout)")
        #expect(lines[0].contains("channel 1") && lines[0].contains("\"\(Self.callerText)\"") && lines[0].contains("parity OK"))
        #expect(lines[1].contains("channel 2") && lines[1].contains("\"\(Self.answererText)\"") && lines[1].contains("parity OK"))

        let json = try await ParleyctlTests.parleyctl(["decode", "--mode", "v21", "--json", mixed.path])
        #expect(json.status == 0, "\(json.stderr)")
        let objects = try json.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        try #require(objects.count == 2)
        #expect(objects[0].at("channel")?.intValue == 1)
        #expect(objects[0].at("bytes")?.integers == callerBytes.map(Int64.init))
        #expect(objects[0].at("parity_errors")?.arrayValue == [])
        #expect(objects[1].at("channel")?.intValue == 2)
        #expect(objects[1].at("text")?.stringValue == Self.answererText)

        let onlyTwo = try await ParleyctlTests.parleyctl(["decode", "--mode", "v21", "--v21-channel", "2", "--json", mixed.path])
        let only = try onlyTwo.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        #expect(only.count == 1 && only.first?.at("text")?.stringValue == Self.answererText)
    }

    @Test func v21ParityErrorsAreNotedWithTheRawByte() async throws {
        // "999" with the middle 9 (0x39, four ones, parity 0) sent with its parity bit set.
        let bytes: [UInt8] = [Self.withEvenParity(0x39), 0xB9, Self.withEvenParity(0x39)]
        let wav = try Tools.minimodemWAV(Self.v21Arguments(channel: 1), sampleRate: 8000, input: Data(bytes))
        defer { Tools.remove(wav) }
        let human = try await ParleyctlTests.parleyctl(["decode", "--mode", "v21", wav.path])
        #expect(human.status == 0, "\(human.stderr)")
        #expect(human.stdout.contains("1 parity error"))
        #expect(human.stdout.contains("#2 B9 \"9\""))
        let json = try await ParleyctlTests.parleyctl(["decode", "--mode", "v21", "--json", wav.path])
        let object = try JSONValue.parse(json.stdout.trimmingCharacters(in: .newlines))
        #expect(object.at("parity_errors")?.integers == [1])
        #expect(object.at("bytes")?.integers == bytes.map(Int64.init))
        #expect(object.at("text")?.stringValue == "9\u{FFFD}9")
    }

    // MARK: - Caller ID

    /// An MDMF call set-up message (ETSI EN 300 659-3), checksum worked out here: the two's
    /// complement of the byte sum.
    static func mdmf(_ parameters: [(UInt8, String)], corruptChecksum: Bool = false) -> [UInt8] {
        var body: [UInt8] = []
        for (type, value) in parameters { body += [type, UInt8(value.utf8.count)] + Array(value.utf8) }
        let message = [0x80, UInt8(body.count)] + body
        let sum = message.reduce(0) { ($0 + Int($1)) % 256 }
        return message + [UInt8((256 - sum) % 256) ^ (corruptChecksum ? 0x01 : 0)]
    }

    @Test(arguments: [
        (
            mdmf([(0x01, "11231754"), (0x02, "01632960123"), (0x07, "JOHN SMITH")]),
            ["V.23", "MDMF", "number 01632960123", "name \"JOHN SMITH\"", "date/time 11231754", "checksum OK"],
            ["standard": "v23", "number": "01632960123", "name": "JOHN SMITH", "date_time": "11231754", "checksum_valid": true] as JSONValue
        ),
        (
            mdmf([(0x01, "03150930"), (0x04, "P"), (0x08, "P")]),
            ["number withheld", "name withheld", "date/time 03150930", "checksum OK"],
            ["number": nil, "number_absence": "withheld", "name_absence": "withheld", "checksum_valid": true] as JSONValue
        ),
        (
            mdmf([(0x02, "01632960123")], corruptChecksum: true),
            ["checksum BAD", "bytes 80 0D 02 0B 30"],
            ["checksum_valid": false, "number": nil] as JSONValue
        ),
    ] as [([UInt8], [String], JSONValue)])
    func callerIDBurstsArePrintedWithTheirFields(message: [UInt8], shown: [String], fields: JSONValue) async throws {
        let wav = Tools.temporaryFile("wav")
        defer { Tools.remove(wav) }
        try Tools.writeWAV(Tools.callerIDBurst(message, sampleRate: 8000), sampleRate: 8000, to: wav)
        let human = try await ParleyctlTests.parleyctl(["decode", "--mode", "callerid", wav.path])
        #expect(human.status == 0, "\(human.stderr)")
        for text in shown { #expect(human.stdout.contains(text), "\(human.stdout)") }

        let json = try await ParleyctlTests.parleyctl(["decode", "--mode", "callerid", "--json", wav.path])
        let object = try JSONValue.parse(json.stdout.trimmingCharacters(in: .newlines))
        #expect(object.at("mode") == "callerid")
        #expect(object.at("bytes")?.integers == message.map(Int64.init))
        guard case .object(let expected) = fields else { return }
        for (key, value) in expected { #expect(object.at(key) == value, "\(key)") }
        // The burst starts after 0.1 s of silence, 120 seizure and 80 mark bits at 1200 bit/s.
        let time = try #require(object.at("time")?.doubleValue)
        #expect(abs(time - (0.1 + 200.0 / 1200)) < 0.01)
    }

    // MARK: - DTMF and selcall

    /// sox's `synth` as one effects chain per piece, joined end to end.
    static func soxSynth(_ pieces: [[String]], sampleRate: Int) throws -> URL {
        let url = Tools.temporaryFile("wav")
        var arguments = ["-n", "-r", String(sampleRate), "-b", "16", "-c", "1", url.path]
        for (index, piece) in pieces.enumerated() {
            if index > 0 { arguments.append(":") }
            arguments += piece
        }
        let run = try Tools.run("/usr/bin/sox", arguments)
        try #require(run.status == 0, "\(run.stderr)")
        return url
    }

    static let silence = ["synth", "0.3", "sine", "0", "vol", "0"]

    /// "1*5" as 697+1209, 941+1209, 770+1336 Hz (Q.23), 60 ms each with 60 ms pauses, then
    /// 1.2 s later "90" (852+1477, 941+1336).
    static func dtmfPieces() -> [[String]] {
        func key(_ low: Int, _ high: Int) -> [String] {
            ["synth", "0.06", "sine", String(low), "synth", "0.06", "sine", "mix", String(high), "vol", "0.3", "pad", "0", "0.06"]
        }
        return [silence, key(697, 1209), key(941, 1209), key(770, 1336), ["synth", "1.2", "sine", "0", "vol", "0"], key(852, 1477), key(941, 1336), silence]
    }

    @Test(arguments: [8000, 44100])
    func dtmfDigitStringsArePrintedWithTheirTimes(sampleRate: Int) async throws {
        let wav = try Self.soxSynth(Self.dtmfPieces(), sampleRate: sampleRate)
        defer { Tools.remove(wav) }
        let human = try await ParleyctlTests.parleyctl(["decode", "--mode", "dtmf", wav.path])
        #expect(human.status == 0, "\(human.stderr)")
        let lines = human.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 3, "\(human.stdout)")
        // "TIME  DTMF  "DIGITS"  ends TIME  digits at TIME TIME …", times within 6 ms.
        func times(_ line: String) -> [Double] { line.split(separator: " ").compactMap { Double($0) } }
        #expect(lines[0].contains("  DTMF  \"1*5\"  ends "), "\(lines[0])")
        #expect(lines[1].contains("  DTMF  \"90\"  ends "), "\(lines[1])")
        for (line, expected) in zip(lines, [[0.3, 0.6, 0.3, 0.42, 0.54], [1.86, 2.04, 1.86, 1.98]]) {
            let got = times(line)
            #expect(got.count == expected.count && zip(got, expected).allSatisfy { abs($0 - $1) <= 0.006 }, "\(line)")
        }
        #expect(lines[2].contains("2 found") && lines[2].contains("\(sampleRate) Hz (dtmf)"))

        let json = try await ParleyctlTests.parleyctl(["decode", "--mode", "dtmf", "--json", wav.path])
        #expect(json.status == 0, "\(json.stderr)")
        let objects = try json.stdout.split(separator: "\n").map { try JSONValue.parse(String($0)) }
        try #require(objects.count == 2)
        #expect(objects[0].at("mode") == "dtmf")
        #expect(objects[0].at("digits") == "1*5")
        #expect(objects[1].at("digits") == "90")
        let digitTimes = objects[0].at("digit_times")?.arrayValue ?? []
        let times = digitTimes.compactMap { $0.doubleValue }
        #expect(times.count == 3)
        for (time, expected) in zip(times, [0.3, 0.42, 0.54]) { #expect(abs(time - expected) <= 0.006, "\(times)") }
        let end = try #require(objects[1].at("end")?.doubleValue)
        #expect(abs(end - 2.04) <= 0.006)
    }

    /// "12234" — the second 2 as the repeat tone — in each standard's tones and length,
    /// written out here from the standards.
    @Test(arguments: [
        ("ccir", "CCIR", [1124, 1197, 2110, 1275, 1358], 0.1),
        ("zvei1", "ZVEI1", [1060, 1160, 2600, 1270, 1400], 0.07),
        ("eea", "EEA", [1124, 1197, 2110, 1275, 1358], 0.04),
    ] as [(String, String, [Int], Double)])
    func selcallIdsArePrintedWithTheirTones(mode: String, name: String, tones: [Int], seconds: Double) async throws {
        let pieces = [Self.silence] + tones.map { ["synth", String(seconds), "sine", String($0), "vol", "0.5"] } + [Self.silence]
        let wav = try Self.soxSynth(pieces, sampleRate: 16000)
        defer { Tools.remove(wav) }
        let human = try await ParleyctlTests.parleyctl(["decode", "--mode", mode, wav.path])
        #expect(human.status == 0, "\(human.stderr)")
        let lines = human.stdout.split(separator: "\n").map(String.init)
        try #require(lines.count == 2, "\(human.stdout)")
        let end = Decoding.seconds(0.3 + 5 * seconds)
        #expect(lines[0] == "0.300  \(name)  id 12234  tones 12E34  ends \(end)", "\(lines[0])")
        #expect(lines[1].contains("1 found"))

        let json = try await ParleyctlTests.parleyctl(["decode", "--mode", mode, "--json", wav.path])
        let object = try JSONValue.parse(json.stdout.trimmingCharacters(in: .newlines))
        #expect(object.at("mode")?.stringValue == mode)
        #expect(object.at("id") == "12234")
        #expect(object.at("tones") == "12E34")
        #expect(abs((object.at("time")?.doubleValue ?? 0) - 0.3) <= 0.006)

        // The other standards' decoders find nothing in it.
        for other in ["ccir", "zvei1", "eea"] where other != mode {
            let run = try await ParleyctlTests.parleyctl(["decode", "--mode", other, "--json", wav.path])
            #expect(run.stdout.isEmpty, "\(other): \(run.stdout)")
        }
    }

    // MARK: - Nothing there, bad input

    @Test func silenceDecodesToNothingAndSaysSo() async throws {
        let wav = Tools.temporaryFile("wav")
        defer { Tools.remove(wav) }
        try Tools.writeWAV([Int16](repeating: 0, count: 16000), sampleRate: 16000, to: wav)
        for mode in ["tty", "v21", "callerid", "dtmf", "ccir", "zvei1", "eea"] {
            let human = try await ParleyctlTests.parleyctl(["decode", "--mode", mode, wav.path])
            #expect(human.status == 0, "\(human.stderr)")
            #expect(human.stdout == "nothing decoded in 1.000 s of audio at 16000 Hz (\(mode))\n")
            let json = try await ParleyctlTests.parleyctl(["decode", "--mode", mode, "--json", wav.path])
            #expect(json.status == 0)
            #expect(json.stdout.isEmpty)
            #expect(json.stderr.contains("nothing decoded"))
        }
    }

    @Test func chunksBeforeTheAudioAreSkipped() async throws {
        let plain = try Tools.minimodemWAV(["tdd"], sampleRate: 8000, input: Data("GA".utf8))
        let padded = Tools.temporaryFile("wav")
        defer { Tools.remove(plain, padded) }
        // An odd-sized LIST chunk (padded to even) between fmt and data.
        var bytes = [UInt8](try Data(contentsOf: plain))
        let data = try #require(Tools.chunkOffset("data", in: bytes))
        let list: [UInt8] = Array("LIST".utf8) + [5, 0, 0, 0] + Array("INFOx".utf8) + [0]
        bytes.insert(contentsOf: list, at: data)
        try Data(bytes).write(to: padded)
        let run = try await ParleyctlTests.parleyctl(["decode", "--mode", "tty", "--json", padded.path])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(try JSONValue.parse(run.stdout.trimmingCharacters(in: .newlines)).at("text") == "GA")
    }

    /// How to turn the good 8 kHz file into a bad one (sox arguments after the input), the
    /// mode, and what the message must say.
    @Test(arguments: [
        (["-c", "2"], "tty", ["2 channels", "sox"]),
        (["-b", "8"], "tty", ["8-bit samples", "sox"]),
        (["-e", "a-law"], "v21", ["A-law encoding", "sox"]),
        (["-r", "4000"], "callerid", ["4000 Hz", "at least 6000 Hz", "sox"]),
    ] as [([String], String, [String])])
    func unusableWAVFilesAreRefusedWithWhatToDo(conversion: [String], mode: String, message: [String]) async throws {
        let good = try Tools.minimodemWAV(["tdd"], sampleRate: 8000, input: Data("GA".utf8))
        let bad = Tools.temporaryFile("wav")
        defer { Tools.remove(good, bad) }
        let sox = try Tools.run("/usr/bin/sox", [good.path] + conversion + [bad.path])
        #expect(sox.status == 0, "\(sox.stderr)")
        let run = try await ParleyctlTests.parleyctl(["decode", "--mode", mode, bad.path])
        #expect(run.status == 1)
        #expect(run.stdout.isEmpty)
        #expect(run.stderr.contains(bad.path))
        for text in message { #expect(run.stderr.contains(text), "\(run.stderr)") }
    }

    @Test func aFileThatIsNotAWAVOrIsMissingIsRefused() async throws {
        let text = Tools.temporaryFile("wav")
        defer { Tools.remove(text) }
        try Data("this is not audio\n".utf8).write(to: text)
        let notWAV = try await ParleyctlTests.parleyctl(["decode", "--mode", "tty", text.path])
        #expect(notWAV.status == 1)
        #expect(notWAV.stderr.contains("\(text.path) is not a WAV file"))
        #expect(notWAV.stderr.contains("sox \(text.path) -b 16 -c 1"))

        let missing = try await ParleyctlTests.parleyctl(["decode", "--mode", "v21", "/nonexistent/call.wav"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("cannot open /nonexistent/call.wav"))

        let usage = try await ParleyctlTests.parleyctl(["decode", "--mode", "v21", "--table", "ita2", text.path])
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("--table applies to --mode tty only"))
    }
}

/// Seconds as parleyctl prints them: three decimals.
private enum Decoding {
    static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }
}

/// External programs, WAV files and FSK for the decode tests.
private enum Tools {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static func temporaryFile(_ suffix: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("parleyctl-decode-\(UUID().uuidString).\(suffix)")
    }

    static func remove(_ urls: URL...) {
        for url in urls { try? FileManager.default.removeItem(at: url) }
    }

    static func run(_ executable: String, _ arguments: [String], input: Data = Data()) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let inPipe = Pipe(), outPipe = Pipe()
        // stderr to a file so a chatty program cannot fill a pipe and stall.
        let errFile = temporaryFile("stderr")
        _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
        defer { remove(errFile) }
        let errHandle = try FileHandle(forWritingTo: errFile)
        process.standardInput = inPipe
        process.standardOutput = outPipe
        process.standardError = errHandle
        try process.run()
        try errHandle.close()
        inPipe.fileHandleForWriting.write(input)
        try inPipe.fileHandleForWriting.close()
        let out = outPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let err = (try? Data(contentsOf: errFile)) ?? Data()
        return Run(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
    }

    /// A WAV file minimodem transmitted `input` into.
    static func minimodemWAV(_ arguments: [String], sampleRate: Int, input: Data) throws -> URL {
        let wav = temporaryFile("wav")
        let run = try run("/usr/bin/minimodem", ["--tx", "-R", String(sampleRate), "-f", wav.path] + arguments, input: input)
        try #require(run.status == 0, "minimodem: \(run.stderr)")
        return wav
    }

    /// 16-bit mono PCM WAV with the canonical 44-byte header.
    static func writeWAV(_ samples: [Int16], sampleRate: Int, to url: URL) throws {
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        data.append(contentsOf: Array("RIFF".utf8))
        append(UInt32(36 + samples.count * 2))
        data.append(contentsOf: Array("WAVEfmt ".utf8))
        append(UInt32(16))
        append(UInt16(1))
        append(UInt16(1))
        append(UInt32(sampleRate))
        append(UInt32(sampleRate * 2))
        append(UInt16(2))
        append(UInt16(16))
        data.append(contentsOf: Array("data".utf8))
        append(UInt32(samples.count * 2))
        for sample in samples { append(sample) }
        try data.write(to: url)
    }

    /// Where chunk `id`'s header starts in a RIFF file.
    static func chunkOffset(_ id: String, in bytes: [UInt8]) -> Int? {
        var offset = 12
        while offset + 8 <= bytes.count {
            let size = Int(bytes[offset + 4]) | Int(bytes[offset + 5]) << 8 | Int(bytes[offset + 6]) << 16 | Int(bytes[offset + 7]) << 24
            if bytes[offset..<offset + 4].elementsEqual(id.utf8) { return offset }
            offset += 8 + size + (size & 1)
        }
        return nil
    }

    /// A V.23 caller-ID burst (BT SIN227 / EN 300 659-1): 0.1 s silence, 120 bits of channel
    /// seizure (alternating, starting with space), 80 bits of mark, the message as 8N1
    /// characters, 4 bits of mark, 0.2 s silence. 1200 bit/s, mark 1300 Hz, space 2100 Hz,
    /// continuous phase, each bit edge on the sample nearest its exact time.
    static func callerIDBurst(_ message: [UInt8], sampleRate: Int) -> [Int16] {
        var bits: [Bool] = (0..<120).map { $0 % 2 == 1 } + [Bool](repeating: true, count: 80)
        for byte in message {
            bits += [false] + (0..<8).map { (byte >> $0) & 1 == 1 } + [true]
        }
        bits += [true, true, true, true]
        let rate = Double(sampleRate)
        var samples = [Int16](repeating: 0, count: sampleRate / 10)
        var phase = 0.0
        let start = samples.count
        for (index, bit) in bits.enumerated() {
            let end = start + Int((Double(index + 1) * rate / 1200).rounded())
            let step = 2 * Double.pi * (bit ? 1300 : 2100) / rate
            while samples.count < end {
                samples.append(Int16((16000 * sin(phase)).rounded()))
                phase += step
            }
        }
        return samples + [Int16](repeating: 0, count: sampleRate / 5)
    }
}

extension Array where Element: Equatable {
    fileprivate func containsSequence(_ other: [Element]) -> Bool {
        guard other.count <= count else { return false }
        return (0...(count - other.count)).contains { Array(self[$0..<$0 + other.count]) == other }
    }
}

extension JSONValue {
    /// The elements of an array of integers.
    fileprivate var integers: [Int64]? {
        guard case .array(let values) = self else { return nil }
        let integers = values.compactMap { $0.intValue }
        return integers.count == values.count ? integers : nil
    }

    fileprivate var doubleValue: Double? {
        switch self {
        case .double(let value): value
        case .int(let value): Double(value)
        default: nil
        }
    }
}
