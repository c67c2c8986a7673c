import ParleyControl
import Testing

@Suite("Control line decoder")
struct ControlLineDecoderTests {
    /// Feeds `input` in chunks of `chunkSize` bytes and collects the outputs as text.
    private static func decode(_ input: String, max: Int, chunkSize: Int) -> ([String], ControlLineDecoder.Ending) {
        var decoder = ControlLineDecoder(maxLineBytes: max)
        let bytes = Array(input.utf8)
        var outputs: [String] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunkSize, bytes.count)
            for output in decoder.feed(Array(bytes[offset..<end])) {
                switch output {
                case .line(let line): outputs.append(String(decoding: line, as: UTF8.self))
                case .lineTooLong: outputs.append("<too long>")
                }
            }
            offset = end
        }
        return (outputs, decoder.finish())
    }

    static let cases: [(input: String, max: Int, lines: [String], ending: ControlLineDecoder.Ending)] = [
        ("a\nbc\n", 10, ["a", "bc"], .clean),
        ("a\r\nbc\r\n", 10, ["a", "bc"], .clean),
        ("\n\n  \r\nx\n", 10, ["x"], .clean),
        ("0123456789\n", 10, ["0123456789"], .clean),
        ("0123456789\r\n", 10, ["0123456789"], .clean),
        ("0123456789A\nok\n", 10, ["<too long>", "ok"], .clean),
        ("0123456789ABCDEFGHIJ\nok\n", 10, ["<too long>", "ok"], .clean),
        ("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ\nok\nagain\n", 10, ["<too long>", "ok", "again"], .clean),
        ("one\ntwo", 10, ["one"], .partialLine(bytes: 3)),
        ("one\n0123456789ABCDEF", 10, ["one", "<too long>"], .insideLongLine),
        ("{\"v\":1}\n{\"v\":2}\n", 100, ["{\"v\":1}", "{\"v\":2}"], .clean),
        ("é\n€\n", 3, ["é", "€"], .clean),
    ]

    @Test(arguments: cases)
    func linesAreTheSameWhetherFedAllAtOnceOrOneByteAtATime(
        testCase: (input: String, max: Int, lines: [String], ending: ControlLineDecoder.Ending)
    ) {
        for chunkSize in [1, 2, 3, 7, 1000] {
            let (lines, ending) = Self.decode(testCase.input, max: testCase.max, chunkSize: chunkSize)
            #expect(lines == testCase.lines, "chunk size \(chunkSize)")
            #expect(ending == testCase.ending, "chunk size \(chunkSize)")
        }
    }

    @Test func anOverLongLineIsReportedOnceAndAssoonAsItIsKnownWithoutWaitingForItsNewline() {
        var decoder = ControlLineDecoder(maxLineBytes: 8)
        #expect(decoder.feed(Array("12345678".utf8)) == [])
        #expect(decoder.feed(Array("9A".utf8)) == [.lineTooLong])
        #expect(decoder.feed(Array(repeating: UInt8(ascii: "x"), count: 100_000)) == [])
        #expect(decoder.bufferedByteCount == 0)
        #expect(decoder.feed(Array("\nok\n".utf8)) == [.line(Array("ok".utf8))])
    }

    @Test func memoryHeldNeverExceedsTheLimitPlusOneByte() {
        var decoder = ControlLineDecoder(maxLineBytes: 64)
        for _ in 0..<1000 {
            _ = decoder.feed([UInt8](repeating: 0x41, count: 13))
            #expect(decoder.bufferedByteCount <= 65)
        }
    }
}
