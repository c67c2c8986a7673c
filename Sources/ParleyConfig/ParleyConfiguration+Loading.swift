#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Yams

extension ParleyConfiguration {
    /// Files larger than this are refused: a configuration is a few kilobytes.
    public static let maxFileBytes = 4 * 1024 * 1024

    /// Reads and parses a configuration file.
    ///
    /// - Parameters:
    ///   - path: the file, as given on the command line; errors name it as given.
    ///   - accounts: resolves `user:`/`group:` names in `control.roles`.
    /// - Throws: ``ConfigurationError`` naming the file, and where possible the line and key.
    public static func load(file path: String, accounts: AccountResolver = .system) throws -> ParleyConfiguration {
        let bytes = try readFile(path)
        let text = try decodeUTF8(bytes, file: path)
        return try parse(yaml: text, file: path, accounts: accounts)
    }

    /// Parses configuration text. An empty document gives all defaults; the top level must
    /// otherwise be a mapping. Never traps, whatever the input.
    ///
    /// - Parameters:
    ///   - yaml: the text.
    ///   - file: the name to put in errors.
    ///   - accounts: resolves `user:`/`group:` names in `control.roles`.
    public static func parse(yaml: String, file: String, accounts: AccountResolver = .system) throws -> ParleyConfiguration {
        let context = ParseContext(file: file, accounts: accounts)
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw YAMLErrors.map(error, yaml: yaml, file: file)
        }
        guard let root else { return ParleyConfiguration() }
        let top = ConfigValue(node: root, key: "", keyMark: nil, context: context)
        if top.isNull { return ParleyConfiguration() }
        guard case .mapping = root else {
            throw top.error(.notAMapping, "the file must be a mapping of sections (daemon:, store:, control:, channels:, telephony:), found \(top.found)",
                            hint: "start the file with a section name at column 1, e.g. 'daemon:'; see config/parley.example.yaml")
        }
        let sections = try top.mapping()
        let configuration = ParleyConfiguration(
            daemon: try sections.section(Daemon.self),
            store: try sections.section(Store.self),
            control: try sections.section(Control.self),
            channels: try sections.optional("channels", default: []) { try readChannels($0) },
            telephony: try sections.optional("telephony", default: Telephony()) { try readTelephony($0) }
        )
        try sections.finish()
        return configuration
    }

    // MARK: File reading

    private static func ioError(_ path: String, _ what: String, errno code: Int32) -> ConfigurationError {
        let reason = String(cString: strerror(code))
        let hint = code == ENOENT
            ? "check the path given to --config (config/parley.example.yaml documents every key)"
            : "check the path given to --config and that the daemon's user may read the file"
        return ConfigurationError(.unreadableFile, file: path, line: nil, column: nil, key: "",
                                  message: "cannot \(what) the configuration file: \(reason)", hint: hint)
    }

    private static func readFile(_ path: String) throws -> [UInt8] {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw ioError(path, "open", errno: errno) }
        defer { _ = close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ioError(path, "read", errno: errno)
            }
            if count == 0 { return bytes }
            bytes.append(contentsOf: chunk[0..<count])
            if bytes.count > maxFileBytes {
                throw ConfigurationError(.unreadableFile, file: path, line: nil, column: nil, key: "",
                                         message: "the file is larger than \(maxFileBytes / 1024 / 1024) MiB",
                                         hint: "check that --config names the configuration file, not some other file")
            }
        }
    }

    /// Strict UTF-8: an invalid byte is an error at its line, not a silent U+FFFD.
    private static func decodeUTF8(_ bytes: [UInt8], file: String) throws -> String {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case let .valid(encoded):
                offset += encoded.count
            case .emptyInput:
                return String(decoding: bytes, as: UTF8.self)
            case .error:
                let before = bytes[..<offset]
                let line = before.reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
                let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
                let column = String(decoding: bytes[lineStart..<offset], as: UTF8.self).unicodeScalars.count + 1
                throw ConfigurationError(.unreadableFile, file: file, line: line, column: column, key: "",
                                         message: "the file is not UTF-8 text (invalid byte at offset \(offset))",
                                         hint: "save the file as UTF-8")
            }
        }
    }
}
