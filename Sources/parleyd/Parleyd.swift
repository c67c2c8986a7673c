import ArgumentParser
import Foundation
import Logging
import ParleyConfig

/// `parleyd`: parses arguments and configuration, then hands over to `Daemon`, which wires the
/// services into a `ServiceGroup`.
@main
struct Parleyd: AsyncParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "parleyd",
        abstract: "Parley radio/telephony gateway daemon.",
        discussion: """
            Runs until SIGTERM or SIGINT (graceful: the store is flushed). SIGHUP reloads the \
            configuration. Exit status 78 means the configuration is invalid (systemd does not \
            restart it). See docs/configuration.md and docs/operations.md.
            """,
        version: version)

    @Option(name: .long, help: "Configuration file (YAML).")
    var config: String = "/etc/parley/parley.yaml"

    @Flag(name: .long, help: "Validate the configuration and exit: 0 if valid, 1 if not.")
    var checkConfig = false

    @Flag(name: .long, help: "Drop every configured PTT line and exit (systemd ExecStopPost=): 0 if all were released.")
    var releasePtt = false

    @Option(name: .long, help: "Put the store, recordings and control socket under this directory.")
    var stateDir: String?

    @Option(name: .long, help: "Log level (trace, debug, info, notice, warning, error, critical); overrides the configuration.")
    var logLevel: String?

    func validate() throws {
        if let logLevel, Logger.Level(rawValue: logLevel) == nil {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
    }

    func run() async throws {
        let configuration: ParleyConfiguration
        do {
            configuration = try ParleyConfiguration.load(file: config).resolvingPaths(stateDirOverride: stateDir)
        } catch {
            FileHandle.standardError.write(Data("parleyd: \(error)\n".utf8))
            throw ExitCode(checkConfig ? 1 : 78)
        }
        if checkConfig {
            print("parleyd: \(config) is valid (store \(configuration.storePath), socket \(configuration.socketPath), \(configuration.channels.count) channel(s))")
            return
        }
        if releasePtt {
            let released = await PTTRelease.releaseAll(configuration.channels)
            if !released { throw ExitCode(1) }
            return
        }
        let level = SharedLogLevel(Logger.Level(rawValue: logLevel ?? configuration.daemon.logLevel.rawValue) ?? .info)
        LoggingSystem.bootstrap { label in StderrLogHandler(label: label, level: level) }
        let logger = Logger(label: "parleyd")
        let daemon = Daemon(
            configuration: configuration, configFile: config, stateDirOverride: stateDir,
            logLevelOverridden: logLevel != nil, logLevel: level, version: Self.version, logger: logger)
        do {
            try await daemon.run()
        } catch let error as DaemonStartError {
            logger.critical("parleyd cannot start", metadata: ["error": "\(error)"])
            throw ExitCode(error.exitCode)
        }
    }
}
