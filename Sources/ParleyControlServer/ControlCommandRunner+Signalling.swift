import Logging
import ParleyControl
import ParleyCore
import ParleyStore

extension ControlCommandRunner {
    /// Runs `units`, `emergencies` or `ack`; returns the audit detail. All three work on the
    /// store: units and emergencies are written there by the channels' TETRA terminals, and an
    /// acknowledgement is a store change with its `emergency.acknowledged` event (emergency
    /// priority), like an incident change.
    func runSignalling(_ arguments: ControlRequest.Arguments, on context: ConnectionContext, reply: Replier) async throws -> String {
        let store = self.store
        switch arguments {
        case .units:
            let units = try await read { try store.unitStatuses() }
            try await reply.success(UnitsResult(units: units.map(UnitResult.init)))
            return "\(units.count) units"
        case .emergencies:
            let open = try await read { try store.openEmergencies() }
            try await reply.success(EmergenciesResult(emergencies: open.map(EmergencyResult.init)))
            return "\(open.count) open"
        case .ack(let ack):
            let person = context.operatorName
            let record: EmergencyRecord
            do {
                record = try await writer.perform(priority: .emergency, RadioSignallingOperations.acknowledgeEmergency(ack.emergency, by: person)).0
            } catch {
                throw ControlError.from(error)
            }
            context.logger.notice(
                "Emergency acknowledged over the control socket",
                metadata: [
                    "emergency.id": "\(record.id)", "channel.id": "\(record.channelID)", "unit.issi": "\(record.issi.map(String.init) ?? "-")",
                    "operator.name": "\(person)",
                ])
            await radio?.emergenciesChanged()
            try await reply.success(AckResult(emergency: EmergencyResult(record)))
            return "emergency \(record.id)"
        default:
            throw ControlError.internal("not a signalling command")
        }
    }
}
