import Foundation
import GRDB
import ParleyCore

/// Writes to incidents, each an `EventWriter` operation: the row changes and the event that
/// records them commit together or not at all.
public enum IncidentOperations {
    /// Opens an incident. Its reference is `PLY-YYYYMMDD-NNNN` (UTC day, counter per day).
    public static func open(
        contactChannel: ContactChannel, category: String, grade: Grade, summary: String, by person: String
    ) -> EventWriter.Operation<IncidentRecord> {
        { db, context in
            try requireText(category, "opening category")
            try requireText(person, "operator")
            let day = String(Timestamp.iso8601(millis: context.timestampMillis).prefix(10)).replacingOccurrences(of: "-", with: "")
            let prefix = "PLY-\(day)-"
            let taken =
                try Int.fetchOne(
                    db, sql: "SELECT count(*) FROM incidents WHERE substr(reference, 1, ?) = ?",
                    arguments: [prefix.utf8.count, prefix]) ?? 0
            let reference = prefix + String(format: "%04d", taken + 1)
            try db.execute(
                sql: """
                    INSERT INTO incidents (reference, opened_at, opened_by, contact_channel, opening_category, current_grade, summary)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [reference, context.timestampMillis, person, contactChannel.rawValue, category, grade.rawValue, summary])
            let id = db.lastInsertedRowID
            try db.execute(
                sql: "INSERT INTO grade_history (incident_id, grade, graded_at, graded_by, reason) VALUES (?, ?, ?, ?, ?)",
                arguments: [id, grade.rawValue, context.timestampMillis, person, "opened"])
            let record = IncidentRecord(
                id: id, reference: reference, openedAt: context.timestampMillis, openedBy: person,
                contactChannel: contactChannel, openingCategory: category, currentGrade: grade, summary: summary)
            let event = EventDraft(
                priority: grade.eventPriority, kind: "incident.opened", source: .operator(person), incidentID: id,
                payload: [
                    "reference": .string(reference), "contact_channel": .string(contactChannel.rawValue),
                    "category": .string(category), "grade": .string(grade.code), "summary": .string(summary),
                ])
            return (record, [event])
        }
    }

    /// Changes an open incident's grade; the change and its reason go into the grade history.
    public static func grade(_ idOrReference: String, to grade: Grade, reason: String, by person: String)
        -> EventWriter.Operation<IncidentRecord>
    {
        { db, context in
            try requireText(reason, "reason")
            var incident = try openIncident(db, idOrReference)
            let previous = incident.currentGrade
            try db.execute(sql: "UPDATE incidents SET current_grade = ? WHERE id = ?", arguments: [grade.rawValue, incident.id])
            try db.execute(
                sql: "INSERT INTO grade_history (incident_id, grade, graded_at, graded_by, reason) VALUES (?, ?, ?, ?, ?)",
                arguments: [incident.id, grade.rawValue, context.timestampMillis, person, reason])
            incident.currentGrade = grade
            let event = EventDraft(
                priority: min(grade.eventPriority, previous.eventPriority), kind: "incident.graded",
                source: .operator(person), incidentID: incident.id,
                payload: [
                    "reference": .string(incident.reference), "from": .string(previous.code), "to": .string(grade.code),
                    "reason": .string(reason),
                ])
            return (incident, [event])
        }
    }

    /// Records a THRIVE assessment on an open incident.
    public static func assess(_ idOrReference: String, _ assessment: ThriveAssessment, by person: String)
        -> EventWriter.Operation<IncidentRecord>
    {
        { db, context in
            let incident = try openIncident(db, idOrReference)
            let fields = [
                assessment.threat, assessment.harm, assessment.risk, assessment.investigation, assessment.vulnerability,
                assessment.engagement,
            ]
            guard fields.contains(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
                throw StoreError.invalid("a THRIVE assessment needs at least one of threat, harm, risk, investigation, vulnerability, engagement")
            }
            try db.execute(
                sql: """
                    INSERT INTO thrive_assessments
                        (incident_id, assessed_at, assessed_by, threat, harm, risk, investigation, vulnerability, engagement)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    incident.id, context.timestampMillis, person, assessment.threat, assessment.harm, assessment.risk,
                    assessment.investigation, assessment.vulnerability, assessment.engagement,
                ])
            let event = EventDraft(
                priority: incident.currentGrade.eventPriority, kind: "incident.assessed", source: .operator(person),
                incidentID: incident.id,
                payload: [
                    "reference": .string(incident.reference), "threat": .string(assessment.threat),
                    "harm": .string(assessment.harm), "risk": .string(assessment.risk),
                    "investigation": .string(assessment.investigation),
                    "vulnerability": .string(assessment.vulnerability), "engagement": .string(assessment.engagement),
                ])
            return (incident, [event])
        }
    }

    /// Re-categorises an open incident's opening NICL category.
    public static func categorise(_ idOrReference: String, category: String, by person: String)
        -> EventWriter.Operation<IncidentRecord>
    {
        { db, _ in
            try requireText(category, "category")
            var incident = try openIncident(db, idOrReference)
            let previous = incident.openingCategory
            try db.execute(sql: "UPDATE incidents SET opening_category = ? WHERE id = ?", arguments: [category, incident.id])
            incident.openingCategory = category
            let event = EventDraft(
                priority: incident.currentGrade.eventPriority, kind: "incident.categorised", source: .operator(person),
                incidentID: incident.id,
                payload: ["reference": .string(incident.reference), "from": .string(previous), "to": .string(category)])
            return (incident, [event])
        }
    }

    /// Closes an open incident with its closing NICL category.
    public static func close(_ idOrReference: String, category: String, by person: String)
        -> EventWriter.Operation<IncidentRecord>
    {
        { db, context in
            try requireText(category, "closing category")
            var incident = try openIncident(db, idOrReference)
            let closedAt = max(context.timestampMillis, incident.openedAt)
            try db.execute(
                sql: "UPDATE incidents SET closed_at = ?, closed_by = ?, closing_category = ? WHERE id = ?",
                arguments: [closedAt, person, category, incident.id])
            incident.closedAt = closedAt
            incident.closedBy = person
            incident.closingCategory = category
            let event = EventDraft(
                priority: incident.currentGrade.eventPriority, kind: "incident.closed", source: .operator(person),
                incidentID: incident.id,
                payload: ["reference": .string(incident.reference), "closing_category": .string(category)])
            return (incident, [event])
        }
    }

    private static func openIncident(_ db: Database, _ idOrReference: String) throws -> IncidentRecord {
        guard let incident = try IncidentStore.findIncident(db, idOrReference) else {
            throw StoreError.notFound("incident '\(idOrReference)'")
        }
        guard incident.isOpen else {
            throw StoreError.invalid("incident \(incident.reference) is closed — open a new incident instead")
        }
        return incident
    }

    private static func requireText(_ text: String, _ what: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw StoreError.invalid("\(what) must not be empty") }
        guard text.utf8.count <= 4000 else { throw StoreError.invalid("\(what) is longer than 4000 bytes") }
    }
}
