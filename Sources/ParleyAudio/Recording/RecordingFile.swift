import Crypto
import SystemPackage

/// An append-only file that hashes (SHA-256) everything written to it, so the digest is
/// ready the moment the file closes, without reading it back.
final class RecordingFile {
    let path: FilePath
    private(set) var descriptor: FileDescriptor?
    private var hasher = SHA256()
    private(set) var byteCount = 0

    /// Creates `path`, which must not exist (a recording is never overwritten).
    init(creating path: FilePath) throws(RecordingError) {
        self.path = path
        do {
            descriptor = try FileDescriptor.open(
                path, .writeOnly, options: [.create, .exclusiveCreate, .closeOnExec],
                permissions: [.ownerReadWrite, .groupRead])
        } catch {
            throw .cannotCreate(path, Errno(error))
        }
    }

    deinit { try? descriptor?.close() }

    /// Appends `bytes` with write(2) (retrying EINTR and short writes): once this returns,
    /// the data survives a crash of this process, though not yet a power cut.
    func write(_ bytes: [UInt8]) throws(RecordingError) {
        guard let descriptor, !bytes.isEmpty else { return }
        do {
            try bytes.withUnsafeBytes { raw in
                _ = try descriptor.writeAll(raw)
                hasher.update(bufferPointer: raw)
            }
        } catch {
            throw .writeFailed(path, Errno(error))
        }
        byteCount += bytes.count
    }

    /// fsync(2): the data survives a power cut.
    func sync() throws(RecordingError) {
        guard let descriptor else { return }
        do {
            try descriptor.synchronize()
        } catch {
            throw .writeFailed(path, error)
        }
    }

    /// Closes the file; returns the hex SHA-256 of everything written.
    func close() -> String {
        try? descriptor?.close()
        descriptor = nil
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// fsyncs the directory holding `path`, so a newly created file's name survives a power cut.
    static func syncDirectory(of path: FilePath) throws(RecordingError) {
        let directory = path.removingLastComponent()
        do {
            let descriptor = try FileDescriptor.open(directory, .readOnly, options: [.directory, .closeOnExec])
            try descriptor.closeAfter { try descriptor.synchronize() }
        } catch {
            throw .writeFailed(directory, Errno(error))
        }
    }
}
