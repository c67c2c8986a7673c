import ParleyCore

public struct IncidentOpenArguments: ControlCommandArguments {
    public static var command: ControlCommand { .incidentsOpen }
    public var channel: ContactChannel
    /// Opening NICL category, e.g. `Public Safety / Concern for safety`.
    public var category: String
    public var grade: Grade
    public var summary: String

    public init(channel: ContactChannel, category: String, grade: Grade, summary: String = "") {
        self.channel = channel
        self.category = category
        self.grade = grade
        self.summary = summary
    }

    public init(from reader: inout ControlArgumentReader) throws {
        let channels = ContactChannel.allCases.map(\.rawValue).joined(separator: ", ")
        switch reader.value("channel") {
        case nil:
            throw ControlError.missingArgument(
                command: reader.command, field: "channel", expected: "how the contact came in: one of \(channels)")
        case .some(let value):
            let text = value.stringValue ?? value.intValue.map(String.init)
            guard let text, let channel = ContactChannel(rawValue: text) else {
                throw ControlError.badArguments(
                    command: reader.command, field: "channel", expected: "one of \(channels)",
                    found: ControlArgumentReader.describe(value))
            }
            self.channel = channel
        }
        category = try reader.requiredString("category", "the opening NICL category (text)", maxBytes: 200)
        guard let grade = try reader.grade("grade") else {
            throw ControlError.missingArgument(command: reader.command, field: "grade", expected: "1 to 4 or \"G1\" to \"G4\"")
        }
        self.grade = grade
        summary = try reader.string("summary") ?? ""
    }

    public var json: [String: JSONValue] {
        [
            "channel": .string(channel.rawValue), "category": .string(category), "grade": .int(Int64(grade.rawValue)),
            "summary": .string(summary),
        ]
    }
}

public struct IncidentGradeArguments: ControlCommandArguments {
    public static var command: ControlCommand { .incidentsGrade }
    public var incident: String
    public var grade: Grade
    public var reason: String

    public init(incident: String, grade: Grade, reason: String) {
        self.incident = incident
        self.grade = grade
        self.reason = reason
    }

    public init(from reader: inout ControlArgumentReader) throws {
        incident = try reader.requiredIncident("incident")
        guard let grade = try reader.grade("grade") else {
            throw ControlError.missingArgument(command: reader.command, field: "grade", expected: "1 to 4 or \"G1\" to \"G4\"")
        }
        self.grade = grade
        reason = try reader.requiredString("reason", "why the grade changes (text)")
    }

    public var json: [String: JSONValue] {
        ["incident": .string(incident), "grade": .int(Int64(grade.rawValue)), "reason": .string(reason)]
    }
}

public struct IncidentAssessArguments: ControlCommandArguments {
    public static var command: ControlCommand { .incidentsAssess }
    public static let fields = ["threat", "harm", "risk", "investigation", "vulnerability", "engagement"]
    public var incident: String
    public var assessment: ThriveAssessment

    public init(incident: String, assessment: ThriveAssessment) {
        self.incident = incident
        self.assessment = assessment
    }

    public init(from reader: inout ControlArgumentReader) throws {
        incident = try reader.requiredIncident("incident")
        var texts: [String] = []
        for field in Self.fields { texts.append(try reader.string(field) ?? "") }
        guard texts.contains(where: { !$0.isEmpty }) else {
            throw ControlError.missingArgument(
                command: reader.command, field: "threat",
                expected: "at least one of \(Self.fields.joined(separator: ", ")) (text)")
        }
        assessment = ThriveAssessment(
            threat: texts[0], harm: texts[1], risk: texts[2], investigation: texts[3], vulnerability: texts[4],
            engagement: texts[5])
    }

    public var json: [String: JSONValue] {
        [
            "incident": .string(incident), "threat": .string(assessment.threat), "harm": .string(assessment.harm),
            "risk": .string(assessment.risk), "investigation": .string(assessment.investigation),
            "vulnerability": .string(assessment.vulnerability), "engagement": .string(assessment.engagement),
        ]
    }
}

public struct IncidentCategoriseArguments: ControlCommandArguments {
    public static var command: ControlCommand { .incidentsCategorise }
    public var incident: String
    public var category: String

    public init(incident: String, category: String) {
        self.incident = incident
        self.category = category
    }

    public init(from reader: inout ControlArgumentReader) throws {
        incident = try reader.requiredIncident("incident")
        category = try reader.requiredString("category", "the new opening NICL category (text)", maxBytes: 200)
    }

    public var json: [String: JSONValue] { ["incident": .string(incident), "category": .string(category)] }
}

public struct IncidentCloseArguments: ControlCommandArguments {
    public static var command: ControlCommand { .incidentsClose }
    public var incident: String
    /// Closing NICL category.
    public var category: String

    public init(incident: String, category: String) {
        self.incident = incident
        self.category = category
    }

    public init(from reader: inout ControlArgumentReader) throws {
        incident = try reader.requiredIncident("incident")
        category = try reader.requiredString("category", "the closing NICL category (text)", maxBytes: 200)
    }

    public var json: [String: JSONValue] { ["incident": .string(incident), "category": .string(category)] }
}
