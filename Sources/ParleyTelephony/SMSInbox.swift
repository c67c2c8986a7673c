import ParleyCore
import ParleyDevices

/// Reassembly of SMS parts that are already committed to the store's ledger: keeps, beside
/// the `SMSReassembler`, which ledger rows each pending message is made of, so the stored
/// message can point at its parts.
struct SMSInbox<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// A message ready to store.
    struct Ready: Sendable, Hashable {
        var message: SMSReassembler<Instant>.Message
        var partIDs: [Int64]

        var callerID: CallerID { CallerID(number: message.sender.description) }

        /// What to store beside an incomplete message.
        var note: String? {
            guard !message.isComplete else { return nil }
            let missing = message.missingParts.map(String.init).joined(separator: ", ")
            return "incomplete: part\(message.missingParts.count == 1 ? "" : "s") \(missing) of \(message.total) never arrived"
        }
    }

    private var reassembler: SMSReassembler<Instant>
    private var partIDs: [String: [Int64]] = [:]

    init(timeout: Duration) {
        reassembler = SMSReassembler(timeout: timeout)
    }

    var nextDeadline: Instant? { reassembler.nextDeadline }

    /// A committed part; returns the message it completed, if any.
    mutating func add(_ part: SMSDeliver, partID: Int64, at now: Instant) -> Ready? {
        let key = Self.key(part.originator, reference: part.concatenation?.reference, total: part.concatenation?.total)
        partIDs[key, default: []].append(partID)
        guard case .deliver(let message) = reassembler.receive(part, at: now) else { return nil }
        return Ready(message: message, partIDs: partIDs.removeValue(forKey: key) ?? [partID])
    }

    /// Messages whose parts stopped arriving, flagged incomplete.
    mutating func expire(at now: Instant) -> [Ready] {
        reassembler.expire(at: now).map { message in
            let key = Self.key(message.sender, reference: message.reference, total: message.total)
            return Ready(message: message, partIDs: partIDs.removeValue(forKey: key) ?? [])
        }
    }

    private static func key(_ sender: SMSAddress, reference: UInt16?, total: Int?) -> String {
        "\(sender.typeOfAddress)|\(sender.value)|\(reference.map(String.init) ?? "-")|\(total ?? 1)"
    }
}
