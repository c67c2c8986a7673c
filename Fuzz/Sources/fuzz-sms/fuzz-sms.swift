import ParleyDevices

/// libFuzzer entry point: SMS PDUs as hex and as octets, the reassembler, and the GSM modem state machine's response handling. Rejecting input is fine; trapping is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    SMSPDUFuzz.fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
