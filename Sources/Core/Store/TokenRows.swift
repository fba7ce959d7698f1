/// One API token as stored: never its secret, only the secret's SHA-256.
public struct TokenRecord: Sendable, Equatable {
    public let id: String
    public let name: String
    public let role: Role
    public let team: String?
    public let secretSHA256: String
    public let createdAt: String
    public let expiresAt: String?
    public let lastUsedAt: String?
    public let revokedAt: String?

    /// Usable at `now` (ISO text compares as time): not revoked, not expired.
    public func isExpired(at now: String) -> Bool { expiresAt.map { $0 <= now } ?? false }
}

/// The `api_tokens` and `token_events` tables. Each lifecycle step (created, revoked, an expired
/// token's use refused) is an append-only event row in the same transaction as the change.
public enum TokenRows {
    public enum Event: String, Sendable { case created, revoked, expiredUseRefused = "expired_use_refused" }

    /// A token name: 1 to 64 letters, digits and `-_.@`, so `token:<name>` reads unambiguously.
    public static func isValidName(_ name: String) -> Bool {
        (1...64).contains(name.utf8.count) && AWSIdentifiers.isASCIIWord(name, extra: "-_.@")
    }

    public static func insert(
        _ db: Connection, id: String, name: String, role: Role, team: String?, secretSHA256: String,
        expiresAt: String?, actor: String, now: String
    ) throws {
        if try byName(db, name) != nil { throw StateConflict(message: "a token named \(name) exists already; names are never reused") }
        try db.run(
            """
            INSERT INTO api_tokens (id, name, role, team, secret_sha256, created_at, expires_at)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [.text(id), .text(name), .text(role.rawValue), .optional(team), .text(secretSHA256), .text(now), .optional(expiresAt)])
        try recordEvent(db, tokenID: id, name: name, .created, actor: actor, detail: "role \(role.rawValue)" + (team.map { ", team \($0)" } ?? ""), now: now)
    }

    public static func byID(_ db: Connection, _ id: String) throws -> TokenRecord? {
        try db.firstRow("SELECT * FROM api_tokens WHERE id = ?", [.text(id)], decode)
    }

    public static func byName(_ db: Connection, _ name: String) throws -> TokenRecord? {
        try db.firstRow("SELECT * FROM api_tokens WHERE name = ?", [.text(name)], decode)
    }

    public static func all(_ db: Connection) throws -> [TokenRecord] {
        try db.rows("SELECT * FROM api_tokens ORDER BY created_at, name", [], decode)
    }

    /// Revokes a live token; a revoked one stays as it is (and says so).
    public static func revoke(_ db: Connection, name: String, actor: String, now: String) throws -> TokenRecord {
        guard let token = try byName(db, name) else { throw NotFound(kind: "token", id: name) }
        guard token.revokedAt == nil else { throw StateConflict(message: "token \(name) was revoked at \(token.revokedAt!)") }
        try db.run("UPDATE api_tokens SET revoked_at = ? WHERE id = ?", [.text(now), .text(token.id)])
        try recordEvent(db, tokenID: token.id, name: token.name, .revoked, actor: actor, detail: nil, now: now)
        return try byID(db, token.id)!
    }

    public static func touch(_ db: Connection, id: String, now: String) throws {
        try db.run("UPDATE api_tokens SET last_used_at = ? WHERE id = ?", [.text(now), .text(id)])
    }

    /// The first refused use of an expired token is an event; later ones are only counted.
    public static func recordExpiredUse(_ db: Connection, token: TokenRecord, now: String) throws {
        let seen = try db.firstRow(
            "SELECT 1 FROM token_events WHERE token_id = ? AND event = ?", [.text(token.id), .text(Event.expiredUseRefused.rawValue)], { $0.int(0) })
        if seen == nil {
            try recordEvent(
                db, tokenID: token.id, name: token.name, .expiredUseRefused, actor: "token:\(token.name)", detail: "expired at \(token.expiresAt ?? "")",
                now: now)
        }
    }

    public static func events(_ db: Connection, tokenID: String) throws -> [(event: String, actor: String, at: String)] {
        try db.rows("SELECT event, actor, at FROM token_events WHERE token_id = ? ORDER BY id", [.text(tokenID)]) {
            ($0.string("event"), $0.string("actor"), $0.string("at"))
        }
    }

    private static func recordEvent(_ db: Connection, tokenID: String, name: String, _ event: Event, actor: String, detail: String?, now: String) throws {
        try db.run(
            "INSERT INTO token_events (token_id, token_name, event, at, actor, detail) VALUES (?, ?, ?, ?, ?, ?)",
            [.text(tokenID), .text(name), .text(event.rawValue), .text(now), .text(actor), .optional(detail)])
    }

    private static func decode(_ row: Row) throws -> TokenRecord {
        TokenRecord(
            id: row.string("id"), name: row.string("name"), role: try StoredValueError.decode(Role.self, row.string("role")),
            team: row.optionalString("team"), secretSHA256: row.string("secret_sha256"), createdAt: row.string("created_at"),
            expiresAt: row.optionalString("expires_at"), lastUsedAt: row.optionalString("last_used_at"),
            revokedAt: row.optionalString("revoked_at"))
    }
}
