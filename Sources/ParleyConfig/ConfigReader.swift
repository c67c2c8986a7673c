import Yams

// A small reader over the Yams node tree. Each section of the file is read through a
// `ConfigMapping`, which remembers which keys the section asked for, so that anything left
// over is reported as an unknown key with its line; each value is read through a typed getter
// on `ConfigValue`, which reports a wrong type at the line of the value. Adding a section is:
// a struct conforming to `ConfigSection`, one line in `ParleyConfiguration.parse`.

/// What the readers need besides the node: the file name for errors, and name lookups.
struct ParseContext {
    var file: String
    var accounts: AccountResolver
}

/// One top-level section of the file (`daemon:`, `store:`, `control:`; later `channels:`…).
protocol ConfigSection {
    /// The top-level key, e.g. `"daemon"`.
    static var sectionKey: String { get }
    /// All defaults: what an absent section means.
    static var defaults: Self { get }
    /// Reads the section's keys. The caller checks for unknown keys afterwards.
    init(reading mapping: ConfigMapping) throws
}

/// One value in the tree, with its dotted key and position.
struct ConfigValue {
    let node: Node
    /// Dotted path, like `control.roles[2].uid`; empty for the document itself.
    let key: String
    /// Position of the key naming this value (nil for list items and the document).
    let keyMark: Mark?
    let context: ParseContext

    var line: Int? { node.mark?.line }
    var column: Int? { node.mark?.column }

    /// An error located at this value.
    func error(_ code: ConfigurationError.Code, _ message: String, hint: String) -> ConfigurationError {
        ConfigurationError(code, file: context.file, line: line, column: column, key: key, message: message, hint: hint)
    }

    /// An error located at the key naming this value (falls back to the value's position).
    func errorAtKey(_ code: ConfigurationError.Code, _ message: String, hint: String) -> ConfigurationError {
        let mark = keyMark ?? node.mark
        return ConfigurationError(code, file: context.file, line: mark?.line, column: mark?.column, key: key,
                                  message: message, hint: hint)
    }

    /// True for an empty value, `~` or `null` written without quotes.
    var isNull: Bool {
        guard case let .scalar(scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How the value looks, for "expected X, found Y" messages.
    var found: String {
        switch node {
        case .mapping: return "a mapping (key: value lines)"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(scalar):
            if isNull { return "no value" }
            return "'\(ConfigValue.shorten(scalar.string))'"
        }
    }

    static func shorten(_ text: String) -> String {
        let scalars = text.unicodeScalars
        guard scalars.count > 60 else { return text }
        return String(String.UnicodeScalarView(scalars.prefix(57))) + "..."
    }

    /// The text of a scalar value. Lists, mappings and empty values are wrong types.
    func scalarText(expected: String, example: String, hint: String? = nil) throws -> String {
        guard case let .scalar(scalar) = node, !isNull else {
            throw error(.wrongType, "expected \(expected), found \(found)", hint: hint ?? "write a single value, e.g. \(example)")
        }
        return scalar.string
    }

    // MARK: Typed getters

    /// A text value; empty text is refused unless `allowEmpty`. Control characters are refused.
    func string(allowEmpty: Bool = false, example: String = "some-text") throws -> String {
        let text = try scalarText(expected: "text", example: example)
        if text.isEmpty && !allowEmpty {
            throw error(.invalidValue, "must not be empty", hint: "write a value, e.g. \(example), or remove the key to use the default")
        }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) {
            throw error(.invalidValue, "contains a control character", hint: "remove tabs, newlines and other control characters from the value")
        }
        return text
    }

    /// A whole number (decimal digits, optional sign, `_` allowed between digits) in `range`.
    func int(in range: ClosedRange<Int>) throws -> Int {
        let rangeHint = "use a whole number from \(range.lowerBound) to \(range.upperBound)"
        let text = try scalarText(expected: "a whole number", example: "\(range.lowerBound)", hint: "write a single value: " + rangeHint)
        guard let digits = ConfigValue.decimalDigits(text) else {
            throw error(.wrongType, "expected a whole number, found \(found)", hint: rangeHint)
        }
        guard let value = Int(digits), range.contains(value) else {
            throw error(.outOfRange, "\(text) is out of range", hint: rangeHint)
        }
        return value
    }

    /// `true` or `false`.
    func bool() throws -> Bool {
        let text = try scalarText(expected: "true or false", example: "true")
        switch text.lowercased() {
        case "true": return true
        case "false": return false
        default: throw error(.wrongType, "expected true or false, found \(found)", hint: "write true or false")
        }
    }

    /// A number of seconds (whole or decimal, like `300` or `1.5`) in `range`.
    func seconds(in range: ClosedRange<Int>) throws -> Duration {
        let rangeHint = "use a number of seconds from \(range.lowerBound) to \(range.upperBound)"
        let text = try scalarText(expected: "a number of seconds", example: "\(range.lowerBound)", hint: "write a single value: " + rangeHint)
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = parts.first.flatMap({ ConfigValue.decimalDigits(String($0)) }),
              !whole.hasPrefix("-"),
              parts.count == 1 || parts[1].allSatisfy({ $0.isASCII && $0.isNumber }),
              let value = Double(whole + (parts.count == 2 ? "." + parts[1] : "")), value.isFinite else {
            throw error(.wrongType, "expected a number of seconds, found \(found)", hint: rangeHint)
        }
        guard value >= Double(range.lowerBound), value <= Double(range.upperBound) else {
            throw error(.outOfRange, "\(text) seconds is out of range", hint: rangeHint)
        }
        return .milliseconds(Int64((value * 1000).rounded()))
    }

    /// One of the names of `E` (its raw values), spelled exactly.
    func choice<E: CaseIterable & RawRepresentable>(_ type: E.Type, what: String) throws -> E where E.RawValue == String {
        let names = E.allCases.map(\.rawValue)
        let text = try scalarText(expected: what, example: names.first ?? "",
                                  hint: "write one of \(names.joined(separator: ", "))")
        guard let value = E(rawValue: text) else {
            throw error(.invalidValue, "unknown \(what) '\(ConfigValue.shorten(text))'",
                        hint: "use one of \(names.joined(separator: ", "))")
        }
        return value
    }

    /// A nested mapping. An empty value counts as an empty mapping (all defaults).
    func mapping() throws -> ConfigMapping {
        try ConfigMapping(self)
    }

    /// A list; each item carries its `key[index]` path (0-based). An empty value is an empty list.
    func list(example: String) throws -> [ConfigValue] {
        if isNull { return [] }
        guard case let .sequence(sequence) = node else {
            throw error(.wrongType, "expected a list, found \(found)", hint: "write one item per line starting with '- ', e.g. \(example)")
        }
        return sequence.enumerated().map { index, item in
            ConfigValue(node: item, key: "\(key)[\(index)]", keyMark: nil, context: context)
        }
    }

    /// `digits` without `_` separators and with at most one leading sign, or nil.
    static func decimalDigits(_ text: String) -> String? {
        var body = Substring(text)
        var sign = ""
        if let first = body.first, first == "+" || first == "-" {
            sign = first == "-" ? "-" : ""
            body = body.dropFirst()
        }
        guard let first = body.first, let last = body.last, first.isASCII, first.isNumber, last.isASCII, last.isNumber,
              body.allSatisfy({ ($0.isASCII && $0.isNumber) || $0 == "_" }),
              !body.contains("__") else { return nil }
        return sign + body.filter { $0 != "_" }
    }
}

/// A mapping being read: remembers which keys were asked for, so leftovers are unknown keys.
final class ConfigMapping {
    let value: ConfigValue
    private let entries: [(name: String, keyNode: Node, value: Node)]
    private var asked: [String] = []

    init(_ value: ConfigValue) throws {
        self.value = value
        if value.isNull {
            entries = []
            return
        }
        guard case let .mapping(mapping) = value.node else {
            throw value.error(.notAMapping, "expected a mapping (key: value lines), found \(value.found)",
                              hint: "write the keys of \(value.key.isEmpty ? "the file" : "'\(value.key)'") indented below it, one 'key: value' per line")
        }
        var entries: [(name: String, keyNode: Node, value: Node)] = []
        var firstLine: [String: Int] = [:]
        for (keyNode, valueNode) in mapping {
            let keyValue = ConfigValue(node: keyNode, key: value.key, keyMark: nil, context: value.context)
            guard case let .scalar(scalar) = keyNode else {
                throw keyValue.error(.wrongType, "a key must be a plain name, found \(keyValue.found)",
                                     hint: "write keys as plain words followed by ':'")
            }
            let name = scalar.string
            if let earlier = firstLine[name] {
                let path = ConfigMapping.path(value.key, name)
                throw ConfigurationError(.duplicateKey, file: value.context.file, line: keyNode.mark?.line,
                                         column: keyNode.mark?.column, key: path,
                                         message: "'\(ConfigValue.shorten(name))' is given twice in this mapping (first at line \(earlier))",
                                         hint: "remove one of them: a later value does not override an earlier one")
            }
            firstLine[name] = keyNode.mark?.line ?? 0
            entries.append((name, keyNode, valueNode))
        }
        self.entries = entries
    }

    static func path(_ parent: String, _ name: String) -> String {
        parent.isEmpty ? name : "\(parent).\(name)"
    }

    /// The value under `name`, or nil when absent. Marks the key as known.
    func value(_ name: String) -> ConfigValue? {
        if !asked.contains(name) { asked.append(name) }
        guard let entry = entries.first(where: { $0.name == name }) else { return nil }
        return ConfigValue(node: entry.value, key: ConfigMapping.path(value.key, name),
                           keyMark: entry.keyNode.mark, context: value.context)
    }

    /// The value under `name` read with `read`, or `defaultValue` when the key is absent.
    func optional<T>(_ name: String, default defaultValue: T, _ read: (ConfigValue) throws -> T) throws -> T {
        guard let found = value(name) else { return defaultValue }
        return try read(found)
    }

    /// The value under `name` read with `read`; a missing key is an error at this mapping.
    func required<T>(_ name: String, example: String, _ read: (ConfigValue) throws -> T) throws -> T {
        guard let found = value(name) else {
            throw value.error(.missingKey, "'\(name)' is missing", hint: "add it, e.g. \(name): \(example)")
        }
        return try read(found)
    }

    /// A whole section: its defaults when absent or empty.
    func section<S: ConfigSection>(_ type: S.Type) throws -> S {
        try optional(S.sectionKey, default: S.defaults) { value in
            let mapping = try value.mapping()
            let section = try S(reading: mapping)
            try mapping.finish()
            return section
        }
    }

    /// Keys present in the file, in file order, with their positions (for selector-style checks).
    func present(_ names: [String]) -> [ConfigValue] {
        for name in names where !asked.contains(name) { asked.append(name) }
        return entries.filter { names.contains($0.name) }.compactMap { value($0.name) }
    }

    /// Fails on the first key (in file order) that no reader asked for.
    func finish() throws {
        guard let unknown = entries.first(where: { !asked.contains($0.name) }) else { return }
        let mark = unknown.keyNode.mark
        var hint = "remove it"
        if let suggestion = ConfigMapping.closest(to: unknown.name, in: asked) {
            hint = "did you mean '\(suggestion)'? Otherwise remove it"
        }
        if !asked.isEmpty {
            hint += " (known keys here: \(asked.joined(separator: ", ")))"
        }
        let place = value.key.isEmpty ? "at the top level" : "in '\(value.key)'"
        throw ConfigurationError(.unknownKey, file: value.context.file, line: mark?.line, column: mark?.column,
                                 key: ConfigMapping.path(value.key, unknown.name),
                                 message: "unknown key '\(ConfigValue.shorten(unknown.name))' \(place)", hint: hint)
    }

    /// The known key within edit distance 2 (or a third of its length) of `name`, if any.
    static func closest(to name: String, in known: [String]) -> String? {
        let target = Array(name.lowercased().unicodeScalars.prefix(64))
        var best: (String, Int)?
        for candidate in known {
            let distance = editDistance(target, Array(candidate.unicodeScalars))
            if distance <= max(2, candidate.count / 3), distance < (best?.1 ?? .max) {
                best = (candidate, distance)
            }
        }
        return best?.0
    }

    private static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
