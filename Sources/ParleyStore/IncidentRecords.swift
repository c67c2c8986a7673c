import GRDB
import ParleyCore

/// An incident as stored.
public struct IncidentRecord: Sendable, Hashable, Codable {
    public var id: Int64
    public var reference: String
    public var openedAt: Int64
    public var openedBy: String
    public var contactChannel: ContactChannel
    public var openingCategory: String
    public var currentGrade: Grade
    public var summary: String
    public var closedAt: Int64?
    public var closedBy: String?
    public var closingCategory: String?

    public var isOpen: Bool { closedAt == nil }

    static let select = """
        SELECT id, reference, opened_at, opened_by, contact_channel, opening_category, current_grade, summary,
               closed_at, closed_by, closing_category FROM incidents
        """

    static func decode(_ row: Row) -> IncidentRecord {
        let channel: String = row[4]
        let grade: Int = row[6]
        return IncidentRecord(
            id: row[0], reference: row[1], openedAt: row[2], openedBy: row[3],
            contactChannel: ContactChannel(rawValue: channel) ?? .other, openingCategory: row[5],
            currentGrade: Grade(rawValue: grade) ?? .scheduled, summary: row[7], closedAt: row[8], closedBy: row[9],
            closingCategory: row[10])
    }
}

/// One entry of an incident's grade history.
public struct GradeChange: Sendable, Hashable, Codable {
    public var grade: Grade
    public var at: Int64
    public var by: String
    public var reason: String
}

/// One THRIVE assessment as stored.
public struct ThriveRecord: Sendable, Hashable, Codable {
    public var at: Int64
    public var by: String
    public var assessment: ThriveAssessment
}

/// An incident with its history.
public struct IncidentDetail: Sendable, Hashable, Codable {
    public var incident: IncidentRecord
    public var grades: [GradeChange]
    public var assessments: [ThriveRecord]
    public var eventCount: Int64
}

extension IncidentStore {
    /// Incidents, newest first. `openOnly` leaves out closed ones.
    public func incidents(openOnly: Bool = false, limit: Int = 100) throws -> [IncidentRecord] {
        let limit = max(0, min(limit, 10_000))
        return try pool.read { db in
            try Row.fetchAll(
                db,
                sql: "\(IncidentRecord.select)\(openOnly ? " WHERE closed_at IS NULL" : "") ORDER BY id DESC LIMIT \(limit)"
            ).map(IncidentRecord.decode)
        }
    }

    /// Finds an incident by numeric id or by reference.
    public func incident(_ idOrReference: String) throws -> IncidentDetail {
        try pool.read { db in
            guard let incident = try Self.findIncident(db, idOrReference) else {
                throw StoreError.notFound("incident '\(idOrReference)'")
            }
            let grades = try Row.fetchAll(
                db, sql: "SELECT grade, graded_at, graded_by, reason FROM grade_history WHERE incident_id = ? ORDER BY id",
                arguments: [incident.id]
            ).map { row -> GradeChange in
                let grade: Int = row[0]
                return GradeChange(grade: Grade(rawValue: grade) ?? .scheduled, at: row[1], by: row[2], reason: row[3])
            }
            let assessments = try Row.fetchAll(
                db,
                sql: """
                    SELECT assessed_at, assessed_by, threat, harm, risk, investigation, vulnerability, engagement
                    FROM thrive_assessments WHERE incident_id = ? ORDER BY id
                    """, arguments: [incident.id]
            ).map { row in
                ThriveRecord(
                    at: row[0], by: row[1],
                    assessment: ThriveAssessment(
                        threat: row[2], harm: row[3], risk: row[4], investigation: row[5], vulnerability: row[6],
                        engagement: row[7]))
            }
            let eventCount =
                try Int64.fetchOne(db, sql: "SELECT count(*) FROM events WHERE incident_id = ?", arguments: [incident.id]) ?? 0
            return IncidentDetail(incident: incident, grades: grades, assessments: assessments, eventCount: eventCount)
        }
    }

    static func findIncident(_ db: Database, _ idOrReference: String) throws -> IncidentRecord? {
        if let id = Int64(idOrReference) {
            return try Row.fetchOne(db, sql: "\(IncidentRecord.select) WHERE id = ?", arguments: [id]).map(IncidentRecord.decode)
        }
        return try Row.fetchOne(db, sql: "\(IncidentRecord.select) WHERE reference = ?", arguments: [idOrReference])
            .map(IncidentRecord.decode)
    }
}
