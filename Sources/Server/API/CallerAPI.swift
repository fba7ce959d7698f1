import Core

/// `GET /v1/me` and `GET /v1/setup-counts`: what a dashboard shows before any setup, for whoever
/// calls. `me` says who the server takes the caller for (actor, role, team), so a client shows
/// only the actions that role may take; the counts are the caller's team's setups by status.
struct CallerAPI: Sendable {
    let store: SetupStore
    let authMode: AuthSettings.Mode

    func register(_ router: inout Router) {
        router.add(.get, "/v1/me", runs: .inline, needs: .role(.reader)) { context in
            let identity = context.identity
            return .json(
                200,
                .object([
                    ("actor", .string(identity.actor)), ("role", .string(identity.role.rawValue)), ("team", .optional(identity.team)),
                    ("auth", .string(authMode.rawValue)),
                ]))
        }
        router.add(.get, "/v1/setup-counts", runs: .inline, needs: .role(.reader)) { context in
            let counts = try store.statusCounts(team: context.identity.team)
            return .json(
                200,
                .object([
                    ("counts", .object(counts.map { ($0.0.rawValue, JSON.int($0.1)) })), ("total", .int(counts.reduce(0) { $0 + $1.1 })),
                ]))
        }
    }
}
