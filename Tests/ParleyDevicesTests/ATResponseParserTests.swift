import ParleyDevices
import Testing

struct ATResponseParserTests {
    /// A GSM modem's answer to AT+CMGR (3GPP TS 27.005 §3.4.3, PDU mode), then an unsolicited
    /// new-message indication, an echoed command and a +CMS ERROR.
    static let transcript = Array((
        "AT+CMGR=3\r\r\n+CMGR: 0,,24\r\n0791447758100650040C914477123456780000112032\r\n\r\nOK\r\n"
        + "\r\n+CMTI: \"SM\",4\r\n"
        + "\r\n+CMS ERROR: 321\r\n"
        + "\r\nRING\r\n\r\nDATE = 1123\r\nNMBR = P\r\n"
        + "\r\nCONNECT 9600\r\n\r\nNO CARRIER\r\n\r\n+CME ERROR: SIM busy\r\n"
    ).utf8)

    static let expected: [ATParserOutput] = [
        .response(.echo("AT+CMGR=3")),
        .response(.prefixed(name: "+CMGR", value: "0,,24")),
        .response(.text("0791447758100650040C914477123456780000112032")),
        .response(.ok),
        .response(.prefixed(name: "+CMTI", value: "\"SM\",4")),
        .response(.messageServiceError(ATDeviceError(.messageService, code: 321))),
        .response(.ring),
        .response(.text("DATE = 1123")),
        .response(.text("NMBR = P")),
        .response(.connect("9600")),
        .response(.noCarrier),
        .response(.equipmentError(ATDeviceError(.equipment, field: "SIM busy"))),
    ]

    @Test func aTranscriptAllAtOnce() {
        var parser = ATResponseParser()
        #expect(parser.feed(Self.transcript) == Self.expected)
        #expect(!parser.hasPartialLine)
    }

    @Test(arguments: [1, 2, 3, 7, 64])
    func theSameTranscriptInChunks(size: Int) {
        var parser = ATResponseParser()
        var outputs: [ATParserOutput] = []
        var index = 0
        while index < Self.transcript.count {
            outputs += parser.feed(Self.transcript[index..<min(index + size, Self.transcript.count)])
            index += size
        }
        #expect(outputs == Self.expected)
    }

    @Test func errorCodesAreNamedFromTheStandards() {
        #expect(ATDeviceError(.messageService, code: 321).name == "invalid memory index")
        #expect(ATDeviceError(.messageService, code: 322).description == "322 (memory full)")
        #expect(ATDeviceError(.messageService, code: 330).name == "SMSC address unknown")
        #expect(ATDeviceError(.messageService, code: 38).name == "network out of order")
        #expect(ATDeviceError(.equipment, code: 10).name == "SIM not inserted")
        #expect(ATDeviceError(.equipment, code: 9999).name == "unknown error 9999")
        #expect(ATDeviceError(.equipment, field: " operation not allowed ").code == nil)
        #expect(ATDeviceError(.equipment, field: "").name == "unspecified")
    }

    @Test func thePromptNeedsNoLineEnd() {
        var parser = ATResponseParser()
        #expect(parser.feed(Array("AT+CMGS=23\r\r\n> ".utf8)) == [.response(.echo("AT+CMGS=23")), .response(.prompt)])
        #expect(!parser.hasPartialLine)
        // "> " in the middle of a line is text, not a prompt.
        #expect(parser.feed(Array("a > b\r\n".utf8)) == [.response(.text("a > b"))])
    }

    @Test func anOverlongLineIsReportedOnceWithItsFirstBytesAndTheNextLineIsFine() throws {
        var parser = ATResponseParser(maxLineBytes: 16)
        let outputs = parser.feed(Array(String(repeating: "A", count: 100).utf8) + Array("\r\nOK\r\n".utf8))
        try #require(outputs.count == 2)
        guard case .malformed(let bad) = outputs[0] else { Issue.record("expected malformed"); return }
        #expect(bad.reason == .overlong)
        #expect(bad.length == 100)
        #expect(bad.bytes == Array(repeating: 0x41, count: 16))
        #expect(outputs[1] == .response(.ok))
    }

    @Test func garbageIsReportedInHexAndSurvived() throws {
        var parser = ATResponseParser()
        let noise: [UInt8] = [0xFF, 0x00, 0x41, 0x80, 0x1B]
        let outputs = parser.feed(noise + Array("\r\n+CMTI: \"SM\",1\r\n".utf8))
        try #require(outputs.count == 2)
        guard case .malformed(let bad) = outputs[0] else { Issue.record("expected malformed"); return }
        #expect(bad.reason == .garbage)
        #expect(bad.hex == "ff 00 41 80 1b")
        #expect(outputs[1] == .response(.prefixed(name: "+CMTI", value: "\"SM\",1")))
        #expect(ATMalformedInput.hex([1, 2], total: 40) == "01 02 …")
    }

    @Test func aPartialLineAtEndOfInputIsFlushedByFinish() {
        var parser = ATResponseParser()
        #expect(parser.feed(Array("+CTXG: 1".utf8)).isEmpty)
        #expect(parser.hasPartialLine)
        #expect(parser.finish() == [.response(.prefixed(name: "+CTXG", value: "1"))])
        #expect(parser.finish().isEmpty)
    }

    @Test(arguments: [
        ("\"SM\",3", ["SM", "3"]),
        ("0,,24", ["0", "", "24"]),
        ("1,\"a,b\", 7", ["1", "a,b", "7"]),
        ("", [""]),
    ] as [(String, [String])])
    func fieldsSplitOnCommasOutsideQuotes(value: String, fields: [String]) {
        #expect(ATResponse.fields(of: value) == fields)
    }

    @Test(arguments: [
        ("OK", true), ("ERROR", true), ("BUSY", true), ("NO ANSWER", true), ("NO DIALTONE", true),
        ("RING", false), ("+CMTI: \"SM\",1", false), ("VCON", false),
    ] as [(String, Bool)])
    func finalResultCodesEndACommand(line: String, final: Bool) {
        #expect(ATResponseParser.classify(line).isFinal == final)
    }
}
