#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// Canonical PCM WAV files (RIFF, 44-byte header, 16-bit little-endian mono): how a recording
/// leaves Parley for tools that do not read Ogg Opus.
public enum WAVFile {
    /// The largest sample count one WAV file holds (its sizes are 32-bit).
    public static let maximumSampleCount = Int(UInt32.max - 36) / 2

    /// Writes `samples` to `path`, replacing any file there.
    ///
    /// The file is written under a temporary name in the same directory, fsynced and renamed
    /// into place, so `path` only ever holds a complete WAV: after a failure (no such
    /// directory, disk full) nothing is left behind and the error says which.
    public static func write(_ samples: [Int16], sampleRate: SampleRate, to path: FilePath) throws(RecordingError) {
        guard samples.count <= maximumSampleCount else { throw .cannotExport(path, .fileTooLarge) }
        let directory = path.removingLastComponent()
        let temporary = directory.appending(".\(path.lastComponent?.string ?? "export").\(getpid())-\(UInt32.random(in: 0...UInt32.max)).tmp")
        var created = false
        do {
            let descriptor = try FileDescriptor.open(
                temporary, .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec],
                permissions: [.ownerReadWrite, .groupRead])
            created = true
            try descriptor.closeAfter {
                _ = try descriptor.writeAll(header(sampleCount: samples.count, sampleRate: sampleRate))
                try writeLittleEndian(samples, to: descriptor)
                try descriptor.synchronize()
            }
        } catch {
            if created { _ = unlink(temporary.string) }
            throw .cannotExport(path, Errno(error))
        }
        guard rename(temporary.string, path.string) == 0 else {
            let failure = Errno(rawValue: errno)
            _ = unlink(temporary.string)
            throw .cannotExport(path, failure)
        }
        do {
            try RecordingFile.syncDirectory(of: path)
        } catch {
            // The file is complete and in place; only its name's durability is in doubt.
        }
    }

    /// The 44-byte RIFF/WAVE header for `sampleCount` 16-bit mono samples.
    static func header(sampleCount: Int, sampleRate: SampleRate) -> [UInt8] {
        let dataBytes = UInt32(sampleCount * 2)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(44)
        func append(_ text: String) { bytes += text.utf8 }
        func append(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        func append(_ value: UInt16) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        append("RIFF")
        append(36 + dataBytes)
        append("WAVE")
        append("fmt ")
        append(UInt32(16))  // fmt chunk size
        append(UInt16(1))  // WAVE_FORMAT_PCM
        append(UInt16(1))  // channels
        append(UInt32(sampleRate.rawValue))
        append(UInt32(sampleRate.rawValue * 2))  // bytes per second
        append(UInt16(2))  // block align
        append(UInt16(16))  // bits per sample
        append("data")
        append(dataBytes)
        return bytes
    }

    private static func writeLittleEndian(_ samples: [Int16], to descriptor: FileDescriptor) throws(Errno) {
        do {
            if Int16(1).littleEndian == 1 {
                _ = try samples.withUnsafeBytes { try descriptor.writeAll($0) }
            } else {
                _ = try samples.map(\.littleEndian).withUnsafeBytes { try descriptor.writeAll($0) }
            }
        } catch {
            throw Errno(error)
        }
    }
}
