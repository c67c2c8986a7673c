import Logging
import ParleyAudio
import ParleyCore
import ParleyStore
import SystemPackage

/// Start-up repair: transmissions a crash left `recording` are completed from their files
/// and marked `interrupted` — never left as silent orphans.
public enum InterruptedTransmissions {
    /// Seals each unfinished recording (cuts a torn last page, marks end-of-stream) and
    /// completes its row from what the file holds. Returns the rows completed.
    @discardableResult
    public static func repair(store: IncidentStore, writer: EventWriter, logger: Logger) async -> [TransmissionRecord] {
        let unfinished: [TransmissionRecord]
        do {
            unfinished = try store.unfinishedTransmissions()
        } catch {
            logger.error("Cannot look for interrupted transmissions", metadata: ["store.error": "\(error)"])
            return []
        }
        var repaired: [TransmissionRecord] = []
        for row in unfinished {
            let summary: TransmissionSummary
            do {
                let file = try RecordingRepair.seal(FilePath(row.filePath))
                summary = TransmissionSummary(
                    endedAt: row.startedAt + file.duration.wholeMilliseconds, durationMillis: file.duration.wholeMilliseconds,
                    peakDBFS: file.level.peakDBFS, rmsDBFS: file.level.rmsDBFS, fileSHA256: file.sha256)
            } catch {
                // The file is missing or unreadable: the row is still closed, with what is known.
                logger.warning(
                    "Interrupted recording unreadable; row closed without audio",
                    metadata: ["transmission.id": "\(row.id)", "recording.path": "\(row.filePath)", "recording.error": "\(error)"])
                summary = TransmissionSummary(endedAt: row.startedAt, durationMillis: 0, peakDBFS: nil, rmsDBFS: nil, fileSHA256: nil)
            }
            do {
                let (record, _) = try await writer.perform(priority: .routine, TransmissionOperations.markInterrupted(row.id, summary))
                repaired.append(record)
                logger.notice(
                    "Interrupted transmission completed from its recording",
                    metadata: ["transmission.id": "\(row.id)", "channel.id": "\(row.channelID)", "duration_ms": "\(summary.durationMillis)"])
            } catch {
                logger.error(
                    "Cannot complete interrupted transmission", metadata: ["transmission.id": "\(row.id)", "store.error": "\(error)"])
            }
        }
        return repaired
    }
}
