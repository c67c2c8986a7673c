#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ParleyControl
import ParleyCore

/// Human-readable output: aligned tables, one line per event.
enum Output {
    /// Prints `value` as one line of canonical JSON (`--json`).
    static func json(_ value: JSONValue) {
        print(value.canonicalString)
        fflush(nil)
    }

    /// Columns padded to the widest cell; the last column is not padded.
    static func table(_ header: [String], _ rows: [[String]]) {
        let all = [header] + rows
        var widths = [Int](repeating: 0, count: header.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count {
                widths[index] = max(widths[index], cell.count)
            }
        }
        for row in all {
            var line = ""
            for (index, cell) in row.enumerated() {
                if index > 0 { line += "  " }
                line += index == row.count - 1 ? cell : cell.padding(to: widths[index])
            }
            print(line)
        }
    }

    /// `  label        value` lines.
    static func fields(_ pairs: [(String, String)], indent: String = "  ") {
        let width = pairs.map(\.0.count).max() ?? 0
        for (label, value) in pairs {
            print(indent + label.padding(to: width) + "  " + value)
        }
    }

    /// `2026-11-23T17:54:31.123Z  #1234  emergency  incident.opened  operator:alice  inc 3  reference=… grade=G1`
    static func eventLine(_ event: ControlEvent) -> String {
        let incident = event.incident.map { "inc \($0)" } ?? "-"
        return [
            event.time, "#\(event.sequence)", event.priority.padding(to: 9), event.kind, event.source, incident,
            summary(event.payload),
        ].joined(separator: "  ")
    }

    /// `key=value` pairs of a payload, long texts shortened, the whole kept to one screen line.
    static func summary(_ payload: JSONValue, limit: Int = 160) -> String {
        guard case .object(let members) = payload else { return short(payload) }
        var parts: [String] = []
        for key in members.keys.sorted() {
            parts.append("\(key)=\(short(members[key]!))")
        }
        let text = parts.joined(separator: " ")
        return text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    private static func short(_ value: JSONValue) -> String {
        switch value {
        case .string(let text):
            let flat = text.replacingNewlines()
            let clipped = flat.count > 48 ? String(flat.prefix(47)) + "…" : flat
            return clipped.contains(" ") || clipped.isEmpty ? "\"\(clipped)\"" : clipped
        default:
            let text = value.canonicalString
            return text.count > 48 ? String(text.prefix(47)) + "…" : text
        }
    }

    /// A progress line on stderr, only when stderr is a terminal.
    static func progress(_ text: String) {
        guard isatty(2) != 0 else { return }
        standardError("\r\u{1B}[K" + text)
    }

    static func endProgress() {
        guard isatty(2) != 0 else { return }
        standardError("\r\u{1B}[K")
    }

    /// Writes `text` to file descriptor 2 as is (unbuffered).
    static func standardError(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            bytes = bytes.dropFirst(written)
        }
    }

    static func percent(_ part: Int64, of whole: Int64) -> String {
        whole > 0 ? "\(part * 100 / whole)%" : "100%"
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func replacingNewlines() -> String {
        String(map { $0 == "\n" || $0 == "\r" || $0 == "\t" ? " " : $0 })
    }
}
