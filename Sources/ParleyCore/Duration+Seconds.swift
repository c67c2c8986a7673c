extension Duration {
    /// The duration in seconds, as a `Double` (sample counts, `Thread.sleep`, `Date` offsets,
    /// printed figures).
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded up, as `poll(2)` takes its timeout: a
    /// deadline is never missed by waking a fraction early. Negative durations give 0 and
    /// durations past `Int32.max` milliseconds (about 24 days) give `Int32.max`.
    public var pollMilliseconds: Int32 {
        let (seconds, attoseconds) = max(self, .zero).components
        guard seconds < Int64(Int32.max) / 1000 else { return .max }
        return Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
