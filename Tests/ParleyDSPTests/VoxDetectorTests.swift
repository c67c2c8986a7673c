import ParleyDSP
import Testing

struct VoxDetectorTests {
    static let twenty = Duration.milliseconds(20)

    /// Feeds one 20 ms block per character: "#" loud (−10 dBFS), "." quiet (−70 dBFS); returns
    /// a string with "O" where the squelch opened, "C" where it closed, "-" elsewhere.
    static func run(_ pattern: String, attack: Int = 60, hang: Int = 100) -> String {
        var vox = VoxDetector(configuration: .init(thresholdDBFS: -40, attack: .milliseconds(attack), hang: .milliseconds(hang)))
        var out = ""
        for symbol in pattern {
            switch vox.process(levelDBFS: symbol == "#" ? -10 : -70, duration: twenty) {
            case .open: out.append("O")
            case .close: out.append("C")
            case nil: out.append("-")
            }
        }
        return out
    }

    @Test(arguments: [
        // attack 60 ms = 3 blocks, hang 100 ms = 5 blocks
        ("..........", "----------"),            // silence never opens
        ("##.##.##..", "----------"),            // clicks shorter than the attack never open
        ("###.......", "--O----C--"),            // opens on the 3rd loud block, closes after 5 quiet
        ("#####..##....", "--O----------"),     // a pause shorter than the hang keeps it open
        ("#####..##.....", "--O----------C"),   // …and the hang restarts after the last loud block
        ("###.....###.....", "--O----C--O----C"), // two transmissions
    ])
    func attackAndHang(pattern: String, expected: String) {
        #expect(Self.run(pattern) == expected)
    }

    @Test func openReportsHowLongActivityLasted() {
        var vox = VoxDetector(configuration: .init(thresholdDBFS: -30, attack: .milliseconds(50), hang: .milliseconds(200)))
        #expect(vox.process(levelDBFS: -20, duration: .milliseconds(30)) == nil)
        #expect(vox.process(levelDBFS: -20, duration: .milliseconds(30)) == .open(activeFor: .milliseconds(60)))
        #expect(vox.isOpen)
        #expect(vox.process(levelDBFS: -31, duration: .milliseconds(250)) == .close(quietFor: .milliseconds(250)))
        #expect(!vox.isOpen)
    }

    @Test func thresholdIsInclusive() {
        var vox = VoxDetector(configuration: .init(thresholdDBFS: -30, attack: .zero, hang: .zero))
        #expect(vox.process(levelDBFS: -30.0001, duration: Self.twenty) == nil)
        #expect(vox.process(levelDBFS: -30, duration: Self.twenty) == .open(activeFor: Self.twenty))
    }

    @Test func resetClosesAnOpenSquelchOnce() {
        var vox = VoxDetector(configuration: .init(thresholdDBFS: -30, attack: .zero, hang: .seconds(10)))
        _ = vox.process(levelDBFS: 0, duration: Self.twenty)
        #expect(vox.reset() == .close(quietFor: .zero))
        #expect(vox.reset() == nil)
    }

    @Test func measuresSamplesDirectly() {
        var vox = VoxDetector(configuration: .init(thresholdDBFS: -30, attack: .milliseconds(40), hang: .milliseconds(40)))
        var tone = ToneGenerator(frequency: 1000, amplitude: 0.5, sampleRate: 8000)
        let silence = [Int16](repeating: 0, count: 160)
        #expect(vox.process(tone.nextInt16(160), sampleRate: 8000) == nil)
        #expect(vox.process(tone.nextInt16(160), sampleRate: 8000) == .open(activeFor: .milliseconds(40)))
        #expect(vox.process(silence, sampleRate: 8000) == nil)
        #expect(vox.process(silence, sampleRate: 8000) == .close(quietFor: .milliseconds(40)))
    }
}
