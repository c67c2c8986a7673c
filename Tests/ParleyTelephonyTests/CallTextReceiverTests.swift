import ParleyCore
import ParleyDSP
import Testing

@testable import ParleyTelephony

struct CallTextReceiverTests {
    static func tty(_ text: String, rate: BaudotRate = .baud45) -> [Int16] {
        var modulator = BaudotModulator(configuration: .init(sampleRate: 8000, rate: rate))
        return modulator.modulate(text).int16Samples
    }

    static func silence(seconds: Double) -> [Int16] { [Int16](repeating: 0, count: Int(8000 * seconds)) }

    @Test func turnMarkersLineEndsAndPausesEndMessages() {
        var receiver = CallTextReceiver(sampleRate: 8000)
        let audio = Self.tty("HELLO POLICE GA") + Self.silence(seconds: 0.5) + Self.tty("MY ADDRESS IS 12 HIGH ST\r\nFLAT 3")
            + Self.silence(seconds: 3)
        let messages = receiver.process(audio)
        #expect(messages.map(\.text) == ["HELLO POLICE GA", "MY ADDRESS IS 12 HIGH ST", "FLAT 3"])
        #expect(messages.allSatisfy { $0.medium == .tty45 })
        #expect(messages.map(\.time) == messages.map(\.time).sorted())
        #expect(receiver.finish().isEmpty)
    }

    @Test func rawCodesAreKeptBesideTheText() throws {
        var receiver = CallTextReceiver(sampleRate: 8000)
        let messages = receiver.process(Self.tty("A1", rate: .baud50)) + receiver.finish()
        let message = try #require(messages.first)
        // LTRS A FIGS 1 — shifts included, as the wire carried them.
        #expect(message.raw == "1f 03 1b 17")
        #expect(message.text == "A1" && message.medium == .tty50)
    }

    @Test func feedingInSmallBlocksGivesTheSameMessages() {
        let audio = Self.tty("FIRST GA") + Self.silence(seconds: 2.5) + Self.tty("SECOND SK")
        var whole = CallTextReceiver(sampleRate: 8000)
        let expected = whole.process(audio) + whole.finish()
        var dripped = CallTextReceiver(sampleRate: 8000)
        var got: [CallTextReceiver.Message] = []
        var index = 0
        while index < audio.count {
            got += dripped.process(Array(audio[index..<min(index + 160, audio.count)]))
            index += 160
        }
        got += dripped.finish()
        #expect(got == expected)
        #expect(got.map(\.text) == ["FIRST GA", "SECOND SK"])
    }

    @Test func ignoredAudioIsNotDecodedButStillCountsAsTime() {
        var receiver = CallTextReceiver(sampleRate: 8000)
        let echo = Self.tty("OUR OWN REPLY GA")
        receiver.ignore(echo.count)
        #expect(receiver.elapsed == .seconds(Double(echo.count) / 8000))
        #expect((receiver.process(Self.silence(seconds: 1)) + receiver.finish()).isEmpty)
    }
}
