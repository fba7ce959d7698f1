import Core

extension RequestContext {
    /// Who is calling. Every protected route has one (`AuthenticationMiddleware`); should a handler
    /// run without, it is a reader of no team, which sees nothing.
    var identity: Identity { request.identity ?? Identity(actor: "anonymous", role: .reader, team: "") }

    /// The actor recorded on what this request changes, with its request id.
    var actor: Actor { Actor(identity.actor, requestID: request.requestID.isEmpty ? nil : request.requestID) }

    /// Throws `404 not_found` unless the setup exists and belongs to the caller's team: another
    /// team's setup is answered exactly as a missing one, so its existence does not leak.
    func requireVisibleSetup(_ id: String, in store: SetupStore) throws {
        guard let owner = try store.owner(of: id), identity.sees(team: owner.team) else { throw APIError.notFound("setup \(id)") }
    }
}
