/// Writes transition rows. Callers pass the connection of the transaction that makes the change,
/// so the new state and its transition are committed together or not at all.
public enum TransitionLog {
    public enum Entity: String, Sendable { case setup, endpoint, job }

    public static func record(
        _ connection: Connection, setupID: String, entity: Entity, entityID: String,
        from: String?, to: String, at: String, actor: String, reason: String?
    ) throws {
        try connection.run(
            """
            INSERT INTO transitions (setup_id, entity_type, entity_id, from_state, to_state, at, actor, reason)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(setupID), .text(entity.rawValue), .text(entityID), .optional(from), .text(to), .text(at),
             .text(actor), .optional(reason)])
    }

    /// A setup's transitions, oldest first.
    public static func forSetup(_ connection: Connection, setupID: String) throws -> [TransitionRecord] {
        try connection.rows(
            """
            SELECT id, setup_id, entity_type, entity_id, from_state, to_state, at, actor, reason
            FROM transitions WHERE setup_id = ? ORDER BY id
            """, [.text(setupID)]
        ) { row in
            TransitionRecord(
                id: row.int(0), setupID: row.string(1), entityType: row.string(2), entityID: row.string(3),
                fromState: row.optionalString(4), toState: row.string(5), at: row.string(6),
                actor: row.string(7), reason: row.optionalString(8))
        }
    }
}
