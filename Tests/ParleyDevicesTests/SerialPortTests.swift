import Foundation
import ParleyDevices
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Serial port (termios on a pty)")
struct SerialPortTests {
    @Test func opensRawNonBlockingWithHangUpOnClose() throws {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let port = try SerialPort.open(path: pty.slavePath, baudRate: .b19200)
        defer { port.close() }
        // On a pty the master reads the slave's termios.
        var settings = termios()
        #expect(tcgetattr(pty.master.rawValue, &settings) == 0)
        #expect(settings.c_cflag & tcflag_t(HUPCL) != 0, "closing must drop DTR/RTS")
        #expect(settings.c_cflag & tcflag_t(CLOCAL) != 0 && settings.c_cflag & tcflag_t(CREAD) != 0)
        #expect(settings.c_lflag & tcflag_t(ICANON | ECHO | ISIG) == 0, "raw mode")
        #expect(cfgetospeed(&settings) == speed_t(B19200))
        let flags = fcntl(port.descriptorNumber ?? -1, F_GETFL)
        #expect(flags & O_NONBLOCK != 0)
        #expect(fcntl(port.descriptorNumber ?? -1, F_GETFD) & FD_CLOEXEC != 0)
    }

    @Test func movesBytesBothWays() throws {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let port = try SerialPort.open(path: pty.slavePath)
        defer { port.close() }
        var buffer = [UInt8](repeating: 0, count: 16)
        #expect(try buffer.withUnsafeMutableBytes { try port.read(into: $0) } == nil, "nothing waiting: no block")
        let sent = try Array("AT\r".utf8).withUnsafeBytes { try port.write($0) }
        #expect(sent == 3)
        #expect(read(pty.master.rawValue, count: 3) == Array("AT\r".utf8))
        _ = try pty.master.writeAll(Array("OK\r\n\u{00}\u{FF}".utf8))
        #expect(try port.waitReadable(timeout: .seconds(2)))
        let count = try buffer.withUnsafeMutableBytes { try port.read(into: $0) }
        #expect(count == 7 && Array(buffer[..<7]) == Array("OK\r\n\u{00}\u{FF}".utf8), "raw: no translation")
    }

    @Test func refusesNonTerminalsAndMissingPaths() {
        #expect(throws: Errno.inappropriateIOCTLForDevice) { try SerialPort.open(path: "/dev/null") }
        #expect(throws: Errno.noSuchFileOrDirectory) { try SerialPort.open(path: "/dev/ttyNOPE9") }
    }

    @Test func closeIsIdempotentAndLaterCallsFail() throws {
        let pty = try PseudoTerminal()
        defer { pty.close() }
        let port = try SerialPort.open(path: pty.slavePath)
        port.close()
        port.close()
        #expect(!port.isOpen)
        #expect(throws: Errno.badFileDescriptor) { try port.lineStatus() }
    }

    @Test func baudRatesAreTheKernelOnes() {
        #expect(BaudRate(bitsPerSecond: 9600) == .b9600)
        #expect(BaudRate(bitsPerSecond: 1234) == nil)
        #expect(BaudRate.all.count == 8)
    }
}
