import CAlsa
import Foundation
@testable import ParleyAudio
import Testing

/// Real alsa-lib, through its userspace plugins (no sound card needed).
struct AlsaPCMTests {
    @Test(arguments: SampleRate.supported)
    func playbackToTheFilePluginWritesExactlyWhatWasSent(rate: SampleRate) throws {
        let scratch = TemporaryDirectory()
        let out = scratch.file("out.raw")
        let sent = ramp(rate.rawValue / 10 + 37)  // not a whole number of periods
        let pcm = try AlsaPCM(device: .rawFilePlayback(path: out), direction: .playback, sampleRate: rate, periodFrames: rate.rawValue / 50)
        for block in stride(from: 0, to: sent.count, by: 111) {
            try pcm.write(Array(sent[block..<min(sent.count, block + 111)]))
        }
        pcm.drain()
        pcm.close()
        #expect(try RawPCM.read(out) == sent)
    }

    @Test(arguments: SampleRate.supported)
    func captureFromAnInProcessConfigurationReadsTheInfile(rate: SampleRate) throws {
        let scratch = TemporaryDirectory()
        let infile = scratch.file("in.raw")
        let period = rate.rawValue / 50
        let recorded = ramp(period * 3 + period / 2)
        try RawPCM.write(recorded, to: infile)
        let pcm = try AlsaPCM(device: .rawFileCapture(infile: infile), direction: .capture, sampleRate: rate, periodFrames: period)
        #expect(pcm.periodFrames == period)
        var captured: [Int16] = []
        for _ in 0..<6 {
            var block = [Int16](repeating: 0x5A5A, count: period)
            try pcm.read(into: &block)
            captured += block
        }
        #expect(Array(captured.prefix(recorded.count)) == recorded)
        // At the end of the infile alsa-lib keeps returning full reads but writes nothing into
        // the buffer; AlsaPCM zero-fills, so what follows is silence, never stale audio.
        #expect(captured.dropFirst(recorded.count).allSatisfy { $0 == 0 })
    }

    @Test func aNonexistentDeviceNameIsAClearError() {
        #expect {
            try AlsaPCM(device: .named("parley_no_such_pcm"), direction: .capture, sampleRate: .hz16000, periodFrames: 320)
        } throws: { error in
            guard let alsa = error as? AlsaError else { return false }
            return alsa.isMissingDevice && alsa.errorCode == -ENOENT
                && alsa.description.contains("cannot open ALSA device 'parley_no_such_pcm'")
                && alsa.description.contains("arecord -L")
        }
    }

    @Test func aMissingInfileFailsToOpen() {
        #expect {
            try AlsaPCM(device: .rawFileCapture(infile: "/nonexistent/parley/in.raw"), direction: .capture, sampleRate: .hz8000, periodFrames: 160)
        } throws: { error in
            (error as? AlsaError)?.isMissingDevice == true
        }
    }

    @Test(arguments: [
        "pcm.cap { type file slave.pcm { type null } ",  // unterminated
        "pcm.other { type null }",  // does not define `cap`
    ])
    func unusableConfigurationTextIsRejected(text: String) {
        #expect(throws: AlsaError.self) {
            try AlsaPCM(device: .configured(name: "cap", configuration: text), direction: .capture, sampleRate: .hz8000, periodFrames: 160)
        }
    }

    @Test func xrunRecoveryOnARealPCMLetsTheStreamContinue() throws {
        let scratch = TemporaryDirectory()
        let infile = scratch.file("in.raw")
        try RawPCM.write(ramp(960), to: infile)
        let pcm = try AlsaPCM(device: .rawFileCapture(infile: infile), direction: .capture, sampleRate: .hz16000, periodFrames: 320)
        var block = [Int16](repeating: 0, count: 320)
        try pcm.read(into: &block)
        #expect(pcm.recover(fromErrorCode: -EPIPE))
        #expect(pcm.xrunCount == 1)
        try pcm.read(into: &block)
        #expect(block == ramp(320, from: 321))
        // A failure alsa-lib cannot recover from is reported as such.
        #expect(!pcm.recover(fromErrorCode: -ENODEV))
    }
}

/// The read/write retry-and-recover loop, with a scripted fake device: the userspace plugins
/// never over- or underrun, so the xrun paths are driven here.
struct PCMTransferLoopTests {
    enum Expected: Equatable {
        case moved(xruns: Int)
        case transferFailed(Int32)
        case xrunStorm
    }

    @Test(arguments: [
        ([320], 0, Expected.moved(xruns: 0)),
        ([100, 220], 0, .moved(xruns: 0)),  // short transfers add up
        ([-EPIPE, 320], 0, .moved(xruns: 1)),  // overrun: recover, read again
        ([-ESTRPIPE, 20, -EPIPE, 300], 0, .moved(xruns: 2)),  // suspend, then xrun mid-way
        ([-EINTR, -EAGAIN, 320], 0, .moved(xruns: 0)),  // interrupted: retry without recovering
        ([-ENODEV], 0, .transferFailed(-ENODEV)),  // unplugged
        ([-EBADFD], 0, .transferFailed(-EBADFD)),
        ([-EPIPE], -ENODEV, .transferFailed(-ENODEV)),  // recovery itself fails
        (Array(repeating: -EPIPE, count: 40), 0, .xrunStorm),  // never makes progress
        (Array(repeating: 0, count: 40), 0, .transferFailed(-EIO)),
    ] as [([Int32], Int32, Expected)])
    func scriptedDevice(script: [Int32], recoverResult: Int32, expected: Expected) {
        var remaining = script[...]
        var recoveries: [Int32] = []
        let loop = PCMTransferLoop(device: "fake")
        let outcome: Expected
        do {
            let xruns = try loop.run(
                count: 320,
                transfer: { _, wanted in
                    let next = Int(remaining.popFirst() ?? 0)
                    return min(next, wanted)
                },
                recover: { code in
                    recoveries.append(code)
                    return recoverResult
                })
            outcome = .moved(xruns: xruns)
        } catch {
            outcome = error.description.contains("kept over/underrunning") ? .xrunStorm : .transferFailed(error.errorCode)
        }
        #expect(outcome == expected)
        #expect(recoveries.allSatisfy { $0 == -EPIPE || $0 == -ESTRPIPE })
    }

    @Test(arguments: [
        (-EINTR, PCMTransferAction.retry), (-EAGAIN, .retry), (-EPIPE, .recover), (-ESTRPIPE, .recover),
        (-ENODEV, .fail), (-EIO, .fail), (-EBADFD, .fail), (-ENOENT, .fail),
    ] as [(Int32, PCMTransferAction)])
    func errorCodesMapToActions(code: Int32, action: PCMTransferAction) {
        #expect(PCMTransferAction(code: code) == action)
    }
}
