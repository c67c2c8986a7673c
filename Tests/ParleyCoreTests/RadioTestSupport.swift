import ParleyCore

/// A point in test time: an offset from zero. Tests advance it by hand; nothing sleeps.
struct TestInstant: InstantProtocol, CustomStringConvertible {
    var offset: Duration

    func advanced(by duration: Duration) -> TestInstant { TestInstant(offset: offset + duration) }
    func duration(to other: TestInstant) -> Duration { other.offset - offset }
    static func < (lhs: TestInstant, rhs: TestInstant) -> Bool { lhs.offset < rhs.offset }

    var description: String { "t+\(offset)" }
}

/// `ms(1500)`: the instant 1.5 s after zero.
func ms(_ milliseconds: Int) -> TestInstant { TestInstant(offset: .milliseconds(milliseconds)) }

/// `sec(60)`: the instant 60 s after zero.
func sec(_ seconds: Int) -> TestInstant { TestInstant(offset: .seconds(seconds)) }
