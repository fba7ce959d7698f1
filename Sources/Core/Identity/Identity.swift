/// A caller the server has recognised: the actor its changes are recorded under, its role and its
/// team (nil: platform-wide, sees every team's setups).
public struct Identity: Sendable, Equatable {
    public let actor: String
    public let role: Role
    public let team: String?

    public init(actor: String, role: Role, team: String?) {
        self.actor = actor
        self.role = role
        self.team = team
    }

    /// The server runs without authentication (`--auth none`, loopback only): everyone is this.
    public static let unauthenticated = Identity(actor: "api", role: .admin, team: nil)

    /// Whether this caller may see a setup that belongs to `team`.
    public func sees(team setupTeam: String?) -> Bool { team == nil || team == setupTeam }
}
