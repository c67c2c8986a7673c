import ParleyDSP
import Testing

struct GoertzelTests {
    @Test(arguments: [
        // (tone, probe, sample rate, expect the probe to find it)
        (1000.0, 1000.0, 16000.0, true),
        (1000.0, 1000.0, 8000.0, true),
        (1000.0, 1000.0, 48000.0, true),
        (697.0, 697.0, 8000.0, true),
        (1000.0, 500.0, 16000.0, false),
        (1000.0, 1200.0, 16000.0, false),
        (1400.0, 1800.0, 8000.0, false),
    ])
    func findsTheToneAndOnlyTheTone(tone: Double, probe: Double, sampleRate: Double, present: Bool) {
        var generator = ToneGenerator(frequency: tone, amplitude: 0.5, sampleRate: sampleRate)
        let samples = generator.next(Int(sampleRate / 10)) // 100 ms
        let relative = Goertzel.relativePower(of: probe, in: samples, sampleRate: sampleRate)
        if present {
            #expect(relative > 0.95)
        } else {
            #expect(relative < 0.01)
        }
    }

    @Test func powerIsHalfTheSquaredAmplitude() {
        var generator = ToneGenerator(frequency: 1000, amplitude: 0.5, sampleRate: 16000)
        let samples = generator.nextInt16(1600)
        let power = Goertzel.power(of: 1000, in: samples, sampleRate: 16000)
        #expect(abs(power - 0.125) < 0.002)
    }

    @Test func emptyAndSilentBlocksHaveNoPower() {
        #expect(Goertzel.power(of: 1000, in: [Float](), sampleRate: 8000) == 0)
        #expect(Goertzel.relativePower(of: 1000, in: [Int16](repeating: 0, count: 80), sampleRate: 8000) == 0)
    }
}
