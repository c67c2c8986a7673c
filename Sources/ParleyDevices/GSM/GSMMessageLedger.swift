/// Which stored messages the GSM driver must read, has handed to the host, or may delete — the
/// bookkeeping behind "delete only after the store has it, never lose, never duplicate within
/// one run". Pure value; the state machine drives it.
///
/// A message's life: announced (`+CMTI`) or listed (`+CMGL`) → read → delivered to the host
/// (remembered by index with its identity) → committed (queued for `AT+CMGD`) → deleted. A commit
/// failure forgets the delivery and schedules a fresh read after the redelivery delay. A PDU
/// seen again while delivered or committed with the same identity is not delivered twice; one
/// with a different identity at the same index is a new message and supersedes the old entry.
struct GSMMessageLedger<Instant: InstantProtocol>: Sendable where Instant.Duration == Duration {
    /// Reading the same index gave a header but no PDU this many times: report it undecodable.
    static var maxReadAttempts: Int { 3 }

    private var reads: [Int] = []
    private var deletes: [Int] = []
    /// Handed to the host, waiting for its commit: index → identity.
    private var delivered: [Int: String] = [:]
    /// Committed, delete pending or in flight: index → identity.
    private var committed: [Int: String] = [:]
    /// After a failed commit: index → when to read it again.
    private var redeliveries: [Int: Instant] = [:]
    private var readAttempts: [Int: Int] = [:]

    /// A message was announced at `index`.
    mutating func announce(_ index: Int) {
        if !reads.contains(index) { reads.append(index) }
    }

    /// The next delete to send, removed from the queue (``requeueDelete(_:)`` puts it back).
    mutating func nextDelete() -> Int? { deletes.isEmpty ? nil : deletes.removeFirst() }

    /// The next read to send, removed from the queue (``requeueRead(_:)`` puts it back).
    mutating func nextRead() -> Int? { reads.isEmpty ? nil : reads.removeFirst() }

    mutating func requeueRead(_ index: Int) {
        if !reads.contains(index) { reads.insert(index, at: 0) }
    }

    mutating func requeueDelete(_ index: Int) {
        if committed[index] != nil, !deletes.contains(index) { deletes.insert(index, at: 0) }
    }

    /// `AT+CMGD` finished (or failed: the next listing shows the message again if it is there).
    mutating func deleted(_ index: Int) { committed[index] = nil }

    /// The PDU line read at `index`: the event to deliver, or nil when the host already has it.
    mutating func read(index: Int, pduHex: String, at now: Instant) -> GSMModemEvent? {
        let pdu = pduHex.uppercased()
        let identity = SMSMessageIdentity.of(pduHex: pdu)
        readAttempts[index] = nil
        reads.removeAll { $0 == index }
        if let due = redeliveries[index] {
            if now < due { return nil }  // read again when the delay is over
            redeliveries[index] = nil
        }
        if delivered[index] == identity || committed[index] == identity { return nil }
        if committed[index] != nil {
            // The committed message is gone and a new one took its slot: never delete that.
            committed[index] = nil
            deletes.removeAll { $0 == index }
        }
        delivered[index] = identity
        do {
            return .received(ReceivedSMS(index: index, pduHex: pdu, deliver: try SMSDeliver(hex: pdu), identity: identity))
        } catch {
            return .undecodable(index: index, pduHex: pdu, reason: error.description)
        }
    }

    /// The modem sent a `+CMGR`/`+CMGL` header for `index` but no PDU line: read it again, or after
    /// ``maxReadAttempts`` report it undecodable (so the host can store what there is and let it go).
    mutating func missingPDU(index: Int) -> GSMModemEvent? {
        let attempts = (readAttempts[index] ?? 0) + 1
        readAttempts[index] = attempts
        if attempts < Self.maxReadAttempts {
            if !reads.contains(index) { reads.append(index) }
            return nil
        }
        readAttempts[index] = nil
        delivered[index] = SMSMessageIdentity.of(pduHex: "")
        return .undecodable(
            index: index, pduHex: "",
            reason: "the modem announced message \(index) but sent no PDU line in \(attempts) reads — check the modem "
                + "is in PDU mode (AT+CMGF=0); the message is deleted once stored")
    }

    /// The host stored the message at `index`: queue its delete. Unknown indices are ignored —
    /// the driver deletes only what it delivered.
    mutating func committed(index: Int) {
        guard let identity = delivered.removeValue(forKey: index) else { return }
        committed[index] = identity
        if !deletes.contains(index) { deletes.append(index) }
    }

    /// The host could not store the message at `index`: read and deliver it again at `retryAt`.
    mutating func commitFailed(index: Int, retryAt: Instant) {
        guard delivered.removeValue(forKey: index) != nil else { return }
        redeliveries[index] = retryAt
    }

    /// Moves redeliveries due by `now` to the read queue.
    mutating func redeliver(at now: Instant) {
        for (index, due) in redeliveries.sorted(by: { $0.key < $1.key }) where due <= now {
            redeliveries[index] = nil
            announce(index)
        }
    }

    /// When ``redeliver(at:)`` next has work.
    var nextRedelivery: Instant? { redeliveries.values.min() }
}
