#if canImport(Glibc)
import Glibc
#endif
import SystemPackage

extension FileDescriptor {
    /// fsync(2), retrying EINTR (swift-system has no wrapper for it).
    func synchronize() throws(Errno) {
        while Glibc.fsync(rawValue) != 0 {
            guard errno == EINTR else { throw Errno(rawValue: errno) }
        }
    }
}

extension Errno {
    /// The `Errno` an error from a swift-system call carries (they throw only `Errno`).
    init(_ error: any Error) {
        self = (error as? Errno) ?? .ioError
    }
}
