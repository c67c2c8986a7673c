import ArgumentParser
import ParleyControl
import ParleyCore

struct UnitsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "units", abstract: "Show the radio units heard and each one's latest status.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let reply = try global.connect().call(UnitsArguments())
        if global.json { return Output.json(reply.body) }
        let units = try reply.decode(UnitsResult.self).units
        guard !units.isEmpty else {
            print("no radio unit has reported a status yet")
            return
        }
        Output.table(
            ["ISSI", "CHANNEL", "STATUS", "MEANING", "AT"],
            units.map { [String($0.issi), $0.channel, String($0.status), $0.meaning?.replacingNewlines() ?? "-", $0.at] })
    }
}

struct EmergenciesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "emergencies",
        abstract: "Show the emergencies raised by radio units that no dispatcher has acknowledged yet.",
        discussion: "Acknowledge one with `parleyctl ack ID` (dispatcher).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let reply = try global.connect().call(EmergenciesArguments())
        if global.json { return Output.json(reply.body) }
        let open = try reply.decode(EmergenciesResult.self).emergencies
        guard !open.isEmpty else {
            print("no open emergencies")
            return
        }
        Output.table(
            ["ID", "CHANNEL", "ISSI", "SOURCE", "RAISED", "DETAIL"],
            open.map {
                [String($0.id), $0.channel, $0.issi.map(String.init) ?? "-", $0.source, $0.raisedAt, $0.detail?.replacingNewlines() ?? "-"]
            })
    }
}

struct AckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ack", abstract: "Acknowledge a radio unit's emergency (dispatcher); the acknowledgement is audited.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The emergency's id (see parleyctl emergencies).")
    var emergency: Int64

    func validate() throws { _ = try checked(AckArguments(emergency: emergency)) }

    func run() throws {
        let reply = try global.connect().call(AckArguments(emergency: emergency))
        if global.json { return Output.json(reply.body) }
        let result = try reply.decode(AckResult.self).emergency
        print("emergency \(result.id) on \(result.channel) acknowledged by \(result.acknowledgedBy ?? "?") at \(result.acknowledgedAt ?? "?")")
    }
}

struct SDSCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sds", abstract: "Send a text to a radio unit through a channel's TETRA terminal (dispatcher).",
        discussion: "Returns when the terminal accepted the message; it is stored as sds.sent under your name.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: "The unit's ISSI.")
    var issi: Int64

    @Argument(help: "The message (quote it), up to 200 characters.")
    var text: String

    @Option(help: "The channel whose terminal sends it (needed when more than one channel has a terminal).")
    var channel: String?

    func validate() throws { _ = try checked(SDSArguments(issi: issi, text: text, channel: channel)) }

    func run() throws {
        let reply = try global.connect().call(SDSArguments(issi: issi, text: text, channel: channel))
        if global.json { return Output.json(reply.body) }
        let result = try reply.decode(SDSSentResult.self)
        print("sent to \(result.issi) on \(result.channel) at \(result.sentAt) (message \(result.message))")
    }
}
