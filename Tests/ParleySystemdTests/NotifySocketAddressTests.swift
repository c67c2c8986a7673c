import ParleySystemd
import Testing

struct NotifySocketAddressTests {
    @Test(arguments: [
        ("/run/systemd/notify", NotifySocketAddress.path("/run/systemd/notify")),
        ("@/org/freedesktop/systemd1/notify/42", .abstract("/org/freedesktop/systemd1/notify/42")),
        ("@x", .abstract("x")),
    ])
    func parsesFilesystemAndAbstractAddresses(value: String, expected: NotifySocketAddress) {
        #expect(NotifySocketAddress(environmentValue: value) == expected)
        #expect(NotifySocketAddress(environmentValue: value)?.description == value)
    }

    @Test(arguments: [
        "",
        "@",
        "run/systemd/notify",
        "vsock:2:1234",
        "/" + String(repeating: "a", count: 107),
        "@" + String(repeating: "a", count: 108),
    ])
    func rejectsValuesThatAreNotUsableUnixAddresses(value: String) {
        #expect(NotifySocketAddress(environmentValue: value) == nil)
    }

    @Test func acceptsTheLongestNamesThatFitSunPath() {
        let path = "/" + String(repeating: "a", count: 106)
        #expect(NotifySocketAddress(environmentValue: path) == .path(path))
        let name = String(repeating: "b", count: 107)
        #expect(NotifySocketAddress(environmentValue: "@" + name) == .abstract(name))
    }
}

struct NotifyMessageTests {
    @Test(arguments: [
        (NotifyMessage.ready, "READY=1"),
        (.stopping, "STOPPING=1"),
        (.watchdog, "WATCHDOG=1"),
        (.status("Listening on /run/parley/control.sock"), "STATUS=Listening on /run/parley/control.sock"),
        (.reloading(monotonicMicroseconds: 123_456_789), "RELOADING=1\nMONOTONIC_USEC=123456789"),
        (NotifyMessage.ready.appending(.status("up")), "READY=1\nSTATUS=up"),
    ])
    func rendersAsNewlineSeparatedAssignments(message: NotifyMessage, expected: String) {
        #expect(message.description == expected)
    }

    @Test func statusTextCannotInjectFurtherAssignments() {
        #expect(NotifyMessage.status("a\nREADY=1\r\nb\0c").description == "STATUS=a READY=1 b c")
    }
}
