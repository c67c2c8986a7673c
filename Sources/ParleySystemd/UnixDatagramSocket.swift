#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import SystemPackage

/// A connectionless AF_UNIX datagram socket, just enough for sd_notify: open, `sendto`, close.
///
/// Typed wrapper over the C calls: throws `Errno`, retries `EINTR`, closes on deinit.
/// Not shared between tasks; the notifier opens one per message, as libsystemd does.
struct UnixDatagramSocket: ~Copyable {
    private let descriptor: CInt

    /// Opens a blocking `SOCK_DGRAM | SOCK_CLOEXEC` socket whose sends give up after
    /// `sendTimeout`, so that a stalled receiver (PID 1 busy) cannot hold a thread forever.
    init(sendTimeout: Duration = .seconds(2)) throws(Errno) {
        #if os(Linux)
        let fd = socket(AF_UNIX, CInt(SOCK_DGRAM.rawValue) | CInt(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        let seconds = sendTimeout.components.seconds
        let micros = sendTimeout.components.attoseconds / 1_000_000_000_000
        var timeout = timeval(tv_sec: Int(seconds), tv_usec: Int(micros))
        guard setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0 else {
            let error = Errno(rawValue: errno)
            _ = close(fd)
            throw error
        }
        self.descriptor = fd
        #else
        throw Errno.notSupported
        #endif
    }

    deinit {
        // close(2) must not be retried on EINTR on Linux: the descriptor is gone either way.
        _ = close(descriptor)
    }

    /// Sends `payload` as one datagram to `address`, retrying `EINTR`.
    func send(_ payload: [UInt8], to address: NotifySocketAddress) throws(Errno) {
        #if os(Linux)
        var storage = sockaddr_un()
        storage.sun_family = sa_family_t(AF_UNIX)
        let pathBytes = address.socketPathBytes
        let capacity = MemoryLayout.size(ofValue: storage.sun_path)
        guard pathBytes.count <= capacity else { throw Errno.fileNameTooLong }
        withUnsafeMutableBytes(of: &storage.sun_path) { raw in
            raw.copyBytes(from: pathBytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path)!
        let length = socklen_t(pathOffset + pathBytes.count)
        let fd = descriptor
        while true {
            let sent = payload.withUnsafeBytes { bytes in
                withUnsafePointer(to: &storage) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { socketAddress in
                        sendto(fd, bytes.baseAddress, bytes.count, CInt(MSG_NOSIGNAL), socketAddress, length)
                    }
                }
            }
            if sent >= 0 {
                // A datagram is sent whole or not at all.
                return
            }
            let error = Errno(rawValue: errno)
            if error != .interrupted { throw error }
        }
        #else
        throw Errno.notSupported
        #endif
    }
}
