#if canImport(Glibc)
import Glibc
#endif
import ParleyCore
import Synchronization
import SystemPackage

/// A serial line speed the kernel supports (`B9600`, …).
public struct BaudRate: Sendable, Hashable, CustomStringConvertible {
    public let bitsPerSecond: Int
    let speed: speed_t

    private init(_ bitsPerSecond: Int, _ speed: some BinaryInteger) {
        self.bitsPerSecond = bitsPerSecond
        self.speed = speed_t(speed)
    }

    public static let b1200 = BaudRate(1200, B1200)
    public static let b2400 = BaudRate(2400, B2400)
    public static let b4800 = BaudRate(4800, B4800)
    public static let b9600 = BaudRate(9600, B9600)
    public static let b19200 = BaudRate(19200, B19200)
    public static let b38400 = BaudRate(38400, B38400)
    public static let b57600 = BaudRate(57600, B57600)
    public static let b115200 = BaudRate(115_200, B115200)

    public static let all: [BaudRate] = [.b1200, .b2400, .b4800, .b9600, .b19200, .b38400, .b57600, .b115200]

    /// The rate for `bitsPerSecond`, or nil if it is not one of ``all``.
    public init?(bitsPerSecond: Int) {
        guard let match = Self.all.first(where: { $0.bitsPerSecond == bitsPerSecond }) else { return nil }
        self = match
    }

    public var description: String { "\(bitsPerSecond) bit/s" }
}

/// An open serial tty: raw mode, chosen speed, non-blocking, modem lines under control.
///
/// Opened with `O_NOCTTY | O_NONBLOCK | O_CLOEXEC` and `HUPCL | CLOCAL | CREAD`: the tty
/// never becomes parleyd's controlling terminal, no call blocks, and when the last descriptor
/// closes — ``close()``, exit, or the kernel reaping a `kill -9`ed process — the kernel drops
/// DTR and RTS. That last property is what releases a serial PTT on every exit path.
///
/// Note that Linux *raises* DTR and RTS when a tty is opened; a PTT on one of them keys for
/// the moment between open and the driver's first unkey (``SerialLinePTT`` does that at once).
///
/// Every call retries on `EINTR` and throws the system's `Errno` otherwise. Thread-safe.
public final class SerialPort: ModemLineControl {
    public let path: String
    private let descriptor: Mutex<FileDescriptor?>

    private init(path: String, descriptor: FileDescriptor) {
        self.path = path
        self.descriptor = Mutex(descriptor)
    }

    deinit { close() }

    /// Opens `path` and puts it in raw mode at `baudRate`.
    public static func open(path: String, baudRate: BaudRate = .b9600) throws(Errno) -> SerialPort {
        let fd = try retryingInterrupts { Glibc.open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC) }
        do {
            var settings = termios()
            _ = try retryingInterrupts { tcgetattr(fd, &settings) }
            cfmakeraw(&settings)
            settings.c_cflag |= tcflag_t(CLOCAL | CREAD | HUPCL)
            // VMIN 1: with O_NONBLOCK an empty read fails with EAGAIN, so 0 can only mean hang-up
            // (VMIN 0 would return 0 for both).
            withUnsafeMutableBytes(of: &settings.c_cc) { cc in
                cc[Int(VMIN)] = 1
                cc[Int(VTIME)] = 0
            }
            _ = try retryingInterrupts { cfsetispeed(&settings, baudRate.speed) }
            _ = try retryingInterrupts { cfsetospeed(&settings, baudRate.speed) }
            _ = try retryingInterrupts { tcsetattr(fd, TCSANOW, &settings) }
        } catch {
            _ = Glibc.close(fd)
            throw error
        }
        return SerialPort(path: path, descriptor: FileDescriptor(rawValue: fd))
    }

    /// The descriptor number while open (for tests and diagnostics; do not close it).
    public var descriptorNumber: Int32? { descriptor.withLock { $0?.rawValue } }

    public var isOpen: Bool { descriptor.withLock { $0 != nil } }

    /// Closes the port (idempotent). The kernel drops DTR and RTS (`HUPCL`).
    public func close() {
        let fd = descriptor.withLock { fd -> FileDescriptor? in
            defer { fd = nil }
            return fd
        }
        try? fd?.close()
    }

    // MARK: Data

    /// Reads what is available: the byte count, 0 at end of input (hang-up), or nil when
    /// nothing is waiting.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int? {
        try withDescriptor { (fd) throws(Errno) -> Int? in
            do throws(Errno) {
                return try retryingInterrupts { Glibc.read(fd, buffer.baseAddress, buffer.count) }
            } catch {
                if error == .resourceTemporarilyUnavailable { return nil }  // EAGAIN == EWOULDBLOCK
                throw error
            }
        }
    }

    /// Writes as much of `bytes` as the tty takes now; returns the count (0 if it is full).
    public func write(_ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
        try withDescriptor { (fd) throws(Errno) -> Int in
            do throws(Errno) {
                return try retryingInterrupts { Glibc.write(fd, bytes.baseAddress, bytes.count) }
            } catch {
                if error == .resourceTemporarilyUnavailable { return 0 }  // EAGAIN == EWOULDBLOCK
                throw error
            }
        }
    }

    /// Waits up to `timeout` for input; true when some is waiting (or the line hung up).
    public func waitReadable(timeout: Duration) throws(Errno) -> Bool {
        let fd = try withDescriptor { (fd) throws(Errno) in fd }
        return try pollReadable(fd, timeout: timeout)
    }

    // MARK: Modem lines

    public func setLines(_ lines: ModemLines) throws(Errno) {
        try modemIoctl(UInt(TIOCMBIS), lines.rawValue)
    }

    public func clearLines(_ lines: ModemLines) throws(Errno) {
        try modemIoctl(UInt(TIOCMBIC), lines.rawValue)
    }

    public func lineStatus() throws(Errno) -> ModemLines {
        ModemLines(rawValue: try modemIoctl(UInt(TIOCMGET), 0))
    }

    @discardableResult
    private func modemIoctl(_ request: UInt, _ bits: Int32) throws(Errno) -> Int32 {
        try withDescriptor { (fd) throws(Errno) -> Int32 in
            var value = bits
            _ = try retryingInterrupts { ioctl(fd, request, &value) }
            return value
        }
    }

    private func withDescriptor<T>(_ body: (Int32) throws(Errno) -> T) throws(Errno) -> T {
        try descriptor.withLock { (fd) throws(Errno) -> T in
            guard let fd else { throw Errno.badFileDescriptor }
            return try body(fd.rawValue)
        }
    }
}

/// Runs a system call until it stops failing with `EINTR`; throws any other error.
@inline(__always)
func retryingInterrupts<T: BinaryInteger>(_ call: () -> T) throws(Errno) -> T {
    while true {
        let result = call()
        if result != -1 { return result }
        let error = Errno(rawValue: Glibc.errno)
        if error != .interrupted { throw error }
    }
}

/// `poll` for input on `fd`, retrying `EINTR` with the time left.
func pollReadable(_ fd: Int32, timeout: Duration) throws(Errno) -> Bool {
    let clock = ContinuousClock()
    let deadline = clock.now.advanced(by: timeout)
    while true {
        let millis = clock.now.duration(to: deadline).pollMilliseconds
        var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        let result = poll(&entry, 1, millis)
        if result >= 0 { return result > 0 }
        let error = Errno(rawValue: Glibc.errno)
        if error != .interrupted { throw error }
    }
}
