import ParleyDSP
import Testing

struct AudioLevelTests {
    @Test(arguments: [
        // (amplitude, expected peak dBFS, expected RMS dBFS) for a sine
        (1.0, 0.0, -3.01),
        (0.5, -6.02, -9.03),
        (0.1, -20.0, -23.01),
        (0.01, -40.0, -43.01),
    ])
    func sineLevelsMatchTheory(amplitude: Double, peak: Double, rms: Double) {
        var tone = ToneGenerator(frequency: 1000, amplitude: amplitude, sampleRate: 16000)
        let floats = tone.next(1600)
        let level = AudioLevel(floats)
        #expect(abs(level.peakDBFS - peak) < 0.05)
        #expect(abs(level.rmsDBFS - rms) < 0.05)

        var tone16 = ToneGenerator(frequency: 1000, amplitude: amplitude, sampleRate: 16000)
        let ints = tone16.nextInt16(1600)
        let level16 = AudioLevel(ints)
        #expect(abs(level16.peakDBFS - peak) < 0.05)
        #expect(abs(level16.rmsDBFS - rms) < 0.05)
    }

    @Test(arguments: [
        ([Int16](), AudioLevel.floor, AudioLevel.floor),
        ([Int16](repeating: 0, count: 160), AudioLevel.floor, AudioLevel.floor),
        ([Int16.min], 0.0, 0.0),
        ([Int16(16384), -16384], -6.02, -6.02),
    ])
    func edgeCases(samples: [Int16], peak: Double, rms: Double) {
        let level = AudioLevel(samples)
        #expect(abs(level.peakDBFS - peak) < 0.01)
        #expect(abs(level.rmsDBFS - rms) < 0.01)
    }

    @Test func meterAccumulatesAcrossBlocksLikeOneBlock() {
        var tone = ToneGenerator(frequency: 440, amplitude: 0.3, sampleRate: 8000)
        let all = tone.nextInt16(8000)
        var meter = AudioLevel.Meter()
        var start = 0
        for size in [1, 7, 160, 333, 4000] where start < all.count {
            meter.add(all[start..<min(all.count, start + size)])
            start += size
        }
        meter.add(all[start...])
        #expect(meter.sampleCount == all.count)
        let whole = AudioLevel(all)
        #expect(abs(meter.level.rmsDBFS - whole.rmsDBFS) < 1e-9)
        #expect(meter.level.peakDBFS == whole.peakDBFS)
    }
}
