import Foundation
import Synchronization

/// API tokens: minted and revoked by `privatelinkd token …` (also beside a running server, through
/// WAL), checked on every request. Revocation and expiry hold from the next request on, since
/// each check reads the row; `last_used_at` is written at most once a minute per token, off the
/// request's thread.
public final class TokenStore: Sendable {
    public let database: Database
    public let clock: Clock
    /// Token rows by id as read at a `Database.ChangeMark`; any commit elsewhere (a revocation by
    /// `privatelinkd token revoke` included) changes the mark and empties the cache, so a request
    /// never acts on a row older than the last commit. One cache per version stripe: a
    /// `data_version` mark is only comparable with one from its own stripe's connection.
    private let caches = (0..<Database.versionStripes).map { _ in Locked<(version: Database.ChangeMark, byID: [String: CachedToken])>((.none, [:])) }

    /// A token row as read, its stored digest decoded, and the text that last matched it (compared
    /// in constant time before hashing again: a repeated token costs no SHA-256).
    private struct CachedToken {
        let record: TokenRecord
        let digest: [UInt8]
        var verifiedText: [UInt8]?
        let use: UseMark
    }
    private static let cachedRows = 1024
    /// When this process last wrote a token's `last_used_at` (seconds since 1970), one object per
    /// token shared by every cache stripe, so the per-request check is an atomic load.
    private final class UseMark: Sendable {
        let lastWritten = Atomic<Int>(Int.min)
    }
    private let useMarks = Locked<[String: UseMark]>([:])
    private let touchQueue = DispatchQueue(label: "privatelinkd.token-touch")
    public static let touchInterval: TimeInterval = 60

    public init(database: Database, clock: Clock = .system) {
        self.database = database
        self.clock = clock
    }

    /// The outcome of presenting a token.
    public enum Check: Sendable, Equatable {
        case valid(TokenRecord)
        /// Not a token's shape, no such id, or the secret does not match.
        case unknown
        case revoked(TokenRecord)
        case expired(TokenRecord)
    }

    /// Mints a token; the returned text is its only copy.
    public func create(name: String, role: Role, team: String?, expiresIn: TimeInterval?, actor: String) throws -> (TokenRecord, String) {
        guard TokenRows.isValidName(name) else {
            throw StateConflict(message: "a token name is 1 to 64 letters, digits and -_.@, got \(Echo.text(name))")
        }
        let (id, text) = APIToken.mint()
        let now = clock.now()
        let record = try database.write { db in
            try TokenRows.insert(
                db, id: id, name: name, role: role, team: team, secretSHA256: APIToken.digest(text),
                expiresAt: expiresIn.map { Timestamp.string(now.addingTimeInterval($0)) }, actor: actor, now: Timestamp.string(now))
            return try TokenRows.byID(db, id)!
        }
        return (record, text)
    }

    public func list() throws -> [TokenRecord] { try database.read { try TokenRows.all($0) } }

    public func revoke(name: String, actor: String) throws -> TokenRecord {
        try database.write { try TokenRows.revoke($0, name: name, actor: actor, now: Timestamp.string(clock.now())) }
    }

    /// Checks a presented token: lookup by id, then a constant-time comparison of the hashes.
    public func check(_ text: String) throws -> Check {
        guard let id = APIToken.lookupID(text) else { return .unknown }
        guard let (token, use) = try verifiedRow(id, text) else { return .unknown }
        let now = clock.now()
        if token.revokedAt != nil { return .revoked(token) }
        if token.expiresAt != nil, token.isExpired(at: Timestamp.string(now)) {
            touchQueue.async { [database] in
                _ = try? database.write { try TokenRows.recordExpiredUse($0, token: token, now: Timestamp.string(now)) }
            }
            return .expired(token)
        }
        noteUse(token.id, use, at: now)
        return .valid(token)
    }

    /// The token's row when `text` is its token: from the cache while nothing was committed since
    /// it was read.
    private func verifiedRow(_ id: String, _ text: String) throws -> (TokenRecord, UseMark)? {
        let stripe = Database.currentVersionStripe()
        let rows = caches[stripe]
        let version = try database.changeMark(stripe: stripe)
        let presented = Array(text.utf8)
        if let cached = rows.withLock({ $0.version == version ? $0.byID[id] : nil }) {
            if let known = cached.verifiedText, APIToken.constantTimeEqual(known, presented) { return (cached.record, cached.use) }
            guard APIToken.matches(text, digest: cached.digest) else { return nil }
            remember(
                CachedToken(record: cached.record, digest: cached.digest, verifiedText: presented, use: cached.use), id: id, version: version,
                in: rows)
            return (cached.record, cached.use)
        }
        guard let token = try database.read({ try TokenRows.byID($0, id) }), let digest = APIToken.digestBytes(hex: token.secretSHA256)
        else { return nil }
        let matched = APIToken.matches(text, digest: digest)
        let use = useMarks.withLock { marks in
            if let mark = marks[id] { return mark }
            let mark = UseMark()
            marks[id] = mark
            return mark
        }
        remember(CachedToken(record: token, digest: digest, verifiedText: matched ? presented : nil, use: use), id: id, version: version, in: rows)
        return matched ? (token, use) : nil
    }

    private func remember(
        _ token: CachedToken, id: String, version: Database.ChangeMark, in rows: Locked<(version: Database.ChangeMark, byID: [String: CachedToken])>
    ) {
        rows.withLock { rows in
            if rows.version != version || rows.byID.count >= Self.cachedRows { rows = (version, [:]) }
            rows.byID[id] = token
        }
    }

    /// Writes `last_used_at` when this process has not written it for a minute.
    private func noteUse(_ id: String, _ mark: UseMark, at now: Date) {
        let second = Int(now.timeIntervalSince1970)
        let last = mark.lastWritten.load(ordering: .relaxed)
        guard last == .min || second - last >= Int(Self.touchInterval) || second < last else { return }
        // One thread wins the minute; the others saw it due but lost the exchange.
        guard mark.lastWritten.compareExchange(expected: last, desired: second, ordering: .relaxed).exchanged else { return }
        touchQueue.async { [database] in
            _ = try? database.write { try TokenRows.touch($0, id: id, now: Timestamp.string(now)) }
        }
    }

    /// Waits for queued `last_used_at` writes (tests, shutdown).
    public func flush() { touchQueue.sync {} }
}
