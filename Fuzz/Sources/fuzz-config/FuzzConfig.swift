import ParleyConfig

/// libFuzzer entry point: any bytes, read as UTF-8 (invalid sequences become U+FFFD), are
/// parsed as a configuration file. Refusing the input (a thrown `ConfigurationError`) is fine;
/// trapping, hanging or reading out of bounds is a bug.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do {
        let configuration = try ParleyConfiguration.parse(yaml: text, file: "fuzz.yaml", accounts: .system)
        // Exercise what the daemon does next with a configuration that loaded.
        _ = configuration.resolvingPaths(stateDirOverride: nil, currentDirectory: "/tmp")
        _ = configuration.role(forUID: 1000, gids: [1000, 27], daemonUID: 0)
        _ = configuration.reloadPlan(from: ParleyConfiguration())
    } catch let error as ConfigurationError {
        _ = error.description
    } catch {
        fatalError("parse threw something other than ConfigurationError: \(error)")
    }
    return 0
}
