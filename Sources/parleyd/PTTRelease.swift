import Foundation
import Logging
import ParleyConfig
import ParleyRadio

/// `parleyd --release-ptt`: the unit's `ExecStopPost=` safety reset. Opens every configured
/// PTT and drops it, whatever state a crash (or `kill -9`) left it in. Prints one line per
/// channel; returns false if any could not be released.
enum PTTRelease {
    static func releaseAll(_ channels: [ParleyConfiguration.Channel]) async -> Bool {
        var logger = Logger(label: "parleyd.release-ptt")
        logger.logLevel = .critical
        var allReleased = true
        for channel in channels {
            guard let ptt = channel.ptt else { continue }
            let device = ChannelPTT.describe(ptt)
            do {
                let driver = try ChannelPTT.open(ptt, logger: logger)
                try await driver.releaseAll()
                await driver.close()
                print("parleyd: \(channel.id): PTT released (\(device))")
            } catch {
                allReleased = false
                FileHandle.standardError.write(Data("parleyd: \(channel.id): cannot release PTT on \(device): \(error)\n".utf8))
            }
        }
        return allReleased
    }
}
