import Core
import Foundation
import HTTPTypes

/// A hub's spokes: `POST /v1/setups/{id}/spokes` (202 with the spoke's plan and cost; `dry_run`
/// answers the plan alone; `Idempotency-Key` honoured), `GET …/spokes`, `GET …/spokes/{spoke_id}`,
/// `DELETE …/spokes/{spoke_id}`, `POST …/spokes/{spoke_id}/retry` and `GET …/agent-config`.
struct SpokesAPI: Sendable {
    let catalog: Catalog
    let store: SetupStore
    let costs: CostAPI
    let workQueued: @Sendable () -> Void

    func register(_ router: inout Router) {
        router.add(.post, "/v1/setups/{id}/spokes", runs: .worker, needs: .role(.operator), create)
        router.add(.get, "/v1/setups/{id}/spokes", runs: .inline, needs: .role(.reader), list)
        router.add(.get, "/v1/setups/{id}/spokes/{spoke_id}", runs: .inline, needs: .role(.reader), show)
        router.add(.delete, "/v1/setups/{id}/spokes/{spoke_id}", runs: .worker, needs: .role(.admin), delete)
        router.add(.post, "/v1/setups/{id}/spokes/{spoke_id}/retry", runs: .worker, needs: .role(.operator), retry)
        router.add(.get, "/v1/setups/{id}/spokes/{spoke_id}/agent-config", runs: .inline, needs: .role(.reader), agentConfig)
        router.add(.post, "/v1/setups/{id}/spokes/{spoke_id}/verify", runs: .worker, needs: .role(.operator), verify)
    }

    @Sendable func create(_ context: RequestContext) throws -> Response {
        let id = try context.parameter("id")
        try context.requireVisibleSetup(id, in: store)
        let body = try BodyReader.json(context.request)
        guard let detail = try store.get(id) else { throw APIError.notFound("setup \(id)") }
        let request: SpokeRequest
        switch SpokeValidator(catalog: catalog).validate(body, hub: detail.setup) {
        case let .success(valid): request = valid
        case let .failure(failure): throw APIError.validation(failure.problems)
        }
        let zoneKeys = detail.endpoints.map { $0.services[0] }
        let plan = JSON.object([
            ("steps", .array(SpokePlan.add(request, hub: detail.setup, zoneKeys: zoneKeys).map(\.json))),
            ("cost", try cost(hub: detail, adding: request)),
        ])
        if request.dryRun { return .json(200, .object([("dry_run", true), ("request", request.json), ("plan", plan)])) }
        let idempotency = try SetupsAPI.idempotencyKey(context, scope: "POST /v1/setups/\(id)/spokes by \(context.actor.name)", request: request.json)
        let outcome = try store.requestSpoke(hubID: id, request: request, zoneKeys: zoneKeys, idempotency: idempotency, actor: context.actor) { spoke in
            var json = Self.representation(spoke, jobs: [])
            if case var .object(fields) = json {
                fields.append(("plan", plan))
                json = .object(fields)
            }
            return (202, Response.json(.accepted, json).body)
        }
        if case .created = outcome { workQueued() }
        return SetupsAPI.answer(outcome, id: \.id) { "/v1/setups/\(id)/spokes/\($0)" }
    }

    @Sendable func list(_ context: RequestContext) throws -> Response {
        let id = try context.parameter("id")
        try context.requireVisibleSetup(id, in: store)
        let spokes = try store.spokes(of: id)
        return .json(200, .object([("setup_id", .string(id)), ("spokes", .array(spokes.map { Self.representation($0, jobs: nil) }))]))
    }

    @Sendable func show(_ context: RequestContext) throws -> Response {
        let (_, spoke) = try visibleSpoke(context)
        let jobs = try store.database.read { try SpokeRows.jobs($0, spokeID: spoke.id) }
        return .json(200, Self.representation(spoke, jobs: jobs))
    }

    @Sendable func delete(_ context: RequestContext) throws -> Response {
        let (id, spoke) = try visibleSpoke(context)
        let removed = try store.requestSpokeRemoval(spoke.id, actor: context.actor)
        workQueued()
        return .json(202, Self.representation(removed, jobs: nil), headerFields: [.location: "/v1/setups/\(id)/spokes/\(spoke.id)"])
    }

    @Sendable func retry(_ context: RequestContext) throws -> Response {
        let (id, spoke) = try visibleSpoke(context)
        let retried = try store.requestSpokeRetry(spoke.id, actor: context.actor)
        workQueued()
        return .json(202, Self.representation(retried, jobs: nil), headerFields: [.location: "/v1/setups/\(id)/spokes/\(spoke.id)"])
    }

    /// The same checks and diagnosis as a setup's, asked for the spoke (its run names it).
    @Sendable func verify(_ context: RequestContext) throws -> Response {
        let (id, spoke) = try visibleSpoke(context)
        let record = try store.requestVerification(id, actor: context.actor, spokeID: spoke.id)
        workQueued()
        return .json(202, Representation.verification(record), headerFields: [.location: "/v1/setups/\(id)/verifications/\(record.id)"])
    }

    /// The hub's site and intake names, for Agents in the spoke's VPC.
    @Sendable func agentConfig(_ context: RequestContext) throws -> Response {
        let (id, spoke) = try visibleSpoke(context)
        guard let detail = try store.get(id), let site = catalog.site(detail.setup.site) else { throw APIError.notFound("setup \(id)") }
        let zones = try store.database.read { try ZoneRows.zones($0, setupID: id) }
        var json = AgentConfiguration(setup: detail.setup, site: site, zones: zones, spokes: try store.spokes(of: id)).json
        if case var .object(fields) = json {
            fields.insert(
                contentsOf: [("spoke_id", .string(spoke.id)), ("vpc_id", .string(spoke.request.vpc.vpcID)), ("region", .string(spoke.request.vpc.region))],
                at: 0)
            json = .object(fields)
        }
        return .json(200, json)
    }

    /// The setup (visible to the caller) and its spoke; another setup's spoke is a 404.
    func visibleSpoke(_ context: RequestContext) throws -> (String, SpokeRecord) {
        let id = try context.parameter("id")
        let spokeID = try context.parameter("spoke_id")
        try context.requireVisibleSetup(id, in: store)
        guard let spoke = try store.spoke(spokeID), spoke.setupID == id else { throw APIError.notFound("spoke \(spokeID)") }
        return (id, spoke)
    }

    /// The hub's cost with this spoke added (its region beside the others, its attachment named).
    func cost(hub: SetupDetail, adding request: SpokeRequest) throws -> JSON {
        let live = try store.spokes(of: hub.setup.id).filter { $0.status != .deleted }.map(\.request) + [request]
        let shape = CostEstimate.Shape(
            region: hub.setup.region, endpoints: hub.endpoints.count, availabilityZones: hub.setup.subnetIDs.count, hostedZones: hub.endpoints.count,
            spokeRegions: live.map(\.vpc.region),
            transitGatewayAttachments: live.compactMap { $0.transport == .transitGateway ? "\($0.transitGatewayID ?? "") (\($0.vpc.vpcID))" : nil })
        return try costs.prices.estimate(shape)
    }

    static func representation(_ spoke: SpokeRecord, jobs: [JobRecord]?) -> JSON {
        var fields: [(String, JSON)] = [
            ("id", .string(spoke.id)), ("setup_id", .string(spoke.setupID)), ("status", .string(spoke.status.rawValue)),
            ("vpc_id", .string(spoke.request.vpc.vpcID)), ("region", .string(spoke.request.vpc.region)),
            ("transport", .string(spoke.request.transport.rawValue)), ("setup_peer", .bool(spoke.setupPeer)), ("request", spoke.request.json),
            ("current_step", .optional(spoke.currentStep)),
            ("error", spoke.errorCode.map { .object([("code", .string($0)), ("message", .optional(spoke.errorMessage))]) } ?? .null),
            (
                "created",
                .object([
                    ("peering_connection_id", .optional(spoke.peeringCreated ? spoke.peeringConnectionID : nil)),
                    ("routes", .strings(spoke.routesAdded)), ("associated_zones", .strings(spoke.associatedZones)),
                    ("authorized_zones", .strings(spoke.authorizedZones)),
                ])
            ),
            ("peering_connection_id", .optional(spoke.peeringConnectionID)),
            ("created_by", .optional(spoke.createdBy)), ("created_at", .string(spoke.createdAt)), ("updated_at", .string(spoke.updatedAt)),
        ]
        if let jobs { fields.append(("jobs", .array(jobs.map(Representation.job)))) }
        fields.append(
            ("links", .object([("self", .string("/v1/setups/\(spoke.setupID)/spokes/\(spoke.id)")), ("setup", .string("/v1/setups/\(spoke.setupID)"))])))
        return .object(fields)
    }
}
