/// Moves setups, endpoints and jobs from one status to another: one function per entity, each
/// checking the entity's table of allowed moves (`StateMachine`), writing the new status and its
/// transition row in the caller's transaction. Nothing else writes a transition row.
public enum TransitionLog {
    public enum Entity: String, Sendable { case setup, endpoint, job, spoke }

    /// Moves a setup (nil `from`: just created, to `pending`), setting or clearing its error.
    /// Returns false, writing nothing, when it already has that status.
    @discardableResult
    public static func moveSetup(
        _ db: Connection, id: String, to status: SetupStatus, actor: String, requestID: String? = nil, reason: String?,
        error: (code: String, message: String)? = nil, created: Bool = false, now: String
    ) throws -> Bool {
        let current: SetupStatus?
        if created {
            current = nil
        } else {
            guard let text = try db.firstRow("SELECT status FROM setups WHERE id = ?", [.text(id)], { $0.string(0) }) else {
                throw NotFound(kind: "setup", id: id)
            }
            current = try StoredValueError.decode(SetupStatus.self, text)
            guard current != status else { return false }
        }
        try check(current, status, entity: .setup, id: id)
        if current != nil {
            try db.run(
                "UPDATE setups SET status = ?, error_code = ?, error_message = ?, updated_at = ? WHERE id = ?",
                [.text(status.rawValue), .optional(error?.code), .optional(error?.message), .text(now), .text(id)])
        }
        try record(
            db, setupID: id, entity: .setup, entityID: id, from: current?.rawValue, to: status.rawValue,
            at: now, actor: actor, requestID: requestID, reason: reason ?? error?.message)
        return true
    }

    /// Moves an endpoint (nil `from` via `created`: just planned, to `requested`). With `note`, a row
    /// is written even when the state stays (a teardown that kept a shared endpoint says why); a nil
    /// `state` means the one it is in now. Returns whether anything was written.
    @discardableResult
    public static func moveEndpoint(
        _ db: Connection, id: String, to target: EndpointState?, actor: String, requestID: String? = nil, reason: String?,
        created: Bool = false, note: Bool = false, now: String
    ) throws -> Bool {
        guard
            let (setupID, text) = try db.firstRow(
                "SELECT setup_id, state FROM endpoints WHERE id = ?", [.text(id)],
                { ($0.string(0), $0.string(1)) })
        else { throw NotFound(kind: "endpoint", id: id) }
        let current = created ? nil : try StoredValueError.decode(EndpointState.self, text)
        guard let state = target ?? current else { preconditionFailure("a new endpoint needs a state") }
        if current == state {
            guard note else { return false }
        } else {
            try check(current, state, entity: .endpoint, id: id)
            if current != nil {
                try db.run("UPDATE endpoints SET state = ?, updated_at = ? WHERE id = ?", [.text(state.rawValue), .text(now), .text(id)])
            }
        }
        try record(
            db, setupID: setupID, entity: .endpoint, entityID: id, from: current?.rawValue, to: state.rawValue,
            at: now, actor: actor, requestID: requestID, reason: reason)
        return true
    }

    /// Moves a job (nil `from` via `created`: just queued). A job may move to its own state only
    /// from `running` (a takeover), which is written like any move.
    public static func moveJob(
        _ db: Connection, id: String, to state: JobState, actor: String, requestID: String? = nil, reason: String?,
        created: Bool = false, now: String
    ) throws {
        guard
            let (setupID, text) = try db.firstRow(
                "SELECT setup_id, state FROM jobs WHERE id = ?", [.text(id)],
                { ($0.string(0), $0.string(1)) })
        else { throw NotFound(kind: "job", id: id) }
        let current = created ? nil : try StoredValueError.decode(JobState.self, text)
        try check(current, state, entity: .job, id: id)
        if current != nil {
            try db.run("UPDATE jobs SET state = ?, updated_at = ? WHERE id = ?", [.text(state.rawValue), .text(now), .text(id)])
        }
        try record(
            db, setupID: setupID, entity: .job, entityID: id, from: current?.rawValue, to: state.rawValue,
            at: now, actor: actor, requestID: requestID, reason: reason)
    }

    /// Moves a spoke (nil `from` via `created`: just asked for, to `pending`), setting or clearing
    /// its error. Returns false, writing nothing, when it already has that status.
    @discardableResult
    public static func moveSpoke(
        _ db: Connection, id: String, to status: SpokeStatus, actor: String, requestID: String? = nil, reason: String?,
        error: (code: String, message: String)? = nil, created: Bool = false, now: String
    ) throws -> Bool {
        guard
            let (setupID, text) = try db.firstRow(
                "SELECT setup_id, status FROM spokes WHERE id = ?", [.text(id)], { ($0.string(0), $0.string(1)) })
        else { throw NotFound(kind: "spoke", id: id) }
        let current = created ? nil : try StoredValueError.decode(SpokeStatus.self, text)
        if current == status { return false }
        try check(current, status, entity: .spoke, id: id)
        if current != nil {
            try db.run(
                "UPDATE spokes SET status = ?, error_code = ?, error_message = ?, updated_at = ? WHERE id = ?",
                [.text(status.rawValue), .optional(error?.code), .optional(error?.message), .text(now), .text(id)])
        }
        try record(
            db, setupID: setupID, entity: .spoke, entityID: id, from: current?.rawValue, to: status.rawValue,
            at: now, actor: actor, requestID: requestID, reason: reason ?? error?.message)
        return true
    }

    private static func check<S: StateMachine>(_ from: S?, _ to: S, entity: Entity, id: String) throws {
        guard S.allows(from: from, to: to) else {
            throw IllegalMove(entity: entity.rawValue, id: id, from: from?.rawValue, to: to.rawValue)
        }
    }

    private static func record(
        _ connection: Connection, setupID: String, entity: Entity, entityID: String,
        from: String?, to: String, at: String, actor: String, requestID: String?, reason: String?
    ) throws {
        try connection.run(
            """
            INSERT INTO transitions (setup_id, entity_type, entity_id, from_state, to_state, at, actor, reason, api_request_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(setupID), .text(entity.rawValue), .text(entityID), .optional(from), .text(to), .text(at),
                .text(actor), .optional(reason), .optional(requestID),
            ])
    }

    /// A setup's transitions, oldest first.
    public static func forSetup(_ connection: Connection, setupID: String) throws -> [TransitionRecord] {
        try connection.rows(
            """
            SELECT id, setup_id, entity_type, entity_id, from_state, to_state, at, actor, reason, api_request_id
            FROM transitions WHERE setup_id = ? ORDER BY id
            """, [.text(setupID)], decode)
    }

    /// Transitions across setups, oldest first, strictly after the id `after`: what a dashboard
    /// catches up with after a gap. Optionally one setup's, one entity type's, or one team's.
    public static func page(
        _ connection: Connection, after: Int, limit: Int, setupID: String? = nil, entityType: Entity? = nil, team: String? = nil
    ) throws -> [TransitionRecord] {
        var conditions = ["t.id > ?"]
        var values: [SQLValue] = [.int(after)]
        if let setupID { conditions.append("t.setup_id = ?"); values.append(.text(setupID)) }
        if let entityType { conditions.append("t.entity_type = ?"); values.append(.text(entityType.rawValue)) }
        if let team { conditions.append("t.setup_id IN (SELECT id FROM setups WHERE team = ?)"); values.append(.text(team)) }
        values.append(.int(limit))
        return try connection.rows(
            """
            SELECT t.id, t.setup_id, t.entity_type, t.entity_id, t.from_state, t.to_state, t.at, t.actor, t.reason, t.api_request_id
            FROM transitions t WHERE \(conditions.joined(separator: " AND ")) ORDER BY t.id LIMIT ?
            """, values, decode)
    }

    /// The newest transition's id (0 when there is none): where a live stream starts.
    public static func lastID(_ connection: Connection) throws -> Int {
        try connection.firstRow("SELECT coalesce(max(id), 0) FROM transitions", [], { $0.int(0) }) ?? 0
    }

    private static func decode(_ row: Row) -> TransitionRecord {
        TransitionRecord(
            id: row.int(0), setupID: row.string(1), entityType: row.string(2), entityID: row.string(3),
            fromState: row.optionalString(4), toState: row.string(5), at: row.string(6),
            actor: row.string(7), reason: row.optionalString(8), requestID: row.optionalString(9))
    }
}
