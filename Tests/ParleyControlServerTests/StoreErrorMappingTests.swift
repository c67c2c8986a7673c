import ParleyControl
import ParleyStore
import Testing

@testable import ParleyControlServer

/// The protocol code a client gets for each way the store can fail a command.
@Suite("Control server: store errors on the wire")
struct StoreErrorMappingTests {
    @Test(arguments: [
        (StoreError.full("SQLite: database or disk is full"), ControlErrorCode.storeUnavailable),
        (.writeFailed("SQLite IOERR"), .storeUnavailable),
        (.notDurable("fdatasync incidents.sqlite-wal: Input/output error"), .notDurable),
        (.notFound("incident 7"), .notFound),
        (.invalid("incident 7 is closed"), .rejected),
        (.shuttingDown, .shuttingDown),
    ])
    func eachStoreErrorHasItsCodeAndKeepsItsMessage(error: StoreError, code: ControlErrorCode) {
        let wire = ControlError.from(error)
        #expect(wire.code == code)
        if error != .shuttingDown { #expect(wire.message == error.description) }
    }
}
