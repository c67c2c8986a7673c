#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

/// A pseudo-terminal pair: the slave stands in for a serial device (`/dev/pts/N`), the master
/// plays the far end. Used by tests, `parley-bench` and the simulator.
///
/// Opened through `/dev/ptmx` with the two ioctls `posix_openpt`/`unlockpt`/`ptsname` wrap
/// (Swift's Glibc module does not export those three).
public final class PseudoTerminal: Sendable {
    /// The master descriptor; closed by ``close()`` or deinit.
    public let master: FileDescriptor
    /// `/dev/pts/N`.
    public let slavePath: String
    /// N.
    public let number: Int

    // _IOR('T', 0x30, unsigned int) and _IOW('T', 0x31, int): function-like macros Swift
    // cannot import.
    private static let getPTYNumber: UInt = 0x8004_5430  // TIOCGPTN
    private static let setPTYLock: UInt = 0x4004_5431  // TIOCSPTLCK

    public init() throws(Errno) {
        let fd = try retryingInterrupts { Glibc.open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC) }
        var unlock: Int32 = 0
        var number: UInt32 = 0
        guard ioctl(fd, Self.setPTYLock, &unlock) == 0, ioctl(fd, Self.getPTYNumber, &number) == 0 else {
            let error = Errno(rawValue: Glibc.errno)
            _ = Glibc.close(fd)
            throw error
        }
        self.master = FileDescriptor(rawValue: fd)
        self.number = Int(number)
        self.slavePath = "/dev/pts/\(number)"
    }

    public func close() {
        try? master.close()
    }
}
