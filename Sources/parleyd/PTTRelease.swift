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
            if let tetra = channel.tetra {
                // A TETRA terminal keys a group call whose instance only the running driver
                // knew; the terminal is reset (ATZ, first in its set-up) when parleyd starts.
                let resets = tetra.initialisation.map { $0.contains { $0.uppercased() == "ATZ" } } ?? true
                print("parleyd: \(channel.id): TETRA terminal on \(tetra.device) — "
                    + (resets
                        ? "its transmission ends when parleyd starts again (ATZ in the set-up resets the terminal) or at the network's time-out"
                        : "its transmission ends at the network's time-out; put ATZ in tetra.init to reset the terminal when parleyd starts"))
                continue
            }
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
