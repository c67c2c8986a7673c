extension Duration {
    /// The duration in seconds, as a `Double` (sample counts, `Thread.sleep`, `Date` offsets,
    /// printed figures).
    public var inSeconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
