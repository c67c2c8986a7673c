import ParleyCore
import ParleyDSP
import Testing

/// The caller-ID message layer against hand-written messages: the Bellcore SDMF example and
/// messages whose checksums were worked out by hand from the standards' rule (two's complement
/// of the modulo-256 sum of type, length and body), not by the code under test.
struct CallerIDFrameTests {
    static func bytes(_ hex: String) -> [UInt8] {
        hex.split(separator: " ").map { UInt8($0, radix: 16)! }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var hex: String
        var format: CallerIDFrame.Format
        var expected: CallerID
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "Bellcore SDMF example (Sept 30 12:24, 609-555-1212)",
             hex: "04 12 30 39 33 30 31 32 32 34 36 30 39 35 35 35 31 32 31 32 51", format: .sdmf,
             expected: CallerID(time: .init(month: 9, day: 30, hour: 12, minute: 24), number: "6095551212")),
        Case(label: "SDMF withheld", hex: "04 09 30 31 30 31 31 32 30 30 50 1E", format: .sdmf,
             expected: CallerID(time: .init(month: 1, day: 1, hour: 12, minute: 0), numberAbsence: .withheld)),
        Case(label: "SDMF unavailable", hex: "04 09 31 31 33 30 31 35 34 35 4F 10", format: .sdmf,
             expected: CallerID(time: .init(month: 11, day: 30, hour: 15, minute: 45), numberAbsence: .unavailable)),
        Case(label: "SDMF UK number", hex: "04 13 30 31 30 31 31 32 30 30 30 31 36 33 32 39 36 30 31 32 33 33", format: .sdmf,
             expected: CallerID(time: .init(month: 1, day: 1, hour: 12, minute: 0), number: "01632960123")),
        Case(label: "MDMF date, number, name (GR-30 layout)",
             hex: "80 20 01 08 30 33 32 34 30 39 33 30 02 0A 36 30 39 35 35 35 31 32 31 32 07 08 4A 4F 48 4E 20 44 4F 45 7C",
             format: .mdmf,
             expected: CallerID(time: .init(month: 3, day: 24, hour: 9, minute: 30), number: "6095551212", name: "JOHN DOE")),
        Case(label: "MDMF date and number (BT)",
             hex: "80 17 01 08 31 32 32 35 31 38 33 30 02 0B 30 31 36 33 32 39 36 30 30 30 30 92", format: .mdmf,
             expected: CallerID(time: .init(month: 12, day: 25, hour: 18, minute: 30), number: "01632960000")),
        Case(label: "MDMF number and name withheld",
             hex: "80 10 01 08 31 32 32 35 31 38 33 30 04 01 50 08 01 50 23", format: .mdmf,
             expected: CallerID(time: .init(month: 12, day: 25, hour: 18, minute: 30), numberAbsence: .withheld, nameAbsence: .withheld)),
        Case(label: "MDMF number unavailable, name given",
             hex: "80 16 01 08 31 32 32 35 31 38 33 30 04 01 4F 07 07 41 4E 4E 20 4F 4E 45 8A", format: .mdmf,
             expected: CallerID(time: .init(month: 12, day: 25, hour: 18, minute: 30), numberAbsence: .unavailable, name: "ANN ONE")),
        Case(label: "MDMF international number, name withheld",
             hex: "80 1C 01 08 30 36 31 35 30 37 30 35 02 0D 2B 34 34 31 36 33 32 39 36 30 39 39 39 08 01 50 B2", format: .mdmf,
             expected: CallerID(time: .init(month: 6, day: 15, hour: 7, minute: 5), number: "+441632960999", nameAbsence: .withheld)),
        Case(label: "MDMF Latin-1 name, no date",
             hex: "80 13 02 04 30 31 36 31 07 0B 4A 4F 53 C9 20 4D DC 4C 4C 45 52 60", format: .mdmf,
             expected: CallerID(number: "0161", name: "JOSÉ MÜLLER")),
        Case(label: "MDMF with no parameters", hex: "80 00 80", format: .mdmf, expected: CallerID()),
    ]

    @Test(arguments: cases)
    func handWrittenMessagesParseToTheirCallerID(_ testCase: Case) throws {
        let bytes = Self.bytes(testCase.hex)
        #expect(bytes.reduce(UInt8(0), &+) == 0, "the table's checksum must make the bytes sum to zero")
        let frame = try CallerIDFrame.parse(bytes)
        #expect(frame.isChecksumValid)
        #expect(frame.format == testCase.format)
        #expect(frame.callerID == testCase.expected)
        #expect(frame.bytes == bytes)
        #expect(CallerIDFrame.checksum(of: bytes.dropLast()) == bytes.last)
    }

    /// The encoder must produce every table message byte for byte (the table keeps the order
    /// it sends: date, number or its absence, name or its absence).
    @Test(arguments: cases)
    func encodingACallerIDGivesTheHandWrittenBytes(_ testCase: Case) {
        var callerID = testCase.expected
        if testCase.format == .sdmf { callerID.name = nil }
        #expect(CallerIDFrame(callerID: callerID, format: testCase.format).bytes == Self.bytes(testCase.hex))
    }

    @Test func theChecksumIsTheTwosComplementOfTheSum() {
        #expect(CallerIDFrame.checksum(of: []) == 0)
        #expect(CallerIDFrame.checksum(of: [0x80, 0x00]) == 0x80)
        #expect(CallerIDFrame.checksum(of: [0x01]) == 0xFF)
        #expect(CallerIDFrame.checksum(of: [0xFF, 0xFF, 0x02]) == 0x00)
    }

    @Test func calledNumberAndUnknownParametersAreSkipped() throws {
        // E0 (operator use), number 999, 03 called line 101, empty name: hand-summed checksum 0x37.
        let frame = try CallerIDFrame.parse(Self.bytes("80 11 E0 03 01 02 03 02 03 39 39 39 03 03 31 30 31 07 00 37"))
        #expect(frame.isChecksumValid)
        #expect(frame.parameters.map(\.type) == [0xE0, 0x02, 0x03, 0x07])
        #expect(frame.callerID == CallerID(number: "999", name: ""))
    }

    @Test func etsiCallTypeAndCalledLineDoNotDisturbTheNumber() throws {
        let frame = try CallerIDFrame.parse(Self.bytes(
            "80 23 01 08 31 32 32 35 31 38 33 30 03 07 30 32 30 31 32 33 34 02 0B 30 31 36 33 32 39 36 30 30 30 30 11 01 00 0E"
        ))
        #expect(frame.isChecksumValid)
        #expect(frame.callerID == CallerID(time: .init(month: 12, day: 25, hour: 18, minute: 30), number: "01632960000"))
    }

    @Test func aWrongChecksumStillParsesButIsMarkedInvalid() throws {
        var bytes = Self.bytes(Self.cases[0].hex)
        bytes[bytes.count - 1] &+= 1
        let frame = try CallerIDFrame.parse(bytes)
        #expect(!frame.isChecksumValid)
        #expect(frame.checksum == 0x52)
    }

    @Test(arguments: [
        ("", 0), ("80", 1), ("80 17 01 08 31 32", 6), ("04 12 30 39 33 30 31 32 32 34 36 30 39 35 35 35 31 32 31 32", 20),
    ])
    func messagesShorterThanTheirLengthByteAreTruncated(hex: String, received: Int) {
        #expect {
            try CallerIDFrame.parse(Self.bytes(hex))
        } throws: { error in
            guard let error = error as? CallerIDFrame.ParseError else { return false }
            return error.isTruncated && error.description.hasPrefix("truncated:") && error.description.contains("\(received)")
        }
    }

    @Test(arguments: [
        "80 03 02 05 31 75",          // parameter says 5 bytes, 1 left
        "80 01 02 7D",                // parameter type without a length byte
        "04 03 30 31 32 96",          // SDMF without the 8 date digits
        "80 00 80 00",                // a byte after the checksum
    ])
    func structurallyBrokenMessagesAreMalformed(hex: String) {
        #expect {
            try CallerIDFrame.parse(Self.bytes(hex))
        } throws: { error in
            guard let error = error as? CallerIDFrame.ParseError else { return false }
            return !error.isTruncated && error.description.hasPrefix("malformed:")
        }
    }

    @Test func otherMessageTypesParseWithoutACallerID() throws {
        // Message waiting indicator (0x82), visual indicator on.
        let frame = try CallerIDFrame.parse(Self.bytes("82 03 0B 01 FF 70"))
        #expect(frame.isChecksumValid)
        #expect(frame.format == nil)
        #expect(frame.callerID == nil)
    }

    @Test func overlongValuesAreCutToFitTheLengthBytes() throws {
        let name = String(repeating: "N", count: 300)
        let frame = CallerIDFrame(callerID: CallerID(number: "123", name: name), format: .mdmf)
        #expect(frame.body.count == 255)
        let parsed = try CallerIDFrame.parse(frame.bytes)
        #expect(parsed.isChecksumValid)
        #expect(parsed.callerID?.number == "123")
        #expect(parsed.callerID?.name == String(repeating: "N", count: 255 - 5 - 2))
    }

    @Test func fuzzingNeverTraps() {
        var seed: UInt64 = 0x5EED
        func next() -> UInt8 {
            seed = seed &* 6364136223846793005 &+ 1442695040888963407
            return UInt8(truncatingIfNeeded: seed >> 33)
        }
        var inputs: [[UInt8]] = [[], [0x80], [0x80, 0xFF], [0x04, 0x00, 0xFC], [0x80, 0x02, 0x02, 0xFF]]
        inputs += Self.cases.map { Self.bytes($0.hex) }
        for length in [1, 2, 3, 7, 33, 64, 200, 700] {
            inputs.append((0..<length).map { _ in next() })
        }
        // The first byte chooses the audio path: every input through each.
        for input in inputs {
            CallerIDFuzz.fuzzOne(input)
            for path in 0..<CallerIDFuzz.pathCount { CallerIDFuzz.fuzzOne([UInt8(path)] + input) }
        }
    }
}
