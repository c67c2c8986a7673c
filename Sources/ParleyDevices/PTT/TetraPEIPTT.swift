/// PTT through a TETRA terminal's PEI (``PEITerminal``): key-up sets up the talkgroup's group
/// call or demands transmission on it, unkey sends `AT+CUTXC`.
///
/// The terminal is shared with the channel's squelch (its grants, as events) and short data, and runs
/// (``PEITerminal/run()``) under the channel's service; this driver only queues requests, so
/// it never blocks. ``key()`` throws when the terminal is not ready (not yet initialised, or
/// faulted) — the key-up could not happen; later failures (the network refusing the floor, the
/// call released, the terminal going silent) come as ``PEIEvent/unkeyed(reason:)`` on the
/// terminal's events, which the channel treats as a device fault.
public final class TetraPEIPTT: PTTDriver {
    public let type = PTTType.tetraPEI
    public let terminal: PEITerminal
    /// The transmit-demand priority of ``key()`` (the PTTDriver call carries none).
    public let defaultPriority: PEITransmitPriority

    public init(terminal: PEITerminal, defaultPriority: PEITransmitPriority = .high) {
        self.terminal = terminal
        self.defaultPriority = defaultPriority
    }

    public func key() async throws(DeviceError) {
        try key(priority: defaultPriority)
    }

    /// Keys up at the floor control's keying priority (`PEITransmitPriority(keyPriority)`).
    public func key(priority: PEITransmitPriority) throws(DeviceError) {
        guard terminal.isReady else {
            throw .invalidState(path: terminal.path, "the TETRA terminal is not ready (not initialised, or not answering) — "
                + "PTT was not keyed; check its cable and power, parleyd keeps retrying")
        }
        terminal.key(priority: priority)
    }

    public func unkey() async throws(DeviceError) {
        terminal.unkey()
    }

    public func releaseAll() async throws(DeviceError) {
        terminal.releaseAll()
    }

    /// Drops PTT; the terminal itself is closed by its own run ending.
    public func close() async {
        terminal.unkey()
    }
}
