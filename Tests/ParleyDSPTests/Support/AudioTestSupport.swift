import Foundation
import ParleyCore
import Testing

// Shared by the DSP tests: temporary files, external programs (minimodem, multimon-ng, sox),
// 16-bit mono WAV files, seeded noise and a hand-moved clock.

enum AudioTestFiles {
    static func temporaryFile(_ suffix: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("parley-dsp-\(UUID().uuidString).\(suffix)")
    }

    /// Writes 16-bit mono PCM WAV.
    static func writeWAV(_ samples: [Int16], sampleRate: Int, to url: URL) throws {
        var data = Data()
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { data.append(contentsOf: $0) }
        }
        data.append(contentsOf: Array("RIFF".utf8))
        append(UInt32(36 + samples.count * 2))
        data.append(contentsOf: Array("WAVEfmt ".utf8))
        append(UInt32(16))
        append(UInt16(1)) // PCM
        append(UInt16(1)) // mono
        append(UInt32(sampleRate))
        append(UInt32(sampleRate * 2))
        append(UInt16(2))
        append(UInt16(16))
        data.append(contentsOf: Array("data".utf8))
        append(UInt32(samples.count * 2))
        for sample in samples { append(sample) }
        try data.write(to: url)
    }

    /// Reads a 16-bit mono PCM WAV file, walking its chunks.
    static func readWAV(_ url: URL) throws -> (samples: [Float], sampleRate: Int) {
        let bytes = [UInt8](try Data(contentsOf: url))
        func u32(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 | Int(bytes[at + 2]) << 16 | Int(bytes[at + 3]) << 24 }
        func u16(_ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
        try #require(bytes.count >= 12 && String(decoding: bytes[0..<4], as: UTF8.self) == "RIFF")
        var offset = 12
        var sampleRate = 0
        while offset + 8 <= bytes.count {
            let id = String(decoding: bytes[offset..<offset + 4], as: UTF8.self)
            let size = u32(offset + 4)
            let body = offset + 8
            if id == "fmt " {
                #expect(u16(body) == 1 && u16(body + 2) == 1 && u16(body + 14) == 16, "expected 16-bit mono PCM")
                sampleRate = u32(body + 4)
            } else if id == "data" {
                let end = min(body + size, bytes.count)
                let samples = stride(from: body, to: end - 1, by: 2).map { Float(Int16(bitPattern: UInt16(u16($0)))) / 32768 }
                return (samples, sampleRate)
            }
            offset = body + size + (size & 1)
        }
        throw WAVError()
    }

    struct WAVError: Error {}
}

/// What an external program did.
struct ProgramRun {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs `executable` with `arguments`, feeding `input` on stdin, and waits for it.
func runProgram(_ executable: String, _ arguments: [String], input: Data = Data()) throws -> ProgramRun {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    // stderr goes to a file so that a chatty program can never fill a pipe and stall.
    let errFile = AudioTestFiles.temporaryFile("stderr")
    _ = FileManager.default.createFile(atPath: errFile.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errFile) }
    let errHandle = try FileHandle(forWritingTo: errFile)
    let inPipe = Pipe(), outPipe = Pipe()
    process.standardInput = inPipe
    process.standardOutput = outPipe
    process.standardError = errHandle
    try process.run()
    try errHandle.close()
    inPipe.fileHandleForWriting.write(input)
    try inPipe.fileHandleForWriting.close()
    let out = outPipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let err = (try? Data(contentsOf: errFile)) ?? Data()
    return ProgramRun(status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self), stderr: String(decoding: err, as: UTF8.self))
}

/// minimodem with `arguments`, text on stdin.
func minimodem(_ arguments: [String], input: String) throws -> ProgramRun {
    try runProgram("/usr/bin/minimodem", arguments, input: Data(input.utf8))
}

/// A seeded Gaussian noise source (SplitMix64 and Box–Muller), so noise tests repeat exactly.
struct GaussianNoise {
    private var random: SplitMix64
    let standardDeviation: Double

    init(seed: UInt64, standardDeviation: Double) {
        self.random = SplitMix64(seed: seed)
        self.standardDeviation = standardDeviation
    }

    mutating func next() -> Float {
        let u1 = (Double(random.next() >> 11) + 1) / 9_007_199_254_740_992 // (0, 1]
        let u2 = Double(random.next() >> 11) / 9_007_199_254_740_992
        return Float(standardDeviation * (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2))
    }
}

/// An instant on a clock the test moves by hand.
struct ManualInstant: InstantProtocol {
    var offset: Duration

    func advanced(by duration: Duration) -> ManualInstant { ManualInstant(offset: offset + duration) }
    func duration(to other: ManualInstant) -> Duration { other.offset - offset }
    static func < (lhs: ManualInstant, rhs: ManualInstant) -> Bool { lhs.offset < rhs.offset }
}
