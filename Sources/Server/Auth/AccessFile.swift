import Core
import Foundation

/// `--access-file`: who gets which role and team when an SSO proxy names the caller. JSON:
///
///     {"users":  {"alice@example.com": {"role": "admin"}},
///      "groups": {"payments-devs": {"role": "operator", "team": "payments"}}}
///
/// A person's own entry wins; otherwise the most privileged of their groups' entries (the first
/// listed in the groups header on a tie), with that entry's team. Anyone else has no access.
public struct AccessFile: Sendable, Equatable {
    public struct Grant: Sendable, Equatable {
        public let role: Role
        public let team: String?
    }

    public let users: [String: Grant]
    public let groups: [String: Grant]

    public init(users: [String: Grant] = [:], groups: [String: Grant] = [:]) {
        self.users = users
        self.groups = groups
    }

    /// Reads and checks the file; every problem is reported with where it is.
    public static func load(path: String) throws -> AccessFile {
        guard let data = FileManager.default.contents(atPath: path) else { throw AccessFileError(message: "cannot read \(path)") }
        let json: JSON
        do { json = try JSON.parse(data) } catch { throw AccessFileError(message: "\(path) is not JSON: \(error)") }
        return try parse(json, source: path)
    }

    public static func parse(_ json: JSON, source: String = "access file") throws -> AccessFile {
        guard case let .object(top) = json else { throw AccessFileError(message: "\(source): expected an object with users and groups") }
        var users: [String: Grant] = [:], groups: [String: Grant] = [:]
        for (key, value) in top {
            guard key == "users" || key == "groups" else { throw AccessFileError(message: "\(source): unknown key \(key); use users and groups") }
            guard case let .object(entries) = value else { throw AccessFileError(message: "\(source): \(key) must be an object") }
            for (name, entry) in entries {
                guard let roleText = entry["role"]?.stringValue, let role = Role(rawValue: roleText) else {
                    throw AccessFileError(message: "\(source): \(key).\(name) needs a role: reader, operator or admin")
                }
                let grant = Grant(role: role, team: entry["team"]?.stringValue)
                if key == "users" { users[name.lowercased()] = grant } else { groups[name] = grant }
            }
        }
        return AccessFile(users: users, groups: groups)
    }

    /// The grant for a person (compared case-insensitively) and their groups, or nil.
    public func grant(user: String, groups memberOf: [String]) -> Grant? {
        if let own = users[user.lowercased()] { return own }
        var best: Grant?
        for group in memberOf {
            if let grant = groups[group], grant.role > (best?.role ?? .reader) || best == nil { best = grant }
        }
        return best
    }
}

/// The access file cannot be used; the server does not start.
public struct AccessFileError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
