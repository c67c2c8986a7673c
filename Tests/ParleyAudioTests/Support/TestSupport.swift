import Foundation
import Logging
import ParleyAudio
import SystemPackage

/// A fresh directory under /tmp, removed when the value goes away.
final class TemporaryDirectory: Sendable {
    let path: String

    init() {
        path = NSTemporaryDirectory() + "parley-audio-tests-" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String) -> String { path + "/" + name }
    var filePath: FilePath { FilePath(path) }
}

/// Raw S16_LE bytes of `samples`, and back.
enum RawPCM {
    static func bytes(_ samples: [Int16]) -> Data {
        samples.withUnsafeBufferPointer { Data(buffer: $0) }
    }

    static func samples(_ data: Data) -> [Int16] {
        data.withUnsafeBytes { raw in Array(raw.bindMemory(to: Int16.self)) }
    }

    static func write(_ samples: [Int16], to path: String) throws {
        try bytes(samples).write(to: URL(fileURLWithPath: path))
    }

    static func read(_ path: String) throws -> [Int16] {
        samples(try Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// A counting ramp that is easy to check for loss, duplication and order.
func ramp(_ count: Int, from start: Int = 1) -> [Int16] {
    (0..<count).map { Int16(truncatingIfNeeded: start + $0) }
}

/// Runs a command-line tool to completion; returns its exit status and combined output.
@discardableResult
func runTool(_ arguments: [String]) throws -> (status: Int32, output: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// `opusinfo`'s "Playback length: 0m:01.234s" in seconds.
func opusinfoLength(_ path: String) throws -> (seconds: Double?, output: String) {
    let (_, output) = try runTool(["opusinfo", path])
    guard let line = output.split(separator: "\n").first(where: { $0.contains("Playback length:") }),
        let value = line.split(separator: ":", maxSplits: 1).last
    else { return (nil, output) }
    let text = value.trimmingCharacters(in: .whitespaces)  // "0m:01.234s"
    let parts = text.dropLast().split(separator: "m:")
    guard parts.count == 2, let minutes = Double(parts[0]), let seconds = Double(parts[1]) else { return (nil, output) }
    return (minutes * 60 + seconds, output)
}

/// Decodes with `opusdec --rate RATE` to raw 16-bit samples.
func opusdecSamples(_ path: String, rate: Int, scratch: TemporaryDirectory) throws -> [Int16] {
    let out = scratch.file(UUID().uuidString + ".raw")
    let (status, output) = try runTool(["opusdec", "--quiet", "--rate", "\(rate)", path, out])
    guard status == 0 else { throw ToolFailure(output: output) }
    return try RawPCM.read(out)
}

struct ToolFailure: Error, CustomStringConvertible {
    var output: String
    var description: String { output }
}
