import ParleyControl

/// libFuzzer entry point: arbitrary bytes as they might arrive on the control socket, fed to
/// the line decoder (in chunks, as TCP/Unix reads split them) and every complete line to the
/// request parser. Refusing input with a protocol error is fine; trapping is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    ControlFuzz.fuzzOne(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}
