import ParleyCore

/// Entry point for the libFuzzer target (and for the tests that replay its corpus).
public enum ControlFuzz {
    /// Drives every pure piece of the protocol with `bytes`: the line decoder (in chunks whose
    /// sizes the first byte chooses), the request parser, the session state machine for each
    /// role and none, the message writer for every refusal, and the client-side reply reader.
    /// Any trap here is a bug.
    public static func fuzzOne(_ bytes: [UInt8]) {
        let chunkSize = 1 + Int(bytes.first ?? 0) % 64
        let maxLineBytes = 16 + Int(bytes.count > 1 ? bytes[1] : 0) * 4

        var decoder = ControlLineDecoder(maxLineBytes: maxLineBytes)
        let parser = ControlRequestParser()
        var lines: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + chunkSize, bytes.count)
            for output in decoder.feed(Array(bytes[offset..<end])) {
                if case .line(let line) = output { lines.append(line) }
            }
            offset = end
        }
        _ = decoder.finish()
        for line in lines {
            if case .failure(let failure) = parser.parse(line) {
                _ = ControlMessage.failure(id: failure.id, failure.error)
            }
            _ = try? ControlReply(line: line)
        }

        for role in [Role?.none, .engineer, .dispatcher, .admin] {
            var session = ControlSessionStateMachine(role: role, maxLineBytes: maxLineBytes, maxQueued: 4)
            var clock = Duration.zero
            offset = 0
            while offset < bytes.count {
                let end = min(offset + chunkSize, bytes.count)
                clock += .milliseconds(1)
                _ = session.received(Array(bytes[offset..<end]), at: clock)
                offset = end
                while case .run(let work) = session.next() {
                    if case .refuse(let refusal) = work { _ = ControlMessage.failure(id: refusal.id, refusal.error) }
                    _ = session.workFinished(at: clock)
                }
            }
            _ = session.inputEnded(at: clock)
            _ = session.shutdown()
            while case .run = session.next() { _ = session.workFinished(at: clock) }
            _ = session.isIdle(at: clock, timeout: .seconds(1))
        }
    }
}
