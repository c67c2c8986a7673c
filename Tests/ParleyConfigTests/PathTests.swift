import ParleyConfig
import Testing

@Suite struct Paths {
    @Test func defaultsResolveUnderVarLibAndRun() {
        let resolved = ParleyConfiguration().resolvingPaths(currentDirectory: "/home/pat")
        #expect(resolved.storePath == "/var/lib/parley/incidents.sqlite")
        #expect(resolved.socketPath == "/run/parley/control.sock")
        #expect(resolved.recordingsDirectory == "/var/lib/parley/recordings")
    }

    @Test func stateDirOverrideMovesStoreRecordingsAndSocket() {
        let resolved = ParleyConfiguration().resolvingPaths(stateDirOverride: "/tmp/t1", currentDirectory: "/")
        #expect(resolved.storePath == "/tmp/t1/incidents.sqlite")
        #expect(resolved.socketPath == "/tmp/t1/control.sock")
        #expect(resolved.recordingsDirectory == "/tmp/t1/recordings")
        #expect(resolved.daemon.runtimeDirectory == "/tmp/t1")
    }

    @Test func relativeOverrideResolvesAgainstTheWorkingDirectory() {
        let resolved = ParleyConfiguration().resolvingPaths(stateDirOverride: "./state/", currentDirectory: "/home/pat/parley")
        #expect(resolved.storePath == "/home/pat/parley/state/incidents.sqlite")
        #expect(resolved.socketPath == "/home/pat/parley/state/control.sock")
    }

    @Test func absoluteFileAndSocketStayWhereTheyAre() throws {
        let config = try parse("store:\n  file: /data/store.sqlite\ncontrol:\n  socket: /run/x/c.sock\n")
        let resolved = config.resolvingPaths(stateDirOverride: "/tmp/t2", currentDirectory: "/")
        #expect(resolved.storePath == "/data/store.sqlite")
        #expect(resolved.socketPath == "/run/x/c.sock")
    }

    @Test func relativeFileIsInsideAConfiguredRelativeStateDir() throws {
        let config = try parse("daemon:\n  state_dir: ./demo-state\n  runtime_dir: ../run//\nstore:\n  file: db/./i.sqlite\n")
        let resolved = config.resolvingPaths(currentDirectory: "/home/pat/")
        #expect(resolved.storePath == "/home/pat/demo-state/db/i.sqlite")
        #expect(resolved.socketPath == "/home/pat/../run/control.sock")
        #expect(resolved.resolvingPaths(currentDirectory: "/elsewhere") == resolved, "resolving twice changes nothing")
    }

    @Test func resolvingUsesTheProcessWorkingDirectoryByDefault() {
        let resolved = ParleyConfiguration(daemon: .init(stateDirectory: "rel")).resolvingPaths()
        #expect(resolved.storePath.hasPrefix("/"))
        #expect(resolved.storePath.hasSuffix("/rel/incidents.sqlite"))
    }
}
