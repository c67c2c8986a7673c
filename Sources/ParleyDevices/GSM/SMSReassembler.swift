/// Joins the parts of concatenated SMS (TS 23.040 §9.2.3.24.1) into whole messages: a value-type
/// state machine. Parts may arrive in any order; a repeated part is ignored. A message still
/// missing parts `timeout` after its first part arrived is handed over flagged incomplete.
/// Time is passed in with every event — nothing here reads a clock.
public struct SMSReassembler<Instant: InstantProtocol>: Sendable
where Instant: Sendable, Instant.Duration == Swift.Duration {
    /// A whole message, or what arrived of one before the timeout.
    public struct Message: Sendable, Hashable {
        public var sender: SMSAddress
        /// Nil for a message that came in one PDU.
        public var reference: UInt16?
        public var total: Int
        /// The body in order, consecutive parts of the same alphabet joined before decoding (so a
        /// surrogate pair or escape split across parts decodes correctly). A gap breaks a run.
        public var segments: [SMSUserData]
        /// 1-based numbers of the parts that never arrived; empty when complete.
        public var missingParts: [Int]
        public var isComplete: Bool { missingParts.isEmpty }
        /// The first part's service-centre timestamp, or the only part's.
        public var serviceCentreTimestamp: SMSTimestamp?

        /// The text of every text segment, in order (8-bit segments are left out).
        public var text: String { segments.compactMap(\.text).joined() }
    }

    /// What the caller should do after an event.
    public enum Action: Sendable, Hashable {
        /// The part was stored (or was a duplicate); wait for more.
        case wait
        /// A message is ready.
        case deliver(Message)
    }

    private struct Key: Hashable, Sendable {
        var sender: String
        var typeOfAddress: UInt8
        var reference: UInt16
        var isSixteenBit: Bool
        var total: Int
    }

    private struct Pending: Sendable {
        var sender: SMSAddress
        var firstArrival: Instant
        var parts: [Int: SMSDeliver]
    }

    public let timeout: Duration
    private var pending: [Key: Pending] = [:]

    public init(timeout: Duration) { self.timeout = timeout }

    /// Messages waiting for parts.
    public var pendingCount: Int { pending.count }

    /// When `expire(at:)` next has work, for the caller's timer; nil if nothing is pending.
    public var nextDeadline: Instant? { pending.values.map(\.firstArrival).min()?.advanced(by: timeout) }

    /// A decoded PDU arrived at `now`.
    public mutating func receive(_ part: SMSDeliver, at now: Instant) -> Action {
        guard let concatenation = part.concatenation, concatenation.total > 1 else {
            return .deliver(Message(
                sender: part.originator, reference: part.concatenation?.reference, total: 1,
                segments: [part.userData], missingParts: [],
                serviceCentreTimestamp: part.serviceCentreTimestamp))
        }
        let key = Key(
            sender: part.originator.value, typeOfAddress: part.originator.typeOfAddress,
            reference: concatenation.reference, isSixteenBit: concatenation.isSixteenBitReference,
            total: concatenation.total)
        var entry = pending[key] ?? Pending(sender: part.originator, firstArrival: now, parts: [:])
        if entry.parts[concatenation.sequence] == nil { entry.parts[concatenation.sequence] = part }
        if entry.parts.count == concatenation.total {
            pending[key] = nil
            return .deliver(Self.message(entry, key: key))
        }
        pending[key] = entry
        return .wait
    }

    /// Hands over, flagged incomplete, every message whose first part came `timeout` or more
    /// before `now`, oldest first.
    public mutating func expire(at now: Instant) -> [Message] {
        let due = pending.filter { $0.value.firstArrival.advanced(by: timeout) <= now }
            .sorted { $0.value.firstArrival < $1.value.firstArrival }
        for (key, _) in due { pending[key] = nil }
        return due.map { Self.message($0.value, key: $0.key) }
    }

    private static func message(_ entry: Pending, key: Key) -> Message {
        var segments: [SMSUserData] = []
        var previous = 0
        for sequence in 1...key.total {
            guard let part = entry.parts[sequence] else { continue }
            let contiguous = previous == sequence - 1
            previous = sequence
            if contiguous, let last = segments.last, let joined = join(last, part.userData) {
                segments[segments.count - 1] = joined
            } else {
                segments.append(part.userData)
            }
        }
        return Message(
            sender: entry.sender, reference: key.reference, total: key.total, segments: segments,
            missingParts: (1...key.total).filter { entry.parts[$0] == nil },
            serviceCentreTimestamp: entry.parts[entry.parts.keys.min() ?? 1]?.serviceCentreTimestamp)
    }

    private static func join(_ first: SMSUserData, _ second: SMSUserData) -> SMSUserData? {
        switch (first, second) {
        case (.gsm7(let a), .gsm7(let b)): .gsm7(a + b)
        case (.ucs2(let a), .ucs2(let b)): .ucs2(a + b)
        case (.binary(let a), .binary(let b)): .binary(a + b)
        default: nil
        }
    }
}
