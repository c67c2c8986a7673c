#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging
import SystemPackage

/// Tells systemd about our state: the sd_notify protocol (sd_notify(3)), done by hand
/// rather than by linking libsystemd.
///
/// Reads `$NOTIFY_SOCKET` once, at init, from the environment it is given. When the
/// variable is absent (not started by systemd, or not `Type=notify`) every call is a
/// no-op. Sending never throws from the convenience methods: a failed notification is
/// logged, and the daemon carries on — systemd's own timeouts are the backstop.
public struct SystemdNotifier: Sendable {
    /// Where notifications go; nil when notifications are disabled.
    public let address: NotifySocketAddress?
    private let logger: Logger

    /// - Parameters:
    ///   - environment: the process environment; tests inject their own.
    ///   - logger: used at debug for skipped notifications and at info for failures.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger
    ) {
        self.logger = logger
        guard let value = environment["NOTIFY_SOCKET"], !value.isEmpty else {
            self.address = nil
            logger.debug("systemd notifications disabled: NOTIFY_SOCKET not set")
            return
        }
        guard let address = NotifySocketAddress(environmentValue: value) else {
            self.address = nil
            logger.info(
                "systemd notifications disabled: NOTIFY_SOCKET is not an AF_UNIX address",
                metadata: ["systemd.notify_socket": "\(value)"]
            )
            return
        }
        self.address = address
    }

    /// Whether messages are sent at all (`$NOTIFY_SOCKET` was usable).
    public var isEnabled: Bool { address != nil }

    /// `READY=1`, with an optional `STATUS=` in the same datagram.
    @discardableResult
    public func ready(status: String? = nil) -> Bool {
        notify(status.map { NotifyMessage.ready.appending(.status($0)) } ?? .ready)
    }

    /// `STOPPING=1`: shutdown has begun.
    @discardableResult
    public func stopping() -> Bool {
        notify(.stopping)
    }

    /// `RELOADING=1` with `MONOTONIC_USEC=`; follow with ``ready(status:)`` when the
    /// reload is done.
    @discardableResult
    public func reloading() -> Bool {
        notify(.reloading(monotonicMicroseconds: monotonicMicroseconds()))
    }

    /// `WATCHDOG=1`: keep-alive for `WatchdogSec=`.
    @discardableResult
    public func watchdog() -> Bool {
        notify(.watchdog)
    }

    /// `STATUS=<text>`, shown by `systemctl status`.
    @discardableResult
    public func status(_ text: String) -> Bool {
        notify(.status(text))
    }

    /// Sends `message`, logging instead of throwing.
    /// - Returns: true when the datagram was handed to systemd.
    @discardableResult
    public func notify(_ message: NotifyMessage) -> Bool {
        do {
            return try send(message)
        } catch {
            logger.info(
                "systemd notification failed",
                metadata: [
                    "systemd.notify_socket": "\(address?.description ?? "")",
                    "systemd.message": "\(message)",
                    "error": "\(error)",
                ]
            )
            return false
        }
    }

    /// Sends `message` as one datagram.
    /// - Returns: false when notifications are disabled (nothing was sent).
    /// - Throws: `Errno` from socket(2) or sendto(2), for example `ECONNREFUSED` when
    ///   nobody listens at the address, or `EAGAIN` when the send timed out.
    @discardableResult
    public func send(_ message: NotifyMessage) throws(Errno) -> Bool {
        guard let address else {
            logger.debug("systemd notification skipped: notifications disabled", metadata: ["systemd.message": "\(message)"])
            return false
        }
        let socket = try UnixDatagramSocket()
        try socket.send(Array(message.description.utf8), to: address)
        logger.trace("systemd notification sent", metadata: ["systemd.message": "\(message)"])
        return true
    }
}
