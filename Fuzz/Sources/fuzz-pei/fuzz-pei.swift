import ParleyDevices

/// libFuzzer entry point: a TETRA terminal's PEI byte stream: the AT response parser, the SDS
/// decoders and the PEI state machine in the phase the first byte chooses. Rejecting input is
/// fine; trapping (or PTT held on a terminal that is not ready) is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    PEIFuzz.fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
