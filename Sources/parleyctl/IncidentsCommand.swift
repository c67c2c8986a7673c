import ArgumentParser
import ParleyControl
import ParleyCore

struct IncidentsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "incidents", abstract: "List, show, open and change incidents.",
        subcommands: [List.self, Show.self, Open.self, GradeIt.self, Assess.self, Categorise.self, Close.self],
        defaultSubcommand: List.self)

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List incidents, newest first.")

        @OptionGroup var global: GlobalOptions

        @Flag(name: .customLong("open"), help: "Only open incidents.")
        var openOnly = false

        @Option(help: "At most this many (1…10000).")
        var limit: Int64 = 50

        func run() throws {
            let reply = try global.connect().call(IncidentsListArguments(openOnly: openOnly, limit: limit))
            if global.json { return Output.json(reply.body) }
            let incidents = try reply.decode(IncidentsListResult.self).incidents
            Output.table(
                ["REFERENCE", "ID", "GRADE", "STATE", "OPENED", "CHANNEL", "CATEGORY", "SUMMARY"],
                incidents.map {
                    [
                        $0.reference, "\($0.id)", "G\($0.grade)", $0.open ? "open" : "closed", $0.openedAt, $0.channel,
                        $0.open ? $0.openingCategory : ($0.closingCategory ?? ""), String($0.summary.replacingNewlines().prefix(60)),
                    ]
                })
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show", abstract: "Show one incident with its grades, assessments and events.")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The incident's id or reference (PLY-20261123-0001).")
        var incident: String

        func run() throws {
            let reply = try global.connect().call(IncidentShowArguments(incident: incident))
            if global.json { return Output.json(reply.body) }
            let detail = try reply.decode(ControlIncidentDetail.self)
            let incident = detail.incident
            print("\(incident.reference)  (id \(incident.id), \(incident.open ? "open" : "closed"))")
            var fields: [(String, String)] = [
                ("grade", "G\(incident.grade)"), ("channel", incident.channel),
                ("opened", "\(incident.openedAt) by \(incident.openedBy)"), ("category", incident.openingCategory),
                ("summary", incident.summary),
            ]
            if let closedAt = incident.closedAt {
                fields.append(("closed", "\(closedAt) by \(incident.closedBy ?? "?")"))
                fields.append(("closing category", incident.closingCategory ?? ""))
            }
            Output.fields(fields)
            print("grades")
            for change in detail.grades { print("  \(change.time)  G\(change.grade)  \(change.by)  \(change.reason)") }
            if !detail.assessments.isEmpty {
                print("THRIVE assessments")
                for assessment in detail.assessments {
                    print("  \(assessment.time) by \(assessment.by)")
                    Output.fields(
                        [
                            ("threat", assessment.threat), ("harm", assessment.harm), ("risk", assessment.risk),
                            ("investigation", assessment.investigation), ("vulnerability", assessment.vulnerability),
                            ("engagement", assessment.engagement),
                        ].filter { !$0.1.isEmpty }, indent: "    ")
                }
            }
            print("events (\(detail.eventCount))")
            for event in detail.events { print("  " + Output.eventLine(event)) }
        }
    }

    struct Open: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "open", abstract: "Open an incident (dispatcher).")

        @OptionGroup var global: GlobalOptions

        @Option(
            help: "How the contact came in: 999, 101, text-relay, direct-textphone, sms, radio, other.",
            completion: .list(ContactChannel.allCases.map(\.rawValue)), transform: parseChannel)
        var channel: ContactChannel

        @Option(help: "Opening NICL category, e.g. \"Public Safety / Concern for safety\".")
        var category: String

        @Option(help: "Grade 1…4 (or G1…G4).", transform: parseGrade)
        var grade: Grade

        @Option(help: "What was reported.")
        var summary: String = ""

        func run() throws {
            let reply = try global.connect().call(
                IncidentOpenArguments(channel: channel, category: category, grade: grade, summary: summary))
            try report(reply, global, verb: "opened")
        }
    }

    struct GradeIt: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "grade", abstract: "Change an open incident's grade (dispatcher).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The incident's id or reference.")
        var incident: String

        @Option(help: "The new grade 1…4 (or G1…G4).", transform: parseGrade)
        var grade: Grade

        @Option(help: "Why the grade changes.")
        var reason: String

        func run() throws {
            let reply = try global.connect().call(IncidentGradeArguments(incident: incident, grade: grade, reason: reason))
            try report(reply, global, verb: "graded")
        }
    }

    struct Assess: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "assess", abstract: "Record a THRIVE assessment on an open incident (dispatcher).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The incident's id or reference.")
        var incident: String

        @Option var threat: String = ""
        @Option var harm: String = ""
        @Option var risk: String = ""
        @Option var investigation: String = ""
        @Option var vulnerability: String = ""
        @Option var engagement: String = ""

        func validate() throws {
            if [threat, harm, risk, investigation, vulnerability, engagement].allSatisfy(\.isEmpty) {
                throw ValidationError("give at least one of --threat, --harm, --risk, --investigation, --vulnerability, --engagement")
            }
        }

        func run() throws {
            let assessment = ThriveAssessment(
                threat: threat, harm: harm, risk: risk, investigation: investigation, vulnerability: vulnerability,
                engagement: engagement)
            let reply = try global.connect().call(IncidentAssessArguments(incident: incident, assessment: assessment))
            try report(reply, global, verb: "assessed")
        }
    }

    struct Categorise: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "categorise", abstract: "Change an open incident's opening category (dispatcher).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The incident's id or reference.")
        var incident: String

        @Option(help: "The new opening NICL category.")
        var category: String

        func run() throws {
            let reply = try global.connect().call(IncidentCategoriseArguments(incident: incident, category: category))
            try report(reply, global, verb: "categorised")
        }
    }

    struct Close: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "close", abstract: "Close an incident with its closing category (dispatcher).")

        @OptionGroup var global: GlobalOptions

        @Argument(help: "The incident's id or reference.")
        var incident: String

        @Option(help: "The closing NICL category.")
        var category: String

        func run() throws {
            let reply = try global.connect().call(IncidentCloseArguments(incident: incident, category: category))
            try report(reply, global, verb: "closed")
        }
    }
}

private func report(_ reply: ControlReply, _ global: GlobalOptions, verb: String) throws {
    if global.json { return Output.json(reply.body) }
    let change = try reply.decode(IncidentChangeResult.self)
    let events = change.sequences.map { "#\($0)" }.joined(separator: ", ")
    print("\(verb) \(change.incident.reference) (id \(change.incident.id), G\(change.incident.grade)) — event \(events)")
}

func parseGrade(_ text: String) throws -> Grade {
    guard let grade = Grade(text: text) else { throw ValidationError("unknown grade '\(text)' — use 1…4 or G1…G4") }
    return grade
}

func parseChannel(_ text: String) throws -> ContactChannel {
    guard let channel = ContactChannel(rawValue: text.lowercased()) else {
        throw ValidationError(
            "unknown channel '\(text)' — use one of \(ContactChannel.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return channel
}
