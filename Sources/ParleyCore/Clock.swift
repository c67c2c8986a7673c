import Foundation

/// Wall-clock time, injected so that tests control it. (Durations and timers use
/// `any Clock<Duration>`; this is for the UTC timestamps written into the store.)
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}
