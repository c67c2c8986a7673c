/// A configuration file that cannot be used, with where and why.
///
/// Every error names the file, the line and column (when the problem is at a place in the
/// file), the dotted key (`control.roles[2].role`), what was wrong and what to do about it:
///
///     config/demo.yaml:14:3: control.roles[2].role: unknown role 'boss' — use one of engineer, dispatcher, admin
///
/// Compare errors by ``code``; the message and hint are for people and may be reworded.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of problem it is. New codes may be added; do not switch exhaustively.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Base: String, Hashable, Sendable {
            case unreadableFile = "unreadable file"
            case syntax = "YAML syntax error"
            case duplicateKey = "duplicate key"
            case notAMapping = "not a mapping"
            case unknownKey = "unknown key"
            case missingKey = "missing key"
            case wrongType = "wrong type"
            case outOfRange = "out of range"
            case invalidValue = "invalid value"
            case unknownAccount = "unknown user or group"
        }

        private let base: Base
        private init(_ base: Base) { self.base = base }

        public var description: String { base.rawValue }

        /// The file could not be opened or read, or is not UTF-8 text.
        public static let unreadableFile = Code(.unreadableFile)
        /// The text is not valid YAML (indentation, quoting, tabs, a second document…).
        public static let syntax = Code(.syntax)
        /// A key appears twice in the same mapping.
        public static let duplicateKey = Code(.duplicateKey)
        /// A mapping (`key: value` lines) was expected: at the top level or for a section.
        public static let notAMapping = Code(.notAMapping)
        /// A key that Parley does not know (often a typo).
        public static let unknownKey = Code(.unknownKey)
        /// A key that must be given is absent.
        public static let missingKey = Code(.missingKey)
        /// A value of the wrong kind: a list where a number belongs, a word where a number belongs…
        public static let wrongType = Code(.wrongType)
        /// A number outside its allowed range.
        public static let outOfRange = Code(.outOfRange)
        /// A value of the right kind that is not allowed (unknown enum name, bad octal mode…).
        public static let invalidValue = Code(.invalidValue)
        /// A `user:` or `group:` name that this machine does not know.
        public static let unknownAccount = Code(.unknownAccount)
    }

    /// The kind of problem.
    public let code: Code
    /// The configuration file, as given to the loader.
    public let file: String
    /// 1-based line of the offending key or value; `nil` when the problem is the whole file.
    public let line: Int?
    /// 1-based column (in Unicode scalars) of the offending key or value; `nil` with `line`.
    public let column: Int?
    /// Dotted path of the key, like `control.roles[2].uid`; empty for the file or top level.
    public let key: String
    /// What was wrong.
    public let message: String
    /// What to do about it.
    public let hint: String

    init(_ code: Code, file: String, line: Int?, column: Int?, key: String, message: String, hint: String) {
        self.code = code
        self.file = file
        self.line = line
        self.column = column
        self.key = key
        self.message = message
        self.hint = hint
    }

    /// `file:line:column: key: message — hint`, leaving out what is not known.
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        text += ": "
        if !key.isEmpty { text += "\(key): " }
        text += message
        if !hint.isEmpty { text += " — \(hint)" }
        return text
    }
}
