/// The kinds of PTT output Parley drives (config `ptt.type`, log metadata `ptt.type`).
public enum PTTType: String, Sendable, Hashable, CaseIterable {
    /// RTS and/or DTR on a serial port (``SerialLinePTT``).
    case serial
    /// A CM108/CM119 USB sound-card GPIO over hidraw (``CM108PTT``).
    case cm108
    /// hamlib's `rigctld` over TCP (``RigctldPTT``).
    case rigctld
    /// A TETRA terminal over its PEI (``TetraPEIPTT``).
    case tetraPEI = "tetra-pei"
}

/// Keys and unkeys one channel's transmitter.
///
/// Drivers are actors running on their own dedicated device thread, so
/// blocking device calls never hold up the cooperative pool. They do not arbitrate: the
/// channel's `FloorControlStateMachine` decides, the channel service performs `keyLine` /
/// `unkeyLine` with ``key()`` / ``unkey()``, and feeds any error back as a device fault. Every
/// driver unkeys when closed or deinitialised.
public protocol PTTDriver: Sendable {
    var type: PTTType { get }
    /// Asserts PTT.
    func key() async throws(DeviceError)
    /// Drops PTT.
    func unkey() async throws(DeviceError)
    /// Drops PTT whatever the driver believes its state to be (device fault recovery,
    /// `parleyd --release-ptt`).
    func releaseAll() async throws(DeviceError)
    /// Drops PTT (best effort) and releases the device. Later calls throw `closed`.
    func close() async
}
