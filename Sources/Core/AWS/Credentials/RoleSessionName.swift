/// The `RoleSessionName` of an assumed customer role: the actor who asked for the work, so the
/// customer's CloudTrail shows a person or a token, not just "privatelinkd". botocore's STS model:
/// 2 to 64 characters of `[\w+=,.@-]`.
public enum RoleSessionName {
    /// Calls no one asked for directly (the poller's describes, the reconciler).
    public static let service = "privatelinkd"

    /// `user:alice@example.com` → `plk-alice@example.com`, `token:team-a-ci` → `plk-token-team-a-ci`,
    /// `api` → `plk-api`; other characters become `-` and the result is cut to 64.
    public static func forActor(_ actor: String?) -> String {
        guard let actor, !actor.isEmpty else { return service }
        let readable = actor.hasPrefix("user:") ? String(actor.dropFirst(5)) : actor.replacingOccurrences(of: ":", with: "-")
        let allowed = Set("+=,.@-_".utf8)
        let bytes = ("plk-" + readable).utf8.map { b -> UInt8 in
            (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || allowed.contains(b) ? b : UInt8(ascii: "-")
        }
        return String(decoding: bytes.prefix(64), as: UTF8.self)
    }
}
