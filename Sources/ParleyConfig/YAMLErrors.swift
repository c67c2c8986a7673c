import Yams

/// Turns Yams/libyaml errors into ``ConfigurationError``s with a line, a column and a hint.
enum YAMLErrors {
    static func map(_ error: YamlError, yaml: String, file: String) -> ConfigurationError {
        switch error {
        case let .scanner(context, problem, mark, _):
            return syntax(context: context, problem: problem, mark: mark, yaml: yaml, file: file)
        case let .parser(context, problem, mark, _):
            return syntax(context: context, problem: problem, mark: mark, yaml: yaml, file: file)
        case let .composer(context, problem, mark, _):
            return syntax(context: context, problem: problem, mark: mark, yaml: yaml, file: file)
        case let .reader(problem, offset, _, _):
            let place = offset.flatMap { Self.position(ofCharacterOffset: $0, in: yaml) }
            return ConfigurationError(.unreadableFile, file: file, line: place?.line, column: place?.column, key: "",
                                      message: "unreadable text: \(problem)",
                                      hint: "save the file as UTF-8 text without control characters")
        case let .duplicatedKeysInMapping(duplicates, context):
            return duplicateKey(duplicates: duplicates, mark: context.mark, yaml: yaml, file: file)
        case .memory:
            return ConfigurationError(.syntax, file: file, line: nil, column: nil, key: "",
                                      message: "out of memory while reading the YAML",
                                      hint: "check that this is the right file; configuration files are small")
        default:
            return ConfigurationError(.syntax, file: file, line: nil, column: nil, key: "",
                                      message: "YAML error: \(error)", hint: "check the file's YAML syntax")
        }
    }

    private static func syntax(context: YamlError.Context?, problem: String, mark: Mark, yaml: String,
                               file: String) -> ConfigurationError {
        var message = "YAML syntax error: \(problem)"
        if problem.hasPrefix("Maximum nesting level") { message = "YAML syntax error: nested too deeply" }
        if let context, context.mark.line != mark.line {
            message += " (\(context.text) at line \(context.mark.line))"
        }
        let scalars = yaml.unicodeScalars
        let atTab = index(line: mark.line, column: mark.column, in: scalars).map { $0 < scalars.endIndex && scalars[$0] == "\t" }
        return ConfigurationError(.syntax, file: file, line: mark.line, column: mark.column, key: "", message: message,
                                  hint: hint(for: problem + " " + (context?.text ?? ""), atTab: atTab ?? false))
    }

    private static func hint(for problem: String, atTab: Bool) -> String {
        if atTab || problem.contains("tab") {
            return "indent with spaces, not tabs"
        }
        if problem.contains("mapping values are not allowed") {
            return "check the indentation of this line (keys of one section line up under each other); "
                + "if a value contains ': ', quote it, e.g. key: \"a: b\""
        }
        if problem.contains("flow mapping") || problem.contains("expected ',' or '}'") {
            return "close the '{' with '}' on the same line, separate its items with ',', and quote values containing ',' or '}'"
        }
        if problem.contains("flow sequence") || problem.contains("expected ',' or ']'") {
            return "close the '[' with ']', separate its items with ',', and quote values containing ',' or ']'"
        }
        if problem.contains("single document") {
            return "remove the second document ('---'): one file holds one configuration"
        }
        if problem.contains("nesting level") {
            return "nest less deeply: a Parley configuration is at most a few levels deep"
        }
        if problem.contains("undefined alias") {
            return "define the anchor (&name) before using it (*name), or write the value out"
        }
        return "check the indentation (keys of one section line up, using spaces) and the quoting near here; "
            + "quote values that start with a special character such as *, &, !, %, @, ` or {"
    }

    // MARK: Duplicate keys

    /// Yams reports the *first* occurrence of a duplicated key and no path. To name the key
    /// and point at the second occurrence (the one usually added by mistake), rename the first
    /// occurrence in the text, compose again and look for the two keys in the tree.
    private static func duplicateKey(duplicates: [String], mark: Mark, yaml: String, file: String) -> ConfigurationError {
        let name = duplicates.sorted().first ?? ""
        let hint = "remove one of them: a later value does not override an earlier one"
        let fallback = ConfigurationError(.duplicateKey, file: file, line: mark.line, column: mark.column, key: name,
                                          message: "'\(ConfigValue.shorten(name))' is given more than once in one mapping",
                                          hint: hint)
        let marker = "__parley_first_occurrence__"
        var scalars = yaml.unicodeScalars
        guard !name.isEmpty, var start = index(line: mark.line, column: mark.column, in: scalars) else { return fallback }
        if start < scalars.endIndex, scalars[start] == "\"" || scalars[start] == "'" {
            start = scalars.index(after: start)
        }
        guard scalars[start...].starts(with: name.unicodeScalars) else { return fallback }
        let end = scalars.index(start, offsetBy: name.unicodeScalars.count)
        scalars.insert(contentsOf: marker.unicodeScalars, at: end)

        let root: Node?
        do {
            root = try Yams.compose(yaml: String(scalars))
        } catch let YamlError.duplicatedKeysInMapping(again, context) where again.sorted().first == name {
            // Three or more: the renamed compose reports the second occurrence.
            return ConfigurationError(.duplicateKey, file: file, line: context.mark.line, column: context.mark.column,
                                      key: name, message: "'\(ConfigValue.shorten(name))' is given more than once in one mapping",
                                      hint: hint)
        } catch {
            return fallback
        }
        var budget = 100_000
        guard let root, let (path, second) = locate(name: name, renamed: name + marker, in: root, path: "", budget: &budget),
              let secondMark = second.mark else { return fallback }
        // On the line of the renamed key, later columns moved right by the marker's length.
        let shift = secondMark.line == mark.line && secondMark.column > mark.column ? marker.unicodeScalars.count : 0
        return ConfigurationError(.duplicateKey, file: file, line: secondMark.line, column: secondMark.column - shift, key: path,
                                  message: "'\(ConfigValue.shorten(name))' is given twice in this mapping (first at line \(mark.line))",
                                  hint: hint)
    }

    /// Depth-first search for the mapping that holds both `renamed` and `name`.
    private static func locate(name: String, renamed: String, in node: Node, path: String, budget: inout Int) -> (String, Node)? {
        budget -= 1
        guard budget > 0 else { return nil }
        switch node {
        case let .mapping(mapping):
            if mapping.contains(where: { $0.key.scalar?.string == renamed }),
               let second = mapping.first(where: { $0.key.scalar?.string == name }) {
                return (ConfigMapping.path(path, name), second.key)
            }
            for (key, value) in mapping {
                let child = ConfigMapping.path(path, key.scalar?.string ?? "?")
                if let found = locate(name: name, renamed: renamed, in: value, path: child, budget: &budget) { return found }
                if budget <= 0 { return nil }
            }
            return nil
        case let .sequence(sequence):
            for (offset, item) in sequence.enumerated() {
                if let found = locate(name: name, renamed: renamed, in: item, path: "\(path)[\(offset)]", budget: &budget) {
                    return found
                }
                if budget <= 0 { return nil }
            }
            return nil
        case .scalar, .alias:
            return nil
        }
    }

    // MARK: Positions (libyaml counts lines 1-based, columns 1-based in Unicode scalars)

    private static func isBreak(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\n" || scalar == "\r" || scalar == "\u{85}" || scalar == "\u{2028}" || scalar == "\u{2029}"
    }

    /// The index of (line, column) in the text, as libyaml counts them.
    static func index(line: Int, column: Int, in scalars: String.UnicodeScalarView) -> String.UnicodeScalarView.Index? {
        guard line >= 1, column >= 1 else { return nil }
        var current = 1
        var position = scalars.startIndex
        while current < line {
            guard position < scalars.endIndex else { return nil }
            let scalar = scalars[position]
            position = scalars.index(after: position)
            if isBreak(scalar) {
                if scalar == "\r", position < scalars.endIndex, scalars[position] == "\n" {
                    position = scalars.index(after: position)
                }
                current += 1
            }
        }
        return scalars.index(position, offsetBy: column - 1, limitedBy: scalars.endIndex)
    }

    /// The (line, column) of a Character offset, as Yams' reader errors give it.
    static func position(ofCharacterOffset offset: Int, in text: String) -> (line: Int, column: Int)? {
        guard offset >= 0, let target = text.index(text.startIndex, offsetBy: offset, limitedBy: text.endIndex) else {
            return nil
        }
        var line = 1
        var column = 1
        var previous: Unicode.Scalar?
        for scalar in text.unicodeScalars[..<target] {
            if isBreak(scalar) {
                if !(scalar == "\n" && previous == "\r") { line += 1 }
                column = 1
            } else {
                column += 1
            }
            previous = scalar
        }
        return (line, column)
    }
}
