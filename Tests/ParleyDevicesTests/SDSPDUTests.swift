import ParleyDevices
import Testing

/// TETRA SDS user data, hex as a PEI terminal passes it. The text vectors were built by hand
/// from EN 300 392-2 §29 (protocol identifier, SDS-TL header octet, message reference, text
/// coding octet, text) and checked with Python (`bytes.hex()` of the Latin 1 / UTF-16-BE text).
struct SDSVector: Sendable, CustomTestStringConvertible {
    var name: String
    var service: Int
    var bits: Int
    var hex: String
    var message: SDSMessage
    var testDescription: String { name }
}

@Suite("TETRA SDS PDUs")
struct SDSPDUTests {
    static let decoded: [SDSVector] = [
        SDSVector(name: "status 0 (emergency)", service: 13, bits: 16, hex: "0000", message: .status(0)),
        SDSVector(name: "status 0x8002", service: 13, bits: 16, hex: "8002", message: .status(0x8002)),
        SDSVector(name: "status 0xFFFF", service: 13, bits: 16, hex: "ffff", message: .status(0xFFFF)),
        SDSVector(name: "SDS-TL text, no report", service: 12, bits: 56, hex: "82000501414243",
                  message: .text(SDSText(text: "ABC", coding: .latin1, transport: .transportLayer(reference: 5, reportRequest: .none)))),
        SDSVector(name: "SDS-TL text, Latin 1 accent, consumed report", service: 12, bits: 56, hex: "820811016361E9",
                  message: .text(SDSText(text: "caé", coding: .latin1, transport: .transportLayer(reference: 0x11, reportRequest: .consumed)))),
        SDSVector(name: "SDS-TL text with time stamp", service: 12, bits: 72, hex: "820001814A2B3C4F4B",
                  message: .text(SDSText(text: "OK", coding: .latin1, transport: .transportLayer(reference: 1, reportRequest: .none),
                                         timestamp: 0x4A2B3C))),
        SDSVector(name: "SDS-TL text, stored, forward to an SSI", service: 12, bits: 80, hex: "820109F9001001014869",
                  message: .text(SDSText(text: "Hi", coding: .latin1, transport: .transportLayer(reference: 9, reportRequest: .none)))),
        SDSVector(name: "SDS-TL text, UCS-2", service: 12, bits: 48, hex: "820002" + "1A" + "20AC",
                  message: .text(SDSText(text: "€", coding: .ucs2, transport: .transportLayer(reference: 2, reportRequest: .none)))),
        SDSVector(name: "simple text", service: 12, bits: 40, hex: "0201486921",
                  message: .text(SDSText(text: "Hi!", coding: .latin1, transport: .simple))),
        SDSVector(name: "SDS-TL report: received", service: 12, bits: 32, hex: "8210002A",
                  message: .report(SDSReport(status: 0, reference: 0x2A))),
        SDSVector(name: "LIP, passed through", service: 12, bits: 24, hex: "0A1234",
                  message: .other(protocolID: 0x0A, octets: [0x12, 0x34])),
        SDSVector(name: "length shorter than the data", service: 13, bits: 16, hex: "800200", message: .status(0x8002)),
    ]

    @Test(arguments: decoded)
    func decodes(vector: SDSVector) throws {
        #expect(try SDSPDU.decode(aiService: vector.service, bits: vector.bits, hex: vector.hex) == vector.message)
    }

    static let undecodable: [(String, Int, Int, String)] = [
        ("odd hex", 13, 16, "800"),
        ("not hex", 13, 16, "80GG"),
        ("status of 8 bits", 13, 8, "80"),
        ("length longer than the data", 12, 64, "8200"),
        ("empty type 4", 12, 0, ""),
        ("SDS-TL header cut short", 12, 16, "8200"),
        ("unknown text coding", 12, 40, "8200057F41"),
        ("odd UCS-2", 12, 40, "8200021A20"),
        ("time stamp cut short", 12, 48, "820001814A2B"),
        ("SDS-TL message type 5", 12, 32, "82500001"),
        ("SDS type 1", 9, 16, "1234"),
        ("speech service", 0, 16, "1234"),
    ]

    @Test(arguments: undecodable)
    func refusesUndecodableData(name: String, service: Int, bits: Int, hex: String) {
        #expect(throws: SDSPDUError.self, "\(name)") { try SDSPDU.decode(aiService: service, bits: bits, hex: hex) }
    }

    static let encodedTexts: [(String, UInt8, SDSReportRequest, String)] = [
        ("On way", 7, .none, "820007014F6E20776179"),
        ("Hi", 0xFF, .received, "8204FF014869"),
        ("£5", 1, .receivedAndConsumed, "820C0101A335"),
        ("€1", 3, .none, "8200031A20AC0031"),
    ]

    @Test(arguments: encodedTexts)
    func encodesTextLatin1WhenItFitsUCS2Otherwise(text: String, reference: UInt8, request: SDSReportRequest, hex: String) throws {
        let payload = try SDSPDU.text(text, reference: reference, reportRequest: request)
        #expect(payload.aiService == 12)
        #expect(payload.hex == hex)
        #expect(payload.bits == hex.count * 4)
        // And back.
        let decoded = try SDSPDU.decode(aiService: 12, bits: payload.bits, hex: payload.hex)
        #expect(decoded == .text(SDSText(text: text, coding: text.unicodeScalars.allSatisfy { $0.value <= 0xFF } ? .latin1 : .ucs2,
                                         transport: .transportLayer(reference: reference, reportRequest: request))))
    }

    @Test(arguments: [(UInt16(0), "0000"), (0x8002, "8002"), (0xFEFF, "FEFF")])
    func encodesStatus(value: UInt16, hex: String) throws {
        let payload = SDSPDU.status(value)
        #expect(payload.aiService == 13)
        #expect(payload.bits == 16)
        #expect(payload.hex == hex)
        #expect(try SDSPDU.decode(aiService: 13, bits: 16, hex: hex) == .status(value))
    }

    @Test func refusesEmptyAndOverlongText() {
        #expect(throws: SDSPDUError.self) { try SDSPDU.text("", reference: 0) }
        #expect(throws: Never.self) { try SDSPDU.text(String(repeating: "x", count: 251), reference: 0) }
        #expect(throws: SDSPDUError.self) { try SDSPDU.text(String(repeating: "x", count: 252), reference: 0) }
        #expect(throws: SDSPDUError.self) { try SDSPDU.text(String(repeating: "€", count: 126), reference: 0) }
    }

    @Test(arguments: [
        ("2001", TETRAIdentity(ssi: 2001)),
        ("16777215", TETRAIdentity(ssi: 16_777_215)),
        ("23426000002001", TETRAIdentity(ssi: 2001, tsi: "23426000002001")),
        ("16777216", nil), ("", nil), ("12a", nil), ("123456789012345678", nil), ("-1", nil),
    ] as [(String, TETRAIdentity?)])
    func parsesIdentities(field: String, identity: TETRAIdentity?) {
        #expect(TETRAIdentity(field: field) == identity)
    }
}
