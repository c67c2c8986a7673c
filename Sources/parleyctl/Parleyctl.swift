import ArgumentParser
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif
import ParleyControl

@main
struct Parleyctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "parleyctl",
        abstract: "Control and inspect parleyd over its control socket.",
        discussion: """
            The options --socket PATH and --json belong to every subcommand and may also be given \
            before it (parleyctl --socket /tmp/p.sock status).

            Exit status: 0 success; 1 verify found the event log broken, key/unkey was refused, or \
            a transfer failed (the reason is printed); 2 usage, connection or protocol error; 3 parleyd refused or \
            failed the command (the reason is printed).
            """,
        subcommands: [
            StatusCommand.self, TailCommand.self, EventsCommand.self, IncidentsCommand.self, VerifyCommand.self,
            AuditCommand.self, ChannelsCommand.self, AttachCommand.self, KeyCommand.self, UnkeyCommand.self, RecallCommand.self,
            LinesCommand.self, CallsCommand.self, AnswerCommand.self, HoldCommand.self, HangUpCommand.self,
            TransferCommand.self, TextCommand.self, AttachCallCommand.self, UnitsCommand.self, EmergenciesCommand.self, AckCommand.self, SDSCommand.self,
            ReloadCommand.self, DecodeCommand.self,
        ]
    )

    static func main() {
        do {
            var command = try parseAsRoot(Self.globalOptionsLast(Array(CommandLine.arguments.dropFirst())))
            try command.run()
        } catch let error as ParleyctlError {
            if !error.description.isEmpty { Output.standardError("parleyctl: \(error.description)\n") }
            Glibc.exit(error.exitCode)
        } catch {
            if exitCode(for: error) == .validationFailure {
                Output.standardError(fullMessage(for: error) + "\n")
                Glibc.exit(ParleyctlError.usageCode)
            }
            exit(withError: error)
        }
    }
}

extension Parleyctl {
    /// Moves `--socket PATH` and `--json` given before the subcommand to the end, where the
    /// subcommand (which owns them) parses them.
    static func globalOptionsLast(_ arguments: [String]) -> [String] {
        var moved: [String] = []
        var rest: [String] = []
        var index = 0
        var inSubcommand = false
        while index < arguments.count {
            let argument = arguments[index]
            if !inSubcommand {
                if argument == "--json" || argument.hasPrefix("--socket=") {
                    moved.append(argument)
                    index += 1
                    continue
                }
                if argument == "--socket", index + 1 < arguments.count {
                    moved += [argument, arguments[index + 1]]
                    index += 2
                    continue
                }
                if !argument.hasPrefix("-") { inSubcommand = true }
            }
            rest.append(argument)
            index += 1
        }
        return rest + moved
    }
}

/// Options every subcommand that talks to parleyd takes.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long, help: ArgumentHelp("The control socket (default: $PARLEY_SOCKET, else /run/parley/control.sock).", valueName: "path"),
        completion: .file())
    var socket: String?

    @Flag(name: .long, help: "Print the raw result as JSON (streams: one object per line).")
    var json = false

    var socketPath: String {
        if let socket { return socket }
        if let fromEnvironment = getenv("PARLEY_SOCKET").map({ String(cString: $0) }), !fromEnvironment.isEmpty {
            return fromEnvironment
        }
        return "/run/parley/control.sock"
    }

    func connect() throws -> ControlClient {
        try ControlClient(path: socketPath)
    }
}
