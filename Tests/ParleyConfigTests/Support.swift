import Foundation
import ParleyConfig

/// The repository root, found from this file's path (Tests/ParleyConfigTests/Support.swift).
let repositoryRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// Accounts that exist in every test, whatever the machine.
let testAccounts = AccountResolver.table(
    users: ["alice": 1001, "bob": 1002, "parley": 999],
    groups: ["parley-dispatch": 200, "audio": 29]
)

func parse(_ yaml: String) throws -> ParleyConfiguration {
    try ParleyConfiguration.parse(yaml: yaml, file: "test.yaml", accounts: testAccounts)
}

/// The error `parse` throws, or nil when it parses.
func parseError(_ yaml: String) -> ConfigurationError? {
    do {
        _ = try parse(yaml)
        return nil
    } catch let error as ConfigurationError {
        return error
    } catch {
        return nil
    }
}

enum FileManagerPaths {
    static func temporaryFile(contents: [UInt8]) -> String {
        let path = NSTemporaryDirectory() + "parley-config-test-\(UUID().uuidString).yaml"
        _ = FileManager.default.createFile(atPath: path, contents: Data(contents))
        return path
    }

    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}
