import Crypto
import ParleyCore

/// The head of the hash chain: the last committed sequence number and its hash.
public struct ChainHead: Sendable, Hashable, Codable {
    public var sequence: Int64
    public var hash: String

    public init(sequence: Int64, hash: String) {
        self.sequence = sequence
        self.hash = hash
    }

    /// Before the first event: sequence 0 and a hash of 64 zeros.
    public static let genesis = ChainHead(sequence: 0, hash: String(repeating: "0", count: 64))
}

/// How an event's hash is computed. Changing this breaks every existing store: don't.
///
/// The hashed text is a version tag and the event's fields, one per line, ending with the
/// previous event's hash:
/// `parley-event-v1\n<seq>\n<ms>\n<priority>\n<kind>\n<source>\n<incident or empty>\n<payload>\n<prev>`
/// Fields cannot contain a newline that shifts a boundary undetected, because `payload` is
/// canonical JSON (newlines escaped) and kind/source are checked on entry.
public enum EventChain {
    public static func hash(
        sequence: Int64, timestampMillis: Int64, priority: Priority, kind: String, source: String,
        incidentID: Int64?, payload: String, previousHash: String
    ) -> String {
        // Fed to the hasher piece by piece: the same bytes as the joined text, without building it.
        var hasher = SHA256()
        func feed(_ piece: String) {
            var piece = piece
            piece.withUTF8 { hasher.update(bufferPointer: UnsafeRawBufferPointer($0)) }
        }
        let newline: [UInt8] = [0x0a]
        func separator() { hasher.update(data: newline) }
        feed("parley-event-v1")
        separator()
        feed(String(sequence))
        separator()
        feed(String(timestampMillis))
        separator()
        feed(priority.name)
        separator()
        feed(kind)
        separator()
        feed(source)
        separator()
        if let incidentID { feed(String(incidentID)) }
        separator()
        feed(payload)
        separator()
        feed(previousHash)
        return hex(hasher.finalize())
    }

    public static func hash(of event: StoredEvent) -> String {
        hash(
            sequence: event.sequence, timestampMillis: event.timestampMillis, priority: event.priority,
            kind: event.kind.rawValue, source: event.source.rawValue, incidentID: event.incidentID,
            payload: event.payload, previousHash: event.previousHash)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    static func hex(_ digest: SHA256.Digest) -> String {
        String(unsafeUninitializedCapacity: 64) { buffer in
            var index = 0
            for byte in digest {
                buffer[index] = hexDigits[Int(byte >> 4)]
                buffer[index + 1] = hexDigits[Int(byte & 0x0f)]
                index += 2
            }
            return 64
        }
    }

    /// Kinds and sources are dotted/colon names: printable, no newlines, 1…128 bytes.
    static func isValidName(_ name: String) -> Bool {
        let count = name.utf8.count
        guard count > 0, count <= 128 else { return false }
        return name.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7f }
    }
}
