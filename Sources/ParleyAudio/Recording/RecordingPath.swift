import Foundation
import SystemPackage

/// Where recordings live: `ROOT/YYYY/MM/DD/<channel>-<UTC>.opus`, dated by the UTC day the
/// transmission opened, e.g. `recordings/2026/11/23/north-20261123T175431.123Z.opus`.
public enum RecordingPath {
    /// The file for a transmission on `channel` that opened at `openedAt`. Characters other
    /// than letters, digits, `-`, `_` and `.` in the channel id become `_`.
    public static func file(root: FilePath, channel: String, openedAt: Date) -> FilePath {
        let parts = utcParts(openedAt)
        let day = String(format: "%04d/%02d/%02d", parts.year, parts.month, parts.day)
        return root.appending(day).appending("\(safe(channel))-\(stamp(openedAt)).opus")
    }

    /// `20261123T175431.123Z`: ISO 8601 basic format, UTC, milliseconds; sorts by time.
    public static func stamp(_ date: Date) -> String {
        let parts = utcParts(date)
        return String(
            format: "%04d%02d%02dT%02d%02d%02d.%03dZ", parts.year, parts.month, parts.day, parts.hour, parts.minute,
            parts.second, parts.millisecond)
    }

    private static func safe(_ channel: String) -> String {
        let cleaned = String(
            channel.unicodeScalars.map { scalar -> Character in
                let allowed = scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || "-_.".unicodeScalars.contains(scalar))
                return allowed ? Character(scalar) : "_"
            })
        return cleaned.isEmpty || cleaned.allSatisfy({ $0 == "." }) ? "channel" : cleaned
    }

    private static func utcParts(_ date: Date) -> (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, millisecond: Int) {
        let millis = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        let seconds = millis >= 0 ? millis / 1000 : (millis - 999) / 1000
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        return (
            Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min),
            Int(parts.tm_sec), Int(millis - seconds * 1000)
        )
    }
}
