import Foundation
import ParleyCore
import ParleyDevices
import Testing

private let dle: UInt8 = 0x10
private let etx: UInt8 = 0x03
private let sub: UInt8 = 0x1A
private func ascii(_ character: Character) -> UInt8 { character.asciiValue ?? 0 }

/// The DLE shielding codec, shielded-code classification, caller-ID lines and the sample
/// formats. Tables are from ITU-T V.253 (shielded codes, formatted caller ID) and G.711; the
/// sample conversions are checked against sox.
struct VoiceModemShieldingTests {
    @Test(arguments: [
        ([], []),
        ([0x80, 0x7F], [0x80, 0x7F]),
        ([dle], [dle, dle]),
        ([0x01, dle, dle, 0x02], [0x01, dle, dle, dle, dle, 0x02]),
        ([etx, sub, 0x18], [etx, sub, 0x18]),
    ] as [([UInt8], [UInt8])])
    func encodingDoublesEveryDLE(audio: [UInt8], shielded: [UInt8]) {
        #expect(VoiceModemShielding.encode(audio) == shielded)
        #expect(VoiceModemShielding.encodeStream(audio) == shielded + [dle, etx])
    }

    struct DecodeCase: Sendable, CustomTestStringConvertible {
        var name: String
        var input: [UInt8]
        var items: [VoiceModemShieldingDecoder.Item]
        var remainder: [UInt8] = []
        var pendingDLE = false
        var testDescription: String { name }
    }

    static let decodeCases: [DecodeCase] = [
        DecodeCase(name: "plain audio", input: [1, 2, 3], items: [.data([1, 2, 3])]),
        DecodeCase(name: "DLE DLE is one 0x10", input: [1, dle, dle, 2], items: [.data([1, dle, 2])]),
        DecodeCase(name: "DLE SUB is two 0x10", input: [dle, sub], items: [.data([dle, dle])]),
        DecodeCase(
            name: "a DTMF digit splits the audio", input: [1, dle, ascii("5"), 2],
            items: [.data([1]), .code(ascii("5")), .data([2])]),
        DecodeCase(
            name: "DLE ETX ends the stream; the rest is command mode",
            input: [1, dle, etx] + Array("\r\nOK\r\n".utf8),
            items: [.data([1]), .endOfStream], remainder: Array("\r\nOK\r\n".utf8)),
        DecodeCase(name: "codes back to back", input: [dle, ascii("b"), dle, ascii("d")], items: [.code(ascii("b")), .code(ascii("d"))]),
        DecodeCase(name: "a DLE at the end waits for its partner", input: [7, dle], items: [.data([7])], pendingDLE: true),
        DecodeCase(name: "line noise after DLE is a code", input: [dle, 0x00, dle, 0xFF], items: [.code(0x00), .code(0xFF)]),
    ]

    @Test(arguments: decodeCases)
    func decoding(_ example: DecodeCase) {
        var decoder = VoiceModemShieldingDecoder()
        let (items, remainder) = decoder.decode(example.input)
        #expect(items == example.items)
        #expect(Array(remainder) == example.remainder)
        #expect(decoder.hasPendingDLE == example.pendingDLE)
    }

    @Test(arguments: decodeCases)
    func decodingOneByteAtATimeGivesTheSameStream(_ example: DecodeCase) {
        var decoder = VoiceModemShieldingDecoder()
        var data: [UInt8] = []
        var others: [VoiceModemShieldingDecoder.Item] = []
        var remainder: [UInt8] = []
        for (index, byte) in example.input.enumerated() {
            let (items, rest) = decoder.decode([byte])
            for item in items {
                if case .data(let bytes) = item { data += bytes } else { others.append(item) }
            }
            if items.last == .endOfStream {
                remainder = Array(rest) + Array(example.input[(index + 1)...])
                break
            }
        }
        let expectedData = example.items.flatMap { item -> [UInt8] in
            if case .data(let bytes) = item { return bytes }
            return []
        }
        #expect(data == expectedData)
        #expect(others == example.items.filter { if case .data = $0 { false } else { true } })
        #expect(remainder == example.remainder)
    }

    @Test func anyAudioSurvivesTheRoundTrip() {
        var generator = SplitMix64(seed: 42)
        for _ in 0..<200 {
            let count = Int(generator.next() % 300)
            // Biased towards the bytes that need shielding.
            let audio = (0..<count).map { _ -> UInt8 in
                let pick = generator.next()
                return pick % 3 == 0 ? [dle, etx, sub][Int(pick >> 8) % 3] : UInt8(truncatingIfNeeded: pick >> 16)
            }
            var decoder = VoiceModemShieldingDecoder()
            let (items, remainder) = decoder.decode(VoiceModemShielding.encodeStream(audio))
            let decoded = items.flatMap { item -> [UInt8] in
                if case .data(let bytes) = item { return bytes }
                return []
            }
            #expect(decoded == audio)
            #expect(items.last == .endOfStream)
            #expect(items.dropLast().allSatisfy { if case .data = $0 { true } else { false } })
            #expect(remainder.isEmpty)
        }
    }

    @Test(arguments: [
        (ascii("0"), "0", nil), (ascii("9"), "9", nil), (ascii("*"), "*", nil), (ascii("#"), "#", nil),
        (ascii("A"), "A", nil), (ascii("D"), "D", nil),
        (ascii("b"), nil, .busy), (ascii("d"), nil, .dialTone), (ascii("s"), nil, .silence), (ascii("t"), nil, .tdd),
        (ascii("L"), nil, .polarityReversal), (ascii("c"), nil, .other(ascii("c"))), (ascii("E"), nil, .other(ascii("E"))),
        (0x00, nil, nil), (0x7F, nil, nil), (0xC8, nil, nil),
    ] as [(UInt8, Character?, VoiceModemTone?)])
    func shieldedCodes(code: UInt8, digit: Character?, tone: VoiceModemTone?) {
        #expect(VoiceModemTone.dtmfDigit(code: code) == digit)
        #expect(VoiceModemTone(code: code) == tone)
        if let tone { #expect(tone.code == code) }
    }

    // MARK: Caller ID

    @Test(arguments: [
        ("NMBR=01632960123", .number("01632960123")),
        ("NMBR = 01632960123", .number("01632960123")),
        ("NMBR = P", .number("P")),
        ("NMBR=O", .number("O")),
        ("NAME = ALICE SMITH", .name("ALICE SMITH")),
        ("DATE=0321", .date("0321")),
        ("TIME = 1405", .time("1405")),
        ("MESG = 800A0230", .message("800A0230")),
        ("RING", nil), ("OK", nil), ("DRON=20", nil), ("NMBR", nil),
    ] as [(String, VoiceModemCallerIDLine?)])
    func callerIDLines(line: String, parsed: VoiceModemCallerIDLine?) {
        #expect(VoiceModemCallerIDLine(line) == parsed)
    }

    @Test(arguments: [
        (["DATE = 0321", "TIME = 1405", "NMBR = 01632960123", "NAME = ALICE SMITH"],
         CallerID(time: .init(month: 3, day: 21, hour: 14, minute: 5), number: "01632960123", name: "ALICE SMITH")),
        (["NMBR = P"], CallerID(numberAbsence: .withheld)),
        (["NMBR = O", "NAME = O"], CallerID(numberAbsence: .unavailable, nameAbsence: .unavailable)),
        (["NMBR=+441632960123", "NAME=P"], CallerID(number: "+441632960123", nameAbsence: .withheld)),
        (["TIME=0930", "DATE=1225"], CallerID(time: .init(month: 12, day: 25, hour: 9, minute: 30))),
        (["DATE=12250930"], CallerID(time: .init(month: 12, day: 25, hour: 9, minute: 30))),
        (["NMBR=P", "NMBR=01632960999"], CallerID(number: "01632960999")),
    ] as [([String], CallerID)])
    func callerIDBlocks(lines: [String], callerID: CallerID) throws {
        var collector = VoiceModemCallerIDCollector()
        for line in lines { #expect(collector.add(try #require(VoiceModemCallerIDLine(line)))) }
        #expect(collector.callerID == callerID)
        #expect(collector.hasFields)
    }

    @Test(arguments: ["DATE=1341", "DATE=03", "TIME=12:30", "DATE=abcd"])
    func unreadableDatesAndTimesAreRefused(line: String) throws {
        var collector = VoiceModemCallerIDCollector()
        #expect(!collector.add(try #require(VoiceModemCallerIDLine(line))))
        #expect(collector.callerID == CallerID())
    }

    // MARK: Sample formats

    @Test(arguments: [
        (VoiceModemVoiceFormat.Encoding.signedLinear8, 0, "AT+VSM=0,8000"),
        (.unsignedLinear8, 1, "AT+VSM=1,8000"),
        (.muLaw, 4, "AT+VSM=4,8000"),
        (.aLaw, 5, "AT+VSM=5,8000"),
    ] as [(VoiceModemVoiceFormat.Encoding, Int, String)])
    func compressionMethodsAreTheV253Identifiers(encoding: VoiceModemVoiceFormat.Encoding, method: Int, command: String) {
        #expect(encoding.compressionMethod == method)
        #expect(VoiceModemVoiceFormat(encoding: encoding).command == command)
    }

    /// sox's name for each encoding (`-e`).
    static func soxEncoding(_ encoding: VoiceModemVoiceFormat.Encoding) -> String {
        switch encoding {
        case .signedLinear8: "signed-integer"
        case .unsignedLinear8: "unsigned-integer"
        case .muLaw: "u-law"
        case .aLaw: "a-law"
        }
    }

    @Test(arguments: VoiceModemVoiceFormat.Encoding.allCases)
    func decodingEveryByteMatchesSox(encoding: VoiceModemVoiceFormat.Encoding) throws {
        let all = (0...255).map { UInt8($0) }
        let soxSamples = try VoiceSox.convert(
            Data(all), from: ["-e", Self.soxEncoding(encoding), "-b", "8"], to: ["-e", "signed-integer", "-b", "16", "-L"])
        let expected = stride(from: 0, to: soxSamples.count, by: 2).map {
            Int16(bitPattern: UInt16(soxSamples[$0]) | UInt16(soxSamples[$0 + 1]) << 8)
        }
        #expect(expected.count == 256)
        #expect(VoiceModemVoiceFormat(encoding: encoding).decode(all) == expected)
    }

    @Test(arguments: VoiceModemVoiceFormat.Encoding.allCases)
    func encodingEverySampleMatchesSox(encoding: VoiceModemVoiceFormat.Encoding) throws {
        let all = (Int(Int16.min)...Int(Int16.max)).map { Int16($0) }
        var input = Data(capacity: all.count * 2)
        for sample in all {
            let bits = UInt16(bitPattern: sample)
            input.append(UInt8(bits & 0xFF))
            input.append(UInt8(bits >> 8))
        }
        let expected = Array(try VoiceSox.convert(
            input, from: ["-e", "signed-integer", "-b", "16", "-L"], to: ["-e", Self.soxEncoding(encoding), "-b", "8"]))
        let ours = VoiceModemVoiceFormat(encoding: encoding).encode(all)
        #expect(ours.count == expected.count)
        let differing = zip(ours, expected).enumerated().filter { $0.element.0 != $0.element.1 }.map { all[$0.offset] }
        #expect(differing.isEmpty, "samples encoded differently from sox: \(differing.prefix(8))")
    }

    @Test func durationsFollowTheSampleRate() {
        let format = VoiceModemVoiceFormat()
        #expect(format.duration(ofSamples: 8000) == .seconds(1))
        #expect(format.duration(ofSamples: 4) == .microseconds(500))
    }
}

/// Runs sox on raw mono 8 kHz audio (no dither, so that results are exact).
enum VoiceSox {
    static let executable = "/usr/bin/sox"

    static func convert(_ input: Data, from: [String], to: [String]) throws -> Data {
        try #require(FileManager.default.isExecutableFile(atPath: executable), "sox is not installed (apt install sox)")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-voice-sox-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inPath = directory.appendingPathComponent("in.raw")
        let outPath = directory.appendingPathComponent("out.raw")
        try input.write(to: inPath)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-D", "-t", "raw", "-r", "8000", "-c", "1"] + from + [inPath.path, "-t", "raw"] + to + [outPath.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "sox failed: \(process.arguments ?? [])")
        return try Data(contentsOf: outPath)
    }
}
