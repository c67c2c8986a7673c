import GRDB

/// The store's schema, as string-only migrations.
///
/// NEVER edit a migration once it has shipped: add a new one. SQLite enforces the rules
/// (NOT NULL, FOREIGN KEY, CHECK) so that no code path can write a row the model forbids.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-foundation") { db in
            try db.execute(sql: v1Foundation)
        }
        migrator.registerMigration("v2-transmissions") { db in
            try db.execute(sql: v2Transmissions)
        }
        migrator.registerMigration("v3-events-time-by-sequence") { db in
            try db.execute(sql: v3EventsTimeBySequence)
        }
        migrator.registerMigration("v4-telephony") { db in
            try db.execute(sql: v4Telephony)
        }
        migrator.registerMigration("v5-radio-signalling") { db in
            try db.execute(sql: v5RadioSignalling)
        }
        return migrator
    }

    static let v1Foundation = """
        CREATE TABLE incidents (
            id INTEGER PRIMARY KEY,
            reference TEXT NOT NULL UNIQUE CHECK (length(reference) BETWEEN 1 AND 64),
            opened_at INTEGER NOT NULL,
            opened_by TEXT NOT NULL CHECK (length(opened_by) > 0),
            contact_channel TEXT NOT NULL
                CHECK (contact_channel IN ('999', '101', 'text-relay', 'direct-textphone', 'sms', 'radio', 'other')),
            opening_category TEXT NOT NULL CHECK (length(opening_category) BETWEEN 1 AND 200),
            current_grade INTEGER NOT NULL CHECK (current_grade BETWEEN 1 AND 4),
            summary TEXT NOT NULL DEFAULT '',
            closed_at INTEGER CHECK (closed_at IS NULL OR closed_at >= opened_at),
            closed_by TEXT,
            closing_category TEXT CHECK (closing_category IS NULL OR length(closing_category) BETWEEN 1 AND 200),
            CHECK ((closed_at IS NULL) = (closing_category IS NULL)),
            CHECK ((closed_at IS NULL) = (closed_by IS NULL))
        ) STRICT;

        CREATE TABLE grade_history (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            grade INTEGER NOT NULL CHECK (grade BETWEEN 1 AND 4),
            graded_at INTEGER NOT NULL,
            graded_by TEXT NOT NULL CHECK (length(graded_by) > 0),
            reason TEXT NOT NULL
        ) STRICT;
        CREATE INDEX grade_history_incident ON grade_history(incident_id);

        CREATE TABLE thrive_assessments (
            id INTEGER PRIMARY KEY,
            incident_id INTEGER NOT NULL REFERENCES incidents(id),
            assessed_at INTEGER NOT NULL,
            assessed_by TEXT NOT NULL CHECK (length(assessed_by) > 0),
            threat TEXT NOT NULL,
            harm TEXT NOT NULL,
            risk TEXT NOT NULL,
            investigation TEXT NOT NULL,
            vulnerability TEXT NOT NULL,
            engagement TEXT NOT NULL
        ) STRICT;
        CREATE INDEX thrive_assessments_incident ON thrive_assessments(incident_id);

        CREATE TABLE events (
            sequence INTEGER PRIMARY KEY CHECK (sequence >= 1),
            recorded_at INTEGER NOT NULL,
            -- An OR chain, not IN (…): SQLite evaluates a CHECK … IN list through an ephemeral
            -- table on every insert, which cost 40% of the insert rate here.
            priority TEXT NOT NULL
                CHECK (priority = 'routine' OR priority = 'emergency' OR priority = 'priority' OR priority = 'admin'),
            kind TEXT NOT NULL CHECK (length(kind) > 0),
            source TEXT NOT NULL CHECK (length(source) > 0),
            incident_id INTEGER REFERENCES incidents(id),
            payload TEXT NOT NULL,
            previous_hash TEXT NOT NULL CHECK (length(previous_hash) = 64),
            hash TEXT NOT NULL CHECK (length(hash) = 64)
        ) STRICT;
        CREATE INDEX events_incident ON events(incident_id) WHERE incident_id IS NOT NULL;
        CREATE INDEX events_recorded_at ON events(recorded_at);

        -- The event log is append-only. These triggers stop accidental edits; deliberate
        -- tampering (dropping them) is caught by the hash chain (`parleyctl verify`).
        CREATE TRIGGER events_no_update BEFORE UPDATE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
        CREATE TRIGGER events_no_delete BEFORE DELETE ON events
            BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

        -- The last sequence and hash the writer acknowledged, updated in the same transaction
        -- as the events, so that a truncated tail is detectable.
        CREATE TABLE chain_anchor (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            last_sequence INTEGER NOT NULL CHECK (last_sequence >= 0),
            last_hash TEXT NOT NULL CHECK (length(last_hash) = 64)
        ) STRICT;

        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at INTEGER NOT NULL,
            peer_uid INTEGER,
            peer_gid INTEGER,
            peer_pid INTEGER,
            role TEXT CHECK (role IS NULL OR role IN ('engineer', 'dispatcher', 'admin')),
            command TEXT NOT NULL,
            arguments TEXT NOT NULL,
            result TEXT NOT NULL CHECK (result IN ('ok', 'refused', 'error')),
            detail TEXT NOT NULL DEFAULT ''
        ) STRICT;
        CREATE INDEX audit_at ON audit(at);
        """

    /// One row per over-the-air transmission (radio-channels issue). A row is created when the
    /// squelch opens (status `recording`) so that a crash never leaves a silent orphan file; on
    /// restart such rows are completed from the partial file and marked `interrupted`.
    static let v2Transmissions = """
        CREATE TABLE transmissions (
            id INTEGER PRIMARY KEY,
            channel_id TEXT NOT NULL CHECK (length(channel_id) BETWEEN 1 AND 64),
            started_at INTEGER NOT NULL,
            ended_at INTEGER CHECK (ended_at IS NULL OR ended_at >= started_at),
            duration_ms INTEGER CHECK (duration_ms IS NULL OR duration_ms >= 0),
            direction TEXT NOT NULL CHECK (direction IN ('rx', 'tx')),
            transmitted_by TEXT CHECK (transmitted_by IS NULL OR length(transmitted_by) > 0),
            talker_id TEXT,
            emergency INTEGER NOT NULL DEFAULT 0 CHECK (emergency IN (0, 1)),
            peak_dbfs REAL,
            rms_dbfs REAL,
            file_path TEXT NOT NULL CHECK (length(file_path) > 0),
            file_sha256 TEXT CHECK (file_sha256 IS NULL OR length(file_sha256) = 64),
            incident_id INTEGER REFERENCES incidents(id),
            status TEXT NOT NULL CHECK (status IN ('recording', 'complete', 'interrupted')),
            CHECK ((status = 'recording') = (ended_at IS NULL)),
            CHECK ((direction = 'tx') = (transmitted_by IS NOT NULL))
        ) STRICT;
        CREATE INDEX transmissions_channel ON transmissions(channel_id, started_at);
        CREATE INDEX transmissions_recording ON transmissions(status) WHERE status = 'recording';
        """

    /// The writer never lets `recorded_at` go backwards along the chain (see `EventWriter`), so
    /// a time range is a sequence range, found by binary search on the primary key
    /// (`EventFilter`). The index cost a third of the insert rate (`parley-bench store`, writer
    /// 87–96k → 119–124k events/s) and answered nothing the primary key cannot.
    static let v3EventsTimeBySequence = """
        DROP INDEX events_recorded_at;
        """

    /// Telephony (telephony issue): one row per call, per deaf-text message, per handoff, and a
    /// ledger of every SMS part read from a modem. A part is committed here before the modem
    /// deletes it; its PDU hash is unique per line, so a part read again after a crash between
    /// commit and delete is recognised and not stored twice.
    static let v4Telephony = """
        CREATE TABLE calls (
            id INTEGER PRIMARY KEY,
            line_id TEXT NOT NULL CHECK (length(line_id) BETWEEN 1 AND 64),
            service TEXT NOT NULL CHECK (service IN ('999', '101', 'text-relay', 'direct-textphone', 'sms', 'admin')),
            contact_channel TEXT NOT NULL
                CHECK (contact_channel IN ('999', '101', 'text-relay', 'direct-textphone', 'sms', 'radio', 'other')),
            priority INTEGER NOT NULL CHECK (priority BETWEEN 0 AND 3),
            cli TEXT CHECK (cli IS NULL OR length(cli) BETWEEN 1 AND 64),
            cli_absence TEXT CHECK (cli_absence IS NULL OR cli_absence IN ('withheld', 'unavailable')),
            caller_name TEXT,
            network_time TEXT,
            state TEXT NOT NULL CHECK (state IN ('queued', 'answered', 'held', 'transferring', 'ended')),
            queued_at INTEGER NOT NULL,
            answered_at INTEGER CHECK (answered_at IS NULL OR answered_at >= queued_at),
            answered_by TEXT CHECK (answered_by IS NULL OR length(answered_by) > 0),
            ended_at INTEGER CHECK (ended_at IS NULL OR ended_at >= queued_at),
            end_reason TEXT
                CHECK (end_reason IS NULL OR end_reason IN ('abandoned', 'caller_hung_up', 'hung_up', 'transferred', 'line_failed')),
            text_medium TEXT CHECK (text_medium IS NULL OR text_medium IN ('tty45', 'tty50', 'v21', 'sms', 'relay')),
            incident_id INTEGER REFERENCES incidents(id),
            recording_path TEXT,
            recording_sha256 TEXT CHECK (recording_sha256 IS NULL OR length(recording_sha256) = 64),
            CHECK ((state = 'ended') = (ended_at IS NOT NULL)),
            CHECK ((state = 'ended') = (end_reason IS NOT NULL)),
            CHECK ((answered_at IS NULL) = (answered_by IS NULL))
        ) STRICT;
        CREATE INDEX calls_open ON calls(state) WHERE state <> 'ended';
        CREATE INDEX calls_line ON calls(line_id, queued_at);
        CREATE INDEX calls_incident ON calls(incident_id) WHERE incident_id IS NOT NULL;

        CREATE TABLE text_messages (
            id INTEGER PRIMARY KEY,
            call_id INTEGER NOT NULL REFERENCES calls(id),
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            medium TEXT NOT NULL CHECK (medium IN ('tty45', 'tty50', 'v21', 'sms', 'relay')),
            raw TEXT NOT NULL,
            text TEXT NOT NULL,
            at INTEGER NOT NULL,
            sent_by TEXT CHECK (sent_by IS NULL OR length(sent_by) > 0),
            complete INTEGER NOT NULL DEFAULT 1 CHECK (complete IN (0, 1)),
            note TEXT,
            CHECK ((direction = 'out') = (sent_by IS NOT NULL))
        ) STRICT;
        CREATE INDEX text_messages_call ON text_messages(call_id, at);

        CREATE TABLE sms_parts (
            id INTEGER PRIMARY KEY,
            line_id TEXT NOT NULL,
            pdu_sha256 TEXT NOT NULL CHECK (length(pdu_sha256) = 64),
            pdu TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            sender TEXT,
            message_id INTEGER REFERENCES text_messages(id),
            problem TEXT,
            UNIQUE (line_id, pdu_sha256)
        ) STRICT;
        CREATE INDEX sms_parts_pending ON sms_parts(line_id) WHERE message_id IS NULL AND problem IS NULL;

        CREATE TABLE handoffs (
            id INTEGER PRIMARY KEY,
            call_id INTEGER REFERENCES calls(id),
            incident_id INTEGER REFERENCES incidents(id),
            at INTEGER NOT NULL,
            type TEXT NOT NULL CHECK (type IN ('blind', 'attended', 'conference', 'relay')),
            from_person TEXT NOT NULL CHECK (length(from_person) > 0),
            from_agency TEXT NOT NULL CHECK (length(from_agency) > 0),
            to_person TEXT,
            to_agency TEXT NOT NULL CHECK (length(to_agency) > 0),
            number TEXT,
            cli TEXT,
            own_reference TEXT,
            partner_reference TEXT,
            outcome TEXT NOT NULL CHECK (outcome IN ('requested', 'connected', 'completed', 'failed')),
            detail TEXT,
            outcome_at INTEGER NOT NULL CHECK (outcome_at >= at)
        ) STRICT;
        CREATE INDEX handoffs_call ON handoffs(call_id);
        """

    /// TETRA radio units and their signalling: the latest status of each unit (every change is
    /// also an event), short data (status and text) received and sent, and emergencies raised
    /// by units, which stay open until a dispatcher acknowledges them.
    static let v5RadioSignalling = """
        CREATE TABLE unit_statuses (
            issi INTEGER PRIMARY KEY CHECK (issi BETWEEN 0 AND 16777215),
            channel_id TEXT NOT NULL CHECK (length(channel_id) BETWEEN 1 AND 64),
            status INTEGER NOT NULL CHECK (status BETWEEN 0 AND 65535),
            meaning TEXT,
            at INTEGER NOT NULL
        ) STRICT;

        CREATE TABLE sds_messages (
            id INTEGER PRIMARY KEY,
            channel_id TEXT NOT NULL CHECK (length(channel_id) BETWEEN 1 AND 64),
            direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
            issi INTEGER NOT NULL CHECK (issi BETWEEN 0 AND 16777215),
            kind TEXT NOT NULL CHECK (kind IN ('status', 'text')),
            status INTEGER CHECK (status IS NULL OR status BETWEEN 0 AND 65535),
            text TEXT,
            raw TEXT NOT NULL,
            at INTEGER NOT NULL,
            sent_by TEXT CHECK (sent_by IS NULL OR length(sent_by) > 0),
            CHECK ((kind = 'status') = (status IS NOT NULL)),
            CHECK ((kind = 'text') = (text IS NOT NULL)),
            CHECK ((direction = 'out') = (sent_by IS NOT NULL))
        ) STRICT;
        CREATE INDEX sds_messages_unit ON sds_messages(issi, at);

        CREATE TABLE emergencies (
            id INTEGER PRIMARY KEY,
            channel_id TEXT NOT NULL CHECK (length(channel_id) BETWEEN 1 AND 64),
            issi INTEGER CHECK (issi IS NULL OR issi BETWEEN 0 AND 16777215),
            source TEXT NOT NULL CHECK (source IN ('call', 'status', 'transmission')),
            detail TEXT,
            raised_at INTEGER NOT NULL,
            transmission_id INTEGER REFERENCES transmissions(id),
            acknowledged_at INTEGER CHECK (acknowledged_at IS NULL OR acknowledged_at >= raised_at),
            acknowledged_by TEXT CHECK (acknowledged_by IS NULL OR length(acknowledged_by) > 0),
            CHECK ((acknowledged_at IS NULL) = (acknowledged_by IS NULL))
        ) STRICT;
        CREATE INDEX emergencies_open ON emergencies(channel_id) WHERE acknowledged_at IS NULL;
        """
}
