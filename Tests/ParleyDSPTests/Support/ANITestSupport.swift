import Foundation
import Testing

// Shared by the DTMF and selcall tests: feeding decoders in blocks, sox-made tones,
// multimon-ng's reading of the same audio and espeak-ng speech.

/// Feeds `samples` to `process` in blocks of `blockSize` (all at once when nil).
func feedInBlocks<Detection>(
    _ samples: [Float], blockSize: Int?, _ process: (ArraySlice<Float>) -> [Detection]
) -> [Detection] {
    let size = blockSize ?? max(1, samples.count)
    var out: [Detection] = []
    var index = 0
    while index < samples.count {
        let end = min(index + size, samples.count)
        out += process(samples[index..<end])
        index = end
    }
    return out
}

enum ANITools {
    /// Rounds to 16-bit samples and writes a WAV at `sampleRate`.
    static func writeWAV(_ samples: [Float], sampleRate: Int) throws -> URL {
        let url = AudioTestFiles.temporaryFile("wav")
        let pcm = samples.map { Int16(max(-32768, min(32767, (Double($0) * 32768).rounded()))) }
        try AudioTestFiles.writeWAV(pcm, sampleRate: sampleRate, to: url)
        return url
    }

    /// sox's `synth` run as one effects chain per piece (joined end to end, ":" between them),
    /// at `sampleRate`; each piece is a list of synth arguments.
    static func soxSynth(_ pieces: [[String]], sampleRate: Int) throws -> URL {
        let url = AudioTestFiles.temporaryFile("wav")
        var arguments = ["-n", "-r", String(sampleRate), "-b", "16", "-c", "1", url.path]
        for (index, piece) in pieces.enumerated() {
            if index > 0 { arguments.append(":") }
            arguments += piece
        }
        let run = try runProgram("/usr/bin/sox", arguments)
        try #require(run.status == 0, "sox: \(run.stderr)")
        return url
    }

    /// sox's resampling of a WAV to `sampleRate`.
    static func resample(_ wav: URL, to sampleRate: Int) throws -> URL {
        let url = AudioTestFiles.temporaryFile("wav")
        let run = try runProgram("/usr/bin/sox", [wav.path, "-r", String(sampleRate), url.path])
        try #require(run.status == 0, "sox: \(run.stderr)")
        return url
    }

    /// What multimon-ng prints for a WAV with demodulator `name` (it reads raw signed 16-bit
    /// at 22050 Hz, so sox converts first): the lines starting "NAME: ".
    static func multimon(_ wav: URL, demodulator name: String) throws -> [String] {
        let raw = AudioTestFiles.temporaryFile("raw")
        defer { try? FileManager.default.removeItem(at: raw) }
        let convert = try runProgram("/usr/bin/sox", [wav.path, "-t", "raw", "-r", "22050", "-e", "signed", "-b", "16", "-c", "1", raw.path])
        try #require(convert.status == 0, "sox: \(convert.stderr)")
        let run = try runProgram("/usr/bin/multimon-ng", ["-q", "-t", "raw", "-a", name, raw.path])
        try #require(run.status == 0, "multimon-ng: \(run.stderr)")
        return run.stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("\(name): ") }
            .map { String($0.dropFirst(name.count + 2)).trimmingCharacters(in: .whitespaces) }
    }

    /// espeak-ng saying `text` in `voice`, resampled by sox to `sampleRate`.
    static func speech(_ text: String, voice: String, sampleRate: Int) throws -> [Float] {
        let spoken = AudioTestFiles.temporaryFile("wav")
        defer { try? FileManager.default.removeItem(at: spoken) }
        let speak = try runProgram("/usr/bin/espeak-ng", ["-v", voice, "-w", spoken.path, text])
        try #require(speak.status == 0, "espeak-ng: \(speak.stderr)")
        let resampled = try resample(spoken, to: sampleRate)
        defer { try? FileManager.default.removeItem(at: resampled) }
        return try AudioTestFiles.readWAV(resampled).samples
    }

    static func remove(_ urls: URL...) {
        for url in urls { try? FileManager.default.removeItem(at: url) }
    }
}

/// Control-room sentences for talk-off tests, said by several voices.
struct SpeechCase: Sendable, CustomTestStringConvertible {
    var voice: String
    var text: String
    var testDescription: String { "\(voice): \(text.prefix(30))…" }

    static let sentences = [
        "Control from Alpha One Two, we are on scene at the junction of Mill Road and the High Street.",
        "Ambulance requested for a male aged about sixty, conscious and breathing, chest pains.",
        "Fire crews are in attendance, two pumps and an aerial ladder, road closed both ways.",
        "Received, please confirm the registration number, four five seven, whisky tango echo.",
        "Hello, hello, can anybody hear me? The signal keeps dropping out, say again please.",
        "Nine nine nine emergency, which service do you require? Police, fire or ambulance?",
    ]

    static let voices = ["en-gb", "en-us+f3", "en+m3", "en-gb-x-rp+f4"]

    /// Every sentence, each in one voice (taking turns), so each voice says several.
    static let all: [SpeechCase] = sentences.enumerated().flatMap { index, text in
        [SpeechCase(voice: voices[index % voices.count], text: text), SpeechCase(voice: voices[(index + 1) % voices.count], text: text)]
    }
}
