import Foundation
import ParleyDevices
import SystemPackage
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real ioctl path, in a separate process: `parley-bench ptt --hold-keyed` keys a serial
/// PTT on a pty through floor control and `SerialLinePTT`, running under the TIOCM shim
/// (built here from its C source with `cc`), which logs every line change.
///
/// What the kill -9 test proves: our process set `HUPCL` on the port; it was keyed (RTS and
/// DTR up) when killed; nothing in user space ran after the kill (no release in the log);
/// and the kernel performed the port's last close when it reaped the process (the master
/// sees the hang-up at once). On a real UART or USB-serial adapter, the last close of a tty
/// with `HUPCL` set is where the kernel drops DTR and RTS (`tty_port_shutdown` → `dtr_rts(0)`),
/// so a serial PTT unkeys with no help from parleyd. What it cannot prove on a pty: the
/// electrical line drop itself, which belongs to the serial driver.
@Suite("Serial PTT in a real process (TIOCM shim)", .serialized)
struct SerialPTTProcessTests {
    struct Helper {
        let process: Process
        let output: Pipe
        let log: String
        let pty: PseudoTerminal
        let directory: TemporaryDirectory

        func waitForLine(_ expected: String, timeout: Duration = .seconds(20)) -> Bool {
            let fd = output.fileHandleForReading.fileDescriptor
            var text = ""
            let deadline = ContinuousClock.now.advanced(by: timeout)
            while ContinuousClock.now < deadline {
                let bytes = read(fd, count: 1, timeout: .milliseconds(100))
                text += String(decoding: bytes, as: UTF8.self)
                if text.split(separator: "\n").contains(Substring(expected)) { return true }
                if bytes.isEmpty && !process.isRunning { return false }
            }
            return false
        }

        var entries: [TIOCMShim.Entry] {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            return TIOCMShim.parseLog(text).filter { $0.pty == pty.number }
        }

        func masterSeesHangUp(within timeout: Duration) -> Bool {
            var entry = pollfd(fd: pty.master.rawValue, events: Int16(POLLIN), revents: 0)
            let millis = Int32(timeout.components.seconds * 1000)
            guard poll(&entry, 1, millis) == 1, entry.revents & Int16(POLLHUP) != 0 else { return false }
            var byte: UInt8 = 0
            return Glibc.read(pty.master.rawValue, &byte, 1) == -1 && errno == EIO
        }
    }

    static func startHelper(lines: String) throws -> Helper {
        let directory = try TemporaryDirectory()
        let library = try TIOCMShim.build(in: directory.path)
        let log = directory.file("lines.log")
        let pty = try PseudoTerminal()
        let binary = parleyBenchBinary
        try #require(FileManager.default.isExecutableFile(atPath: binary), "parley-bench not built beside the tests (\(binary))")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["ptt", "--hold-keyed", pty.slavePath, "--lines", lines]
        var environment = ProcessInfo.processInfo.environment
        environment["LD_PRELOAD"] = library
        environment[TIOCMShim.logEnvironmentKey] = log
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        return Helper(process: process, output: output, log: log, pty: pty, directory: directory)
    }

    @Test func killNineWhileKeyedLeavesTheReleaseToTheKernelsClose() throws {
        let helper = try Self.startHelper(lines: "rts,dtr")
        defer {
            helper.pty.close()
            helper.directory.cleanup()
        }
        try #require(helper.waitForLine("keyed"), "the helper never reported keyed")

        // The port as the helper left it: HUPCL on, both lines keyed after the unkey at open.
        var settings = termios()
        #expect(tcgetattr(helper.pty.master.rawValue, &settings) == 0)
        #expect(settings.c_cflag & tcflag_t(HUPCL) != 0)
        let before = helper.entries
        #expect(before.map(\.operation) == [.clear, .set])
        #expect(before.first?.lines == [], "unkeyed straight after open (Linux raises DTR/RTS on open)")
        #expect(before.last?.lines == [.rts, .dtr], "keyed when killed")

        let started = ContinuousClock.now
        kill(helper.process.processIdentifier, SIGKILL)
        helper.process.waitUntilExit()
        #expect(helper.process.terminationReason == .uncaughtSignal && helper.process.terminationStatus == SIGKILL)
        // The kernel closed the port for the dead process: the last close, where HUPCL drops
        // DTR/RTS on real hardware.
        #expect(helper.masterSeesHangUp(within: .seconds(20)))
        #expect(started.duration(to: .now) < .seconds(20), "hang-up seen, no hang")
        #expect(helper.entries == before, "no user-space release ran after SIGKILL")
    }

    @Test func sigtermReleasesThroughTheShutdownPath() throws {
        let helper = try Self.startHelper(lines: "rts,!dtr")
        defer {
            helper.pty.close()
            helper.directory.cleanup()
        }
        try #require(helper.waitForLine("keyed"))
        #expect(helper.entries.last?.lines == [.rts], "RTS up, inverted DTR down: keyed")
        helper.process.terminate()
        #expect(helper.waitForLine("released"))
        helper.process.waitUntilExit()
        #expect(helper.process.terminationStatus == 0)
        let last = try #require(helper.entries.last)
        #expect(last.lines == [.dtr], "RTS down, inverted DTR up: unkeyed before exit")
        #expect(helper.masterSeesHangUp(within: .seconds(20)))
    }

    @Test func theShimLogFormatParses() {
        let entries = TIOCMShim.parseLog("12 3 set 0x006\nnot a line\n15 3 clear 0x002\n")
        #expect(entries == [
            TIOCMShim.Entry(nanoseconds: 12, pty: 3, operation: .set, lines: [.rts, .dtr]),
            TIOCMShim.Entry(nanoseconds: 15, pty: 3, operation: .clear, lines: [.dtr]),
        ])
        #expect(TIOCMShim.ptyNumber(ofPath: "/dev/pts/17") == 17 && TIOCMShim.ptyNumber(ofPath: "/dev/ttyS0") == nil)
    }
}
