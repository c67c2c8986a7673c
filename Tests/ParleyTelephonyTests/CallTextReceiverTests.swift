import ParleyCore
import ParleyDSP
import Testing

@testable import ParleyTelephony

struct CallTextReceiverTests {
    static func tty(_ text: String, rate: BaudotRate = .baud45) -> [Int16] {
        var modulator = BaudotModulator(configuration: .init(sampleRate: 8000, rate: rate))
        return modulator.modulate(text).int16Samples
    }

    static func v21(_ text: String, channel: V21Channel = .channel1) -> (samples: [Int16], bytes: [UInt8]) {
        var modulator = V21Modulator(configuration: .init(sampleRate: 8000, channel: channel))
        let transmission = modulator.modulate(text)
        return (transmission.int16Samples, transmission.bytes)
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

    // MARK: - V.21 textphones

    @Test func aV21CallersTextIsDecodedIntoMessagesMarkedV21WithTheOctetsKept() throws {
        var receiver = CallTextReceiver(sampleRate: 8000)
        let first = Self.v21("Hello police GA")
        let audio = first.samples + Self.silence(seconds: 0.5) + Self.v21("I need help\r\nFlat 3").samples + Self.silence(seconds: 3)
        let messages = receiver.process(audio) + receiver.finish()
        #expect(messages.map(\.text) == ["Hello police GA", "I need help", "Flat 3"])
        #expect(messages.allSatisfy { $0.medium == .v21 })
        // Each octet as sent, even parity in bit 7 ("H" = 0x48 has even parity already; space
        // = 0x20 and "p" = 0x70 get it set: 0xa0, 0xf0).
        let raw = try #require(messages.first?.raw)
        #expect(raw == first.bytes.map { CallTextReceiver.hex($0) }.joined(separator: " "))
        #expect(raw.hasPrefix("48 65 6c 6c 6f a0 f0"))
    }

    @Test func aV21CallFedInSmallBlocksGivesTheSameMessages() {
        let audio = Self.v21("FIRST GA").samples + Self.silence(seconds: 2.5) + Self.v21("second SK").samples
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
        #expect(got.map(\.text) == ["FIRST GA", "second SK"])
    }

    @Test func theAnsweringChannelIsOursAndIsNotTakenAsTheCallersText() {
        // Channel 2 (1650/1850 Hz) is what we send as the answering side.
        var receiver = CallTextReceiver(sampleRate: 8000)
        let messages = receiver.process(Self.v21("OUR REPLY GA", channel: .channel2).samples + Self.silence(seconds: 3))
        #expect((messages + receiver.finish()).isEmpty)
    }

    @Test func ttyAndV21OnOneCallComeOutInOrderEachWithItsMedium() {
        var receiver = CallTextReceiver(sampleRate: 8000)
        let audio = Self.tty("TTY FIRST GA") + Self.silence(seconds: 1) + Self.v21("then v21 GA").samples + Self.silence(seconds: 3)
        let messages = receiver.process(audio) + receiver.finish()
        #expect(messages.map(\.text) == ["TTY FIRST GA", "then v21 GA"])
        #expect(messages.map(\.medium) == [.tty45, .v21])
    }
}
