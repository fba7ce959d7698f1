import Foundation

/// A verification run as stored, with its checks (newest runs first in lists).
public struct VerificationRecord: Sendable, Equatable {
    public enum State: String, Sendable { case queued, running, passed, failed, error }
    public enum Trigger: String, Sendable { case manual, onReady = "on_ready" }

    public let id: String
    public let setupID: String
    public let jobID: String?
    public let trigger: Trigger
    public let state: State
    public let requestedBy: String
    public let resolver: String?
    public let endpointAddressesKnown: Bool?
    public let note: String?
    public let checksTotal: Int?
    public let checksPassed: Int?
    public let createdAt: String
    public let startedAt: String?
    public let finishedAt: String?
    /// Each check as the API shows it (service, hostname, answers, passed, code, message, …);
    /// `nil` when not read (a setup shows only its latest run's summary).
    public let checks: [JSON]?
    /// The hub's spoke it was asked for, if any.
    public var spokeID: String? = nil

    public var isFinished: Bool { state == .passed || state == .failed || state == .error }
}

/// What a finished run found, ready to be stored.
public struct VerificationOutcome: Sendable {
    public let resolver: String
    public let endpointAddressesKnown: Bool
    public let note: String?
    public let checks: [VerificationCheck]

    public init(resolver: String, endpointAddressesKnown: Bool, note: String?, checks: [VerificationCheck]) {
        self.resolver = resolver
        self.endpointAddressesKnown = endpointAddressesKnown
        self.note = note
        self.checks = checks
    }
}

/// The `verifications` and `verification_checks` tables.
enum VerificationRows {
    static let columns = """
        id, setup_id, job_id, trigger, state, requested_by, resolver, endpoint_addresses_known, note,
        checks_total, checks_passed, created_at, started_at, finished_at, spoke_id
        """
    static let checkColumns = "service, hostname, answers, passed, code, message, dns_status, resolver, addresses, expected_addresses, probes"

    /// Queues a verification job and its run, unless one is already queued or running (that one is
    /// returned: asking twice does not check twice).
    static func request(
        _ db: Connection, setupID: String, trigger: VerificationRecord.Trigger, actor: Actor, now: String, spokeID: String? = nil
    ) throws -> String {
        if let open = try db.firstRow(
            "SELECT id FROM verifications WHERE setup_id = ? AND spoke_id IS ? AND state IN ('queued', 'running') ORDER BY created_at DESC LIMIT 1",
            [.text(setupID), .optional(spokeID)], { $0.string(0) })
        {
            return open
        }
        let jobID = try SetupStore.enqueue(db, setupID: setupID, kind: .verify, steps: [.verify], actor: actor, now: now)
        let id = Identifier.make(prefix: "vf_")
        try db.run(
            "INSERT INTO verifications (id, setup_id, job_id, trigger, state, requested_by, created_at, spoke_id) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?)",
            [.text(id), .text(setupID), .text(jobID), .text(trigger.rawValue), .text(actor.name), .text(now), .optional(spokeID)])
        return id
    }

    /// The spoke a verify job's run was asked for, if any.
    static func spokeID(_ db: Connection, jobID: String) throws -> String? {
        try db.firstRow("SELECT spoke_id FROM verifications WHERE job_id = ?", [.text(jobID)]) { $0.optionalString(0) } ?? nil
    }

    static func markRunning(_ db: Connection, jobID: String, now: String) throws {
        try db.run(
            "UPDATE verifications SET state = 'running', started_at = coalesce(started_at, ?) WHERE job_id = ? AND state IN ('queued', 'running')",
            [.text(now), .text(jobID)])
    }

    /// Ends the job's run with its checks: passed when every check passed.
    static func finish(_ db: Connection, jobID: String, outcome: VerificationOutcome, now: String) throws -> VerificationRecord.State {
        guard let id = try db.firstRow("SELECT id FROM verifications WHERE job_id = ? AND state IN ('queued', 'running')", [.text(jobID)], { $0.string(0) })
        else {
            return .error
        }
        let passed = outcome.checks.filter(\.passed).count
        let state: VerificationRecord.State = outcome.checks.isEmpty ? .error : passed == outcome.checks.count ? .passed : .failed
        let insert = try db.statement(
            "INSERT INTO verification_checks (verification_id, position, \(checkColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        for (position, check) in outcome.checks.enumerated() {
            let json = check.json
            try insert.run([
                .text(id), .int(position), .text(check.target.service), .text(check.target.hostname),
                .text(json["answers"]!.serializedString), .int(check.passed ? 1 : 0), .text(check.code), .text(check.message),
                .text(check.answer.outcome.rawValue), .text(check.answer.resolver), .text(json["addresses"]!.serializedString),
                StoredJSON.text(json["expected_addresses"] ?? .null), .text(json["probes"]!.serializedString),
            ])
        }
        try db.run(
            """
            UPDATE verifications SET state = ?, resolver = ?, endpoint_addresses_known = ?, note = ?, checks_total = ?, checks_passed = ?,
                started_at = coalesce(started_at, ?), finished_at = ? WHERE id = ?
            """,
            [
                .text(state.rawValue), .text(outcome.resolver), .int(outcome.endpointAddressesKnown ? 1 : 0), .optional(outcome.note),
                .int(outcome.checks.count), .int(passed), .text(now), .text(now), .text(id),
            ])
        return state
    }

    /// Ends the job's run without checks (the setup vanished, the verifier could not start).
    static func fail(_ db: Connection, jobID: String, note: String, now: String) throws {
        try db.run(
            "UPDATE verifications SET state = 'error', note = ?, checks_total = 0, checks_passed = 0, finished_at = ? WHERE job_id = ? AND state IN ('queued', 'running')",
            [.text(note), .text(now), .text(jobID)])
    }

    static func record(_ db: Connection, _ row: Row, withChecks: Bool) throws -> VerificationRecord {
        let id = row.string("id")
        let checks =
            !withChecks
            ? nil
            : try db.rows(
                "SELECT \(checkColumns) FROM verification_checks WHERE verification_id = ? ORDER BY position",
                [.text(id)], check)
        return VerificationRecord(
            id: id, setupID: row.string("setup_id"), jobID: row.optionalString("job_id"),
            trigger: try StoredValueError.decode(VerificationRecord.Trigger.self, row.string("trigger")),
            state: try StoredValueError.decode(VerificationRecord.State.self, row.string("state")), requestedBy: row.string("requested_by"),
            resolver: row.optionalString("resolver"), endpointAddressesKnown: row.optionalInt("endpoint_addresses_known").map { $0 == 1 },
            note: row.optionalString("note"), checksTotal: row.optionalInt("checks_total"), checksPassed: row.optionalInt("checks_passed"),
            createdAt: row.string("created_at"), startedAt: row.optionalString("started_at"), finishedAt: row.optionalString("finished_at"),
            checks: checks, spokeID: row.optionalString("spoke_id"))
    }

    static func check(_ row: Row) -> JSON {
        .object([
            ("service", .string(row.string("service"))), ("hostname", .string(row.string("hostname"))),
            ("answers", StoredJSON.value(row.string("answers"))), ("passed", .bool(row.int("passed") == 1)),
            ("code", .string(row.string("code"))), ("message", .string(row.string("message"))),
            ("dns_status", .string(row.string("dns_status"))), ("resolver", .string(row.string("resolver"))),
            ("addresses", StoredJSON.value(row.string("addresses"))), ("expected_addresses", StoredJSON.value(row.optionalString("expected_addresses"))),
            ("probes", StoredJSON.value(row.string("probes"))),
        ])
    }

    static func latest(_ db: Connection, setupID: String) throws -> VerificationRecord? {
        try db.firstRow("SELECT \(columns) FROM verifications WHERE setup_id = ? ORDER BY created_at DESC, id DESC LIMIT 1", [.text(setupID)]) {
            try record(db, $0, withChecks: false)
        }
    }
}

extension SetupStore {
    /// `POST /v1/setups/{id}/verify`: queues a verification (or returns the one already open).
    public func requestVerification(
        _ setupID: String, trigger: VerificationRecord.Trigger = .manual, actor: Actor, spokeID: String? = nil
    ) throws -> VerificationRecord {
        try database.write { db in
            if let spokeID {
                guard let spoke = try SpokeRows.byID(db, spokeID), spoke.setupID == setupID else { throw NotFound(kind: "spoke", id: spokeID) }
                guard spoke.status == .ready else { throw StateConflict(message: "spoke \(spokeID) is \(spoke.status.rawValue); a ready spoke is verified") }
            }
            guard let status = try db.firstRow("SELECT status FROM setups WHERE id = ?", [.text(setupID)], { $0.string(0) }) else {
                throw NotFound(kind: "setup", id: setupID)
            }
            guard status != SetupStatus.deleting.rawValue && status != SetupStatus.deleted.rawValue else {
                throw StateConflict(message: "setup \(setupID) is \(status); there is nothing to verify")
            }
            let id = try VerificationRows.request(db, setupID: setupID, trigger: trigger, actor: actor, now: Timestamp.string(clock.now()), spokeID: spokeID)
            return try db.firstRow("SELECT \(VerificationRows.columns) FROM verifications WHERE id = ?", [.text(id)]) {
                try VerificationRows.record(db, $0, withChecks: true)
            }!
        }
    }

    /// One verification with its checks.
    public func verification(_ id: String, setupID: String) throws -> VerificationRecord? {
        try database.read { db in
            try db.firstRow("SELECT \(VerificationRows.columns) FROM verifications WHERE id = ? AND setup_id = ?", [.text(id), .text(setupID)]) {
                try VerificationRows.record(db, $0, withChecks: true)
            }
        }
    }

    /// A setup's verifications with their checks, newest first; `before` is the created_at/id
    /// cursor of the previous page's last item.
    public func verifications(setupID: String, limit: Int, before: (createdAt: String, id: String)? = nil) throws -> [VerificationRecord]? {
        try database.read { db in
            guard try db.firstRow("SELECT 1 FROM setups WHERE id = ?", [.text(setupID)], { $0.int(0) }) != nil else { return nil }
            var sql = "SELECT \(VerificationRows.columns) FROM verifications WHERE setup_id = ?"
            var values: [SQLValue] = [.text(setupID)]
            if let before {
                sql += " AND (created_at < ? OR (created_at = ? AND id < ?))"
                values += [.text(before.createdAt), .text(before.createdAt), .text(before.id)]
            }
            sql += " ORDER BY created_at DESC, id DESC LIMIT ?"
            values.append(.int(limit))
            return try db.rows(sql, values) { try VerificationRows.record(db, $0, withChecks: true) }
        }
    }
}
