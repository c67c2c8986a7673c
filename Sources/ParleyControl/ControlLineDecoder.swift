/// Splits a byte stream into lines, fed in chunks of any size.
///
/// A line ends at `\n` (a `\r` before it is dropped); blank lines are skipped. A line that
/// grows past `maxLineBytes` is reported once, as soon as it is known to be too long, and its
/// bytes are discarded up to the next newline, after which decoding resumes: one bad line
/// never costs the connection, and memory stays bounded by `maxLineBytes`.
public struct ControlLineDecoder: Sendable {
    public enum Output: Sendable, Hashable {
        /// A complete line, without its terminator.
        case line([UInt8])
        /// A line longer than the limit was found; its bytes are being discarded.
        case lineTooLong
    }

    /// What was left when the input ended.
    public enum Ending: Sendable, Hashable {
        /// Nothing: every line was complete.
        case clean
        /// An unterminated line of this many bytes was discarded.
        case partialLine(bytes: Int)
        /// The input ended inside an over-long line (already reported).
        case insideLongLine
    }

    private enum State: Sendable, Hashable {
        case collecting
        case discarding
    }

    public let maxLineBytes: Int
    private var state: State = .collecting
    private var pending: [UInt8] = []

    public init(maxLineBytes: Int = ControlProtocol.defaultMaxLineBytes) {
        precondition(maxLineBytes > 0, "maxLineBytes must be positive")
        self.maxLineBytes = maxLineBytes
    }

    /// Bytes of an unfinished line held so far.
    public var bufferedByteCount: Int { pending.count }

    /// Feeds the next chunk; returns the lines (and over-long line reports) it completes, in order.
    public mutating func feed(_ bytes: UnsafeRawBufferPointer) -> [Output] {
        var outputs: [Output] = []
        var start = bytes.startIndex
        let end = bytes.endIndex
        while start < end {
            let newline = bytes[start..<end].firstIndex(of: UInt8(ascii: "\n"))
            let segmentEnd = newline ?? end
            switch state {
            case .collecting:
                let segmentCount = segmentEnd - start
                if newline != nil {
                    let lastByte = segmentCount > 0 ? bytes[segmentEnd - 1] : pending.last
                    let length = pending.count + segmentCount - (lastByte == UInt8(ascii: "\r") ? 1 : 0)
                    if length > maxLineBytes {
                        pending.removeAll(keepingCapacity: false)
                        outputs.append(.lineTooLong)
                    } else {
                        pending.append(contentsOf: bytes[start..<segmentEnd])
                        if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
                        if !pending.allSatisfy(Self.isBlank) { outputs.append(.line(pending)) }
                        pending.removeAll(keepingCapacity: pending.count <= 4096)
                    }
                } else if pending.count + segmentCount > maxLineBytes + 1 {
                    // (+1: a `\r` that a newline may yet follow is not part of the line.)
                    pending.removeAll(keepingCapacity: false)
                    outputs.append(.lineTooLong)
                    state = .discarding
                } else {
                    pending.append(contentsOf: bytes[start..<segmentEnd])
                }
            case .discarding:
                if newline != nil { state = .collecting }
            }
            start = newline.map { $0 + 1 } ?? end
        }
        return outputs
    }

    public mutating func feed(_ bytes: [UInt8]) -> [Output] {
        bytes.withUnsafeBytes { feed($0) }
    }

    /// The input ended: reports (and drops) any unterminated line. The decoder is reset.
    public mutating func finish() -> Ending {
        defer {
            pending.removeAll()
            state = .collecting
        }
        switch state {
        case .discarding:
            return .insideLongLine
        case .collecting:
            if pending.isEmpty || pending.allSatisfy(Self.isBlank) { return .clean }
            return .partialLine(bytes: pending.count)
        }
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }
}
