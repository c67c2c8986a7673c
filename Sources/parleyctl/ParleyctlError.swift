/// Why parleyctl stops; each has the exit code scripts can rely on.
struct ParleyctlError: Error, CustomStringConvertible {
    /// 1: `verify` found the chain broken.
    static let chainBrokenCode: Int32 = 1
    /// 2: usage, connection or protocol problem.
    static let usageCode: Int32 = 2
    /// 3: the daemon refused or failed the command.
    static let refusedCode: Int32 = 3

    let description: String
    let exitCode: Int32

    static func usage(_ message: String) -> ParleyctlError { ParleyctlError(description: message, exitCode: usageCode) }
    static func connection(_ message: String) -> ParleyctlError { ParleyctlError(description: message, exitCode: usageCode) }
    static func refused(_ message: String) -> ParleyctlError { ParleyctlError(description: message, exitCode: refusedCode) }
    /// Already reported (the broken chain's details are printed); only the exit code is left.
    static let chainBroken = ParleyctlError(description: "", exitCode: chainBrokenCode)
}
