import COpus
import SystemPackage

/// Why recording, or inspecting a recording, failed. Every description says what to do.
public struct RecordingError: Error, Sendable, Hashable, CustomStringConvertible {
    private enum Code: Sendable, Hashable {
        case cannotCreate(path: String, errno: Errno)
        case writeFailed(path: String, errno: Errno)
        case cannotRead(path: String, errno: Errno)
        case encoder(code: Int32)
        case notOggOpus(path: String, detail: String)
        case notRecording
        case alreadyRecording(path: String)
        case decoder(code: Int32)
        case cannotExport(path: String, errno: Errno)
    }

    private let code: Code
    private init(_ code: Code) { self.code = code }

    /// The recording file or its directory could not be created.
    public static func cannotCreate(_ path: FilePath, _ errno: Errno) -> RecordingError {
        RecordingError(.cannotCreate(path: path.string, errno: errno))
    }
    /// Writing or syncing the recording failed (disk full, I/O error).
    public static func writeFailed(_ path: FilePath, _ errno: Errno) -> RecordingError {
        RecordingError(.writeFailed(path: path.string, errno: errno))
    }
    /// A recording could not be opened or read for inspection.
    public static func cannotRead(_ path: FilePath, _ errno: Errno) -> RecordingError {
        RecordingError(.cannotRead(path: path.string, errno: errno))
    }
    /// libopus refused the settings or a frame (`OPUS_*` error code).
    public static func encoder(_ code: Int32) -> RecordingError { RecordingError(.encoder(code: code)) }
    /// The file does not begin with an Ogg Opus identification header.
    public static func notOggOpus(_ path: FilePath, _ detail: String) -> RecordingError {
        RecordingError(.notOggOpus(path: path.string, detail: detail))
    }
    /// `finish()` without `start(at:)`.
    public static let notRecording = RecordingError(.notRecording)
    /// `start(at:)` while a recording is in progress.
    public static func alreadyRecording(_ path: FilePath) -> RecordingError {
        RecordingError(.alreadyRecording(path: path.string))
    }

    /// libopus could not set up a decoder (`OPUS_*` error code).
    public static func decoder(_ code: Int32) -> RecordingError { RecordingError(.decoder(code: code)) }
    /// An export (a WAV file) could not be written; nothing was left at its path.
    public static func cannotExport(_ path: FilePath, _ errno: Errno) -> RecordingError {
        RecordingError(.cannotExport(path: path.string, errno: errno))
    }

    /// True for disk-side failures (space, permissions, I/O), as opposed to misuse.
    public var isStorageFailure: Bool {
        switch code {
        case .cannotCreate, .writeFailed, .cannotRead, .cannotExport: true
        default: false
        }
    }

    public var description: String {
        switch code {
        case .cannotCreate(let path, let errno):
            "cannot create recording \(path): \(errno) — check that the state directory exists, is writable by parleyd and has free space"
        case .writeFailed(let path, let errno):
            "writing recording \(path) failed: \(errno) — free disk space or check the disk; the file keeps the audio written before the failure"
        case .cannotRead(let path, let errno):
            "cannot read recording \(path): \(errno) — check that it exists and is readable by parleyd"
        case .encoder(let code):
            "Opus encoder error: \(String(cString: opus_strerror(code))) — check recording.bitrate, complexity and frame size in the configuration"
        case .notOggOpus(let path, let detail):
            "\(path) is not a usable Ogg Opus recording (\(detail)) — it may be truncated before its headers; keep it for inspection, it holds no audio"
        case .notRecording:
            "no recording in progress — call start(at:) before finish()"
        case .alreadyRecording(let path):
            "a recording is already in progress (\(path)) — finish it before starting another"
        case .decoder(let code):
            "Opus decoder error: \(String(cString: opus_strerror(code))) — nothing was decoded; check that parleyd has memory to spare and try again"
        case .cannotExport(let path, let errno):
            "cannot write export \(path): \(errno) — \(Self.exportAdvice(errno)); nothing was left at that path"
        }
    }

    private static func exportAdvice(_ errno: Errno) -> String {
        switch errno {
        case .noSuchFileOrDirectory, .notDirectory: "the directory does not exist; create it or choose another"
        case .noSpace, .diskQuotaExceeded: "the disk is full; free space and export again"
        case .permissionDenied, .notPermitted, .readOnlyFileSystem: "the directory is not writable by parleyd"
        case .fileTooLarge: "the audio is too long for one WAV file (4 GiB at most); export it in parts"
        case .isDirectory: "a directory has that name; choose another file name"
        default: "check the directory and the disk"
        }
    }
}
