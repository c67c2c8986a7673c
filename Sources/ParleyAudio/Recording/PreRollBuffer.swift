/// The last N samples of audio, kept while no recording runs, so that a recording can begin
/// before the moment the squelch opened.
struct PreRollBuffer {
    private var storage: [Int16]
    private var next = 0
    private(set) var count = 0

    init(capacity: Int) {
        storage = [Int16](repeating: 0, count: max(capacity, 0))
    }

    var capacity: Int { storage.count }

    mutating func append(_ samples: UnsafeBufferPointer<Int16>) {
        let capacity = storage.count
        guard capacity > 0, !samples.isEmpty else { return }
        // Only the newest `capacity` samples can survive.
        let source = samples.count > capacity ? UnsafeBufferPointer(rebasing: samples[(samples.count - capacity)...]) : samples
        storage.withUnsafeMutableBufferPointer { ring in
            var copied = 0
            while copied < source.count {
                let run = min(capacity - next, source.count - copied)
                _ = UnsafeMutableBufferPointer(rebasing: ring[next..<next + run])
                    .update(fromContentsOf: UnsafeBufferPointer(rebasing: source[copied..<copied + run]))
                copied += run
                next = (next + run) % capacity
            }
        }
        count = min(capacity, count + source.count)
    }

    /// The held samples, oldest first; empties the buffer.
    mutating func drain() -> [Int16] {
        let capacity = storage.count
        guard count > 0 else { return [] }
        let start = (next - count + capacity) % capacity
        var out = [Int16]()
        out.reserveCapacity(count)
        if start + count <= capacity {
            out += storage[start..<start + count]
        } else {
            out += storage[start...]
            out += storage[..<(start + count - capacity)]
        }
        count = 0
        next = 0
        return out
    }
}
