import ParleyDSP
import Testing

struct ToneGeneratorTests {
    @Test func successiveBlocksJoinWithoutAPhaseJump() {
        var split = ToneGenerator(frequency: 1234, amplitude: 0.8, sampleRate: 16000)
        var whole = ToneGenerator(frequency: 1234, amplitude: 0.8, sampleRate: 16000)
        let joined = split.nextInt16(100) + split.nextInt16(333) + split.nextInt16(1)
        #expect(joined == whole.nextInt16(434))
    }

    @Test(arguments: [
        (Duration.milliseconds(20), 8000.0, 160),
        (Duration.milliseconds(20), 16000.0, 320),
        (Duration.milliseconds(20), 48000.0, 960),
        (Duration.seconds(3), 16000.0, 48000),
        (Duration.microseconds(62_500), 16000.0, 1000),
    ])
    func sampleCountForDuration(duration: Duration, sampleRate: Double, expected: Int) {
        #expect(ToneGenerator.sampleCount(duration, sampleRate: sampleRate) == expected)
        var tone = ToneGenerator(frequency: 1000, amplitude: 0.1, sampleRate: sampleRate)
        #expect(tone.nextInt16(duration: duration).count == expected)
    }

    @Test func dBFSAmplitudeAndClamping() {
        let half = ToneGenerator(frequency: 1000, peakDBFS: -6.0206, sampleRate: 8000)
        #expect(abs(half.amplitude - 0.5) < 1e-4)
        let loud = ToneGenerator(frequency: 1000, amplitude: 3, sampleRate: 8000)
        #expect(loud.amplitude == 1)
    }
}
