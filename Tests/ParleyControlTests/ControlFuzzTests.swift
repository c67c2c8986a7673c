import ParleyControl
import ParleyCore
import Testing

@Suite("Control fuzz entry")
struct ControlFuzzTests {
    struct Seed: CustomTestStringConvertible, Sendable {
        var name: String
        var text: String
        var testDescription: String { name }
    }

    static let seeds: [Seed] = [
        Seed(name: "empty", text: ""), Seed(name: "newline", text: "\n"),
        Seed(name: "status", text: "{\"v\":1,\"id\":1,\"cmd\":\"status\"}\n"),
        Seed(name: "open", text: "{\"v\":1,\"id\":1,\"cmd\":\"incidents.open\",\"args\":{\"channel\":\"999\",\"category\":\"c\",\"grade\":1}}\n"),
        Seed(name: "extreme integers", text: "{\"v\":1,\"id\":9223372036854775807,\"cmd\":\"events\",\"args\":{\"since\":-9223372036854775808}}\n"),
        Seed(name: "odd numbers", text: "{\"v\":1.0000000001,\"id\":1e400,\"cmd\":\"tail\"}\n"),
        Seed(name: "deep arrays", text: String(repeating: "[", count: 5000) + "\n"),
        Seed(name: "lone surrogate", text: "{\"v\":1,\"cmd\":\"events\",\"args\":{\"limit\":1e300,\"since\":\"\\ud800\"}}\n"),
        Seed(name: "control bytes", text: "\r\n\r\n\u{0}\u{1}{\"\n"),
        Seed(name: "deep objects", text: String(repeating: "{\"a\":", count: 600) + "\n"),
    ]

    @Test(arguments: seeds)
    func seedsRunWithoutTrapping(seed: Seed) {
        ControlFuzz.fuzzOne(Array(seed.text.utf8))
    }

    @Test func randomBytesAndMutatedRequestsRunWithoutTrapping() {
        var generator = SplitMix64(seed: 0x5eed)
        let base = Array("{\"v\":1,\"id\":1,\"cmd\":\"incidents.grade\",\"args\":{\"incident\":\"3\",\"grade\":2,\"reason\":\"r\"}}\n".utf8)
        for round in 0..<2000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<Int(generator.next() % 300)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            } else {
                bytes = base + base
                for _ in 0..<(1 + generator.next() % 6) {
                    let index = Int(generator.next() % UInt64(bytes.count))
                    bytes[index] = UInt8(truncatingIfNeeded: generator.next())
                }
            }
            ControlFuzz.fuzzOne(bytes)
        }
    }
}
