import Core
import HTTPTypes

/// `PATCH /v1/setups/{id}`: an in-place change (JSON merge patch of services, extra_services,
/// subnet_ids, security_group_ids, agent_version). `If-Match` with the setup's ETag is required
/// (428 without, 412 when it changed); the changed request passes the same validation as a new one;
/// `dry_run` answers the difference plan and stores nothing. The work is an `update` job: new
/// endpoints created, kept ones modified in place (never replaced), removed ones deleted.
struct SetupChangesAPI: Sendable {
    let catalog: Catalog
    let store: SetupStore
    let costs: CostAPI
    let workQueued: @Sendable () -> Void

    func register(_ router: inout Router) {
        router.add(.patch, "/v1/setups/{id}", runs: .worker, needs: .role(.operator), patch)
    }

    @Sendable func patch(_ context: RequestContext) throws -> Response {
        let id = try context.parameter("id")
        try context.requireVisibleSetup(id, in: store)
        var problems = context.request.unknownQueryParameters(known: ["dry_run"])
        let dryRunQuery = context.request.queryValue("dry_run")
        if let dryRunQuery, !["true", "false"].contains(dryRunQuery) {
            problems.append(.init(field: "dry_run", code: "invalid_value", message: "dry_run must be true or false"))
        }
        guard problems.isEmpty else { throw APIError.validation(problems, status: 400) }
        let patch = try BodyReader.json(context.request)
        let dryRun = dryRunQuery == "true" || patch["dry_run"]?.boolValue == true

        guard let detail = try store.get(id) else { throw APIError.notFound("setup \(id)") }
        let setup = detail.setup
        let stored = try store.storedRequest(id)
        let merged: JSON
        switch SetupChange.merge(stored: stored, patch: patch) {
        case let .success(json): merged = json
        case let .failure(failure): throw APIError.validation(failure.problems)
        }
        let request: SetupRequest
        switch SetupValidator(catalog: catalog).validate(merged) {
        case let .success(valid): request = valid
        case let .failure(failure): throw APIError.validation(failure.problems)
        }
        guard let site = catalog.site(request.site) else { throw APIError.internalError() }
        let plan = Plan(request: request, site: site)
        var change = SetupChange(
            current: detail.endpoints.map { ($0.services[0], $0.serviceName) }, subnetIDs: setup.subnetIDs, securityGroupIDs: setup.securityGroupIDs,
            peer: PeerRequest(stored: stored["peer"]), changed: request, plan: plan)
        // The If-Match revision below guarantees these jobs are still the setup's when it is stored.
        if setup.status == .failed { change.completeProvisioning(plan: plan, jobs: detail.jobs) }
        var changeJSON = change.json
        if case var .object(fields) = changeJSON {
            fields.append(("cost", try costs.estimate(request, plan: plan)))
            changeJSON = .object(fields)
        }
        if dryRun {
            return .json(200, .object([("dry_run", true), ("request", request.json), ("change", changeJSON)]))
        }
        // The revision the caller read: required for a change that is kept, not for a preview, and
        // checked after the request itself (RFC 9110: a request that would fail anyway is not a 412).
        guard let ifMatch = context.request.header(.ifMatch) else {
            throw APIError(
                status: 428, code: "precondition_required",
                message: "PATCH needs If-Match with the setup's ETag (from GET /v1/setups/\(id)), so a change never overwrites one you have not seen")
        }
        guard let revision = Self.revision(ifMatch, id: id) else {
            throw Self.changed(id, because: "If-Match \(Echo.text(ifMatch, limit: 60)) is not an ETag of this setup")
        }
        let updated: SetupDetail
        do {
            updated = try store.requestUpdate(id, revision: revision, request: request, change: change, actor: context.actor)
        } catch let failure as PreconditionFailed {
            throw Self.changed(id, because: "the setup changed since (its ETag is now \"\(id).\(failure.currentRevision)\")")
        }
        if change.touchesAWS { workQueued() }
        var body = Representation.setup(updated)
        if case var .object(fields) = body {
            fields.append(("change", changeJSON))
            body = .object(fields)
        }
        var response = Response.json(change.touchesAWS ? 202 : 200, body)
        response.headerFields[.eTag] = "\"\(id).\(updated.setup.revision)\""
        return response
    }

    /// `"su_….7"` → 7 when the tag is this setup's. `*` is refused: a change must name the
    /// revision it was made against.
    static func revision(_ ifMatch: String, id: String) -> Int? {
        let tag = ifMatch.trimmingASCIISpaces
        guard tag.hasPrefix("\"\(id)."), tag.hasSuffix("\""), tag.count > id.count + 3 else { return nil }
        return ASCIIDecimal.parse(String(tag.dropFirst(id.count + 2).dropLast()), maxDigits: 12)
    }

    static func changed(_ id: String, because reason: String) -> APIError {
        APIError(status: 412, code: "precondition_failed", message: "\(reason); GET /v1/setups/\(id) and apply your change to what it shows")
    }
}
