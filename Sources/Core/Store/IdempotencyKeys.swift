/// The `Idempotency-Key` table: the first answer to a key, replayed for the same request while the
/// key is younger than its time to live; after that the key is free again and its row is deleted
/// by `IdempotencyJanitor`.
public enum IdempotencyKeys {
    /// A stored first answer.
    public struct Answer: Sendable {
        public let requestHash: String
        public let status: Int
        public let body: String
    }

    /// The live answer for a key: one recorded at or after `notBefore` (an ISO timestamp).
    public static func answer(_ db: Connection, _ key: IdempotencyKey, notBefore: String) throws -> Answer? {
        try db.firstRow(
            "SELECT request_hash, status_code, response FROM idempotency_keys WHERE scope = ? AND key = ? AND created_at >= ?",
            [.text(key.scope), .text(key.key), .text(notBefore)]
        ) { Answer(requestHash: $0.string(0), status: $0.int(1), body: $0.string(2)) }
    }

    /// Records the first answer; an expired row for the same key that the janitor has not reached
    /// yet is replaced.
    public static func record(_ db: Connection, _ key: IdempotencyKey, status: Int, body: String, setupID: String, now: String) throws {
        try db.run(
            """
            INSERT OR REPLACE INTO idempotency_keys (scope, key, request_hash, status_code, response, setup_id, created_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(key.scope), .text(key.key), .text(key.requestHash), .int(status), .text(body), .text(setupID), .text(now)])
    }

    /// Deletes at most `limit` of the oldest keys recorded before `cutoff`; returns how many.
    public static func deleteExpired(_ db: Connection, before cutoff: String, limit: Int) throws -> Int {
        try db.run(
            """
            DELETE FROM idempotency_keys WHERE rowid IN (
                SELECT rowid FROM idempotency_keys WHERE created_at < ? ORDER BY created_at LIMIT ?)
            """, [.text(cutoff), .int(limit)])
        return db.changes
    }
}
