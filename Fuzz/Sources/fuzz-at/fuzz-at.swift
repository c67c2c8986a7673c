import ParleyDevices

/// libFuzzer entry point: AT responses and a voice modem's byte stream: the response parser, the DLE shielding decoder and the V.253 state machine in every phase. Rejecting input is fine; trapping is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    VoiceModemFuzz.fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
