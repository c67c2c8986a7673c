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
        var kind = kind, source = source, payload = payload, previousHash = previousHash
        return kind.withUTF8 { kind in
            source.withUTF8 { source in
                payload.withUTF8 { payload in
                    previousHash.withUTF8 { previousHash in
                        String(unsafeUninitializedCapacity: hexLength) { output in
                            writeHash(
                                sequence: sequence, timestampMillis: timestampMillis, priority: priority, kind: kind,
                                source: source, incidentID: incidentID, payload: payload, previousHash: previousHash,
                                into: output)
                            return hexLength
                        }
                    }
                }
            }
        }
    }

    /// Bytes in a hash's hex text.
    static let hexLength = 64

    /// The same hash, from UTF-8 bytes, written as `hexLength` lower-case hex bytes into `output`.
    /// This is the writer's path: it hashes every event on its thread, so the text is laid out in
    /// one stack buffer (integers formatted in place) and hashed in one call, and nothing is
    /// allocated.
    static func writeHash(
        sequence: Int64, timestampMillis: Int64, priority: Priority, kind: UnsafeBufferPointer<UInt8>,
        source: UnsafeBufferPointer<UInt8>, incidentID: Int64?, payload: UnsafeBufferPointer<UInt8>,
        previousHash: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableBufferPointer<UInt8>
    ) {
        let capacity = versionTag.count + 6 * 21 + kind.count + source.count + payload.count + previousHash.count + 16
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
            var writer = ByteWriter(buffer: buffer)
            writer.append(versionTag)
            writer.newline()
            writer.append(sequence)
            writer.newline()
            writer.append(timestampMillis)
            writer.newline()
            writer.append(priorityNames[priority.rawValue])
            writer.newline()
            writer.append(kind)
            writer.newline()
            writer.append(source)
            writer.newline()
            if let incidentID { writer.append(incidentID) }
            writer.newline()
            writer.append(payload)
            writer.newline()
            writer.append(previousHash)
            let digest = SHA256.hash(data: UnsafeRawBufferPointer(start: buffer.baseAddress, count: writer.count))
            writeHex(digest, into: output)
        }
    }

    private static let versionTag: [UInt8] = Array("parley-event-v1".utf8)
    /// Each priority's name as UTF-8, by raw value: as hashed and as stored. In memory that
    /// lives as long as the process, so the writer binds them to its INSERT in place.
    nonisolated(unsafe) static let priorityNames: [UnsafeBufferPointer<UInt8>] =
        Priority.allCases.sorted { $0.rawValue < $1.rawValue }.map { priority in
            let name = Array(priority.name.utf8)
            let text = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: name.count)
            _ = text.initialize(from: name)
            return UnsafeBufferPointer(text)
        }

    /// Appends bytes to a buffer sized by the caller.
    private struct ByteWriter {
        let buffer: UnsafeMutableBufferPointer<UInt8>
        var count = 0

        mutating func newline() {
            buffer[count] = 0x0a
            count += 1
        }

        mutating func append(_ bytes: UnsafeBufferPointer<UInt8>) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
            (buffer.baseAddress! + count).update(from: base, count: bytes.count)
            count += bytes.count
        }

        mutating func append(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { append($0) }
        }

        /// Decimal, as `String(value)` would write it.
        mutating func append(_ value: Int64) {
            var magnitude = value.magnitude
            if value < 0 {
                buffer[count] = UInt8(ascii: "-")
                count += 1
            }
            var digits = 1
            var probe = magnitude / 10
            while probe > 0 {
                digits += 1
                probe /= 10
            }
            var index = count + digits - 1
            repeat {
                buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                index -= 1
            } while magnitude > 0
            count += digits
        }
    }

    public static func hash(of event: StoredEvent) -> String {
        hash(
            sequence: event.sequence, timestampMillis: event.timestampMillis, priority: event.priority,
            kind: event.kind.rawValue, source: event.source.rawValue, incidentID: event.incidentID,
            payload: event.payload, previousHash: event.previousHash)
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private static func writeHex(_ digest: SHA256.Digest, into output: UnsafeMutableBufferPointer<UInt8>) {
        precondition(output.count >= hexLength)
        // Through the digest's bytes in place: iterating the digest itself makes an array.
        digest.withUnsafeBytes { bytes in
            hexDigits.withUnsafeBufferPointer { digits in
                for (index, byte) in bytes.enumerated() {
                    output[2 * index] = digits[Int(byte >> 4)]
                    output[2 * index + 1] = digits[Int(byte & 0x0f)]
                }
            }
        }
    }

    /// Kinds and sources are dotted/colon names: printable, no newlines, 1…128 bytes.
    static func isValidName(_ name: String) -> Bool {
        // Every producer checks two names per event: read the bytes in place.
        var name = name
        return name.withUTF8 { bytes in
            guard bytes.count > 0, bytes.count <= 128 else { return false }
            for byte in bytes where byte <= 0x20 || byte >= 0x7f { return false }
            return true
        }
    }
}
