import ParleyDSP

/// libFuzzer entry point: caller-ID message frames (SDMF/MDMF) and the FSK decoder fed the bytes as audio. Rejecting input is fine; trapping is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    CallerIDFuzz.fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
