import Foundation
import Synchronization

/// An exclusive `flock` on `<store>.lock`, held while a writable store is open, so that two
/// daemons can never write (and fork the hash chain of) the same store. The kernel drops the
/// lock when the process dies, however it dies.
final class StoreLock: Sendable {
    private let descriptor: Mutex<Int32>
    let path: String

    init(storePath: String) throws {
        path = storePath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw StoreError.openFailed(path: path, reason: "cannot create the lock file: \(String(cString: strerror(errno)))")
        }
        var result: Int32
        repeat { result = flock(fd, LOCK_EX | LOCK_NB) } while result != 0 && errno == EINTR
        if result != 0 {
            let code = errno
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
            close(fd)
            if code == EWOULDBLOCK {
                throw StoreError.inUse(path: storePath, holder: holder.map { "pid \($0)" } ?? "unknown pid")
            }
            throw StoreError.openFailed(path: path, reason: "cannot lock: \(String(cString: strerror(code)))")
        }
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
        descriptor = Mutex(fd)
    }

    /// Releases the lock (also done when the lock is deallocated).
    func release() {
        descriptor.withLock { fd in
            if fd >= 0 {
                close(fd)
                fd = -1
            }
        }
    }

    deinit { release() }
}
