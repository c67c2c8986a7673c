#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension ParleyConfiguration {
    /// The SQLite store: `store.file` if absolute, else inside the state directory.
    /// Absolute after ``resolvingPaths(stateDirOverride:currentDirectory:)``.
    public var storePath: String {
        Self.join(daemon.stateDirectory, store.file)
    }

    /// The control socket: `control.socket` if absolute, else inside the runtime directory.
    /// Absolute after ``resolvingPaths(stateDirOverride:currentDirectory:)``.
    public var socketPath: String {
        Self.join(daemon.runtimeDirectory, control.socket)
    }

    /// Where recordings are written: `recordings/` inside the state directory.
    public var recordingsDirectory: String {
        Self.join(daemon.stateDirectory, "recordings")
    }

    /// The same configuration with every path absolute. Call once, at start-up and on reload.
    ///
    /// - `stateDirOverride` (`parleyd --state-dir DIR`) replaces `daemon.state_dir` **and**
    ///   `daemon.runtime_dir`: the store, the recordings and the control socket all go under
    ///   DIR, so one flag gives a self-contained instance (tests, demos). `store.file` and
    ///   `control.socket` given as absolute paths stay where they are.
    /// - Relative directories resolve against `currentDirectory` (default: the process's
    ///   working directory), *not* against the configuration file's directory.
    /// - `.` components and repeated slashes are removed; `..` is kept (symlinks).
    ///
    /// A socket path longer than 107 bytes cannot be bound; the control server reports it.
    public func resolvingPaths(stateDirOverride: String? = nil, currentDirectory: String? = nil) -> ParleyConfiguration {
        let base = currentDirectory ?? Self.workingDirectory() ?? "/"
        var resolved = self
        let stateDirectory = Self.absolute(stateDirOverride ?? daemon.stateDirectory, base: base)
        resolved.daemon.stateDirectory = stateDirectory
        resolved.daemon.runtimeDirectory = stateDirOverride == nil
            ? Self.absolute(daemon.runtimeDirectory, base: base) : stateDirectory
        resolved.store.file = Self.absolute(store.file, base: stateDirectory)
        resolved.control.socket = Self.absolute(control.socket, base: resolved.daemon.runtimeDirectory)
        resolved.channels = channels.map { $0.resolvingPaths(base: stateDirectory) }
        resolved.telephony = telephony.resolvingPaths(base: stateDirectory)
        return resolved
    }

    static func join(_ directory: String, _ path: String) -> String {
        if path.hasPrefix("/") { return path }
        if directory.isEmpty { return path }
        return directory.hasSuffix("/") ? directory + path : directory + "/" + path
    }

    static func absolute(_ path: String, base: String) -> String {
        normalize(join(base, path))
    }

    static func normalize(_ path: String) -> String {
        let parts = path.split(separator: "/").filter { $0 != "." }
        let joined = parts.joined(separator: "/")
        return path.hasPrefix("/") ? "/" + joined : (joined.isEmpty ? "." : joined)
    }

    private static func workingDirectory() -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

extension ParleyConfiguration.Channel {
    /// Relative raw files, serial ports and hidraw paths are inside the state directory (the
    /// simulator and tests keep their stand-ins there); ALSA device names are left alone.
    func resolvingPaths(base: String) -> Self {
        var resolved = self
        resolved.capture.source = capture.source.resolving(base: base)
        resolved.playback?.source = (playback?.source ?? .device("")).resolving(base: base)
        resolved.transmitAudio?.source = (transmitAudio?.source ?? .device("")).resolving(base: base)
        resolved.dispatcherAudio?.source = (dispatcherAudio?.source ?? .device("")).resolving(base: base)
        resolved.squelch.sources = squelch.sources.map { $0.resolving(base: base) }
        resolved.ptt = ptt?.resolving(base: base)
        resolved.tetra?.device = ParleyConfiguration.absolute(tetra?.device ?? "", base: base)
        return resolved
    }
}

extension ParleyConfiguration.AudioSource {
    /// A relative raw file inside `base`; ALSA device names are left alone.
    func resolving(base: String) -> Self {
        if case .rawFile(let file) = self { return .rawFile(ParleyConfiguration.absolute(file, base: base)) }
        return self
    }
}

extension ParleyConfiguration.SquelchSource {
    /// Relative serial ports and hidraw paths inside `base`.
    func resolving(base: String) -> Self {
        switch self {
        case .vox: self
        case .serial(let port, let line, let inverted):
            .serial(port: ParleyConfiguration.absolute(port, base: base), line: line, inverted: inverted)
        case .cm108(let hidraw, let bit, let inverted):
            .cm108(hidraw: ParleyConfiguration.absolute(hidraw, base: base), bit: bit, inverted: inverted)
        }
    }
}

extension ParleyConfiguration.PTT {
    /// Relative serial ports and hidraw paths inside `base`.
    func resolving(base: String) -> Self {
        switch kind {
        case .serial(let port, let lines): .init(kind: .serial(port: ParleyConfiguration.absolute(port, base: base), lines: lines))
        case .cm108(let hidraw, let gpio, let inverted):
            .init(kind: .cm108(hidraw: ParleyConfiguration.absolute(hidraw, base: base), gpio: gpio, inverted: inverted))
        case .rigctld: self
        }
    }
}
