import Core
import HTTPTypes
import Foundation

/// `POST /v1/setups`, `GET /v1/setups`, `GET /v1/setups/{id}`, `GET /v1/setups/{id}/events`.
struct SetupsAPI: Sendable {
    let catalog: Catalog
    let store: SetupStore
    let costs: CostAPI
    let cache = RenderedSetupCache()
    /// Wakes the provisioning workers when work was queued.
    let workQueued: @Sendable () -> Void

    static let defaultPageSize = 50
    static let maxPageSize = 200
    /// Keys are the caller's own: the same key from two callers is two keys (without
    /// authentication, everyone is one caller).
    static func idempotencyScope(for identity: Identity) -> String {
        identity == .unauthenticated ? "POST /v1/setups" : "POST /v1/setups by \(identity.actor)"
    }

    func register(_ router: inout Router) {
        router.add(.post, "/v1/setups", runs: .worker, needs: .role(.operator), create)
        router.add(.get, "/v1/setups", runs: .inline, needs: .role(.reader), list)
        router.add(.get, "/v1/setups/{id}", runs: .inline, needs: .role(.reader), show)
        router.add(.get, "/v1/setups/{id}/events", runs: .inline, needs: .role(.reader), events)
        router.add(.delete, "/v1/setups/{id}", runs: .worker, needs: .role(.admin), delete)
        router.add(.post, "/v1/setups/{id}/retry", runs: .worker, needs: .role(.operator), retry)
        router.add(.post, "/v1/setups/{id}/reconcile", runs: .worker, needs: .role(.operator), reconcile)
        router.add(.get, "/v1/setups/{id}/agent-config", runs: .inline, needs: .role(.reader), agentConfig)
    }

    /// What to put on the Agents: `?format=json` (default), `yaml` (a datadog.yaml fragment) or
    /// `env` (container environment variables).
    @Sendable func agentConfig(_ context: RequestContext) throws -> Response {
        let id = try context.parameter("id")
        try context.requireVisibleSetup(id, in: store)
        guard let detail = try store.get(id) else { throw APIError.notFound("setup \(id)") }
        guard let site = catalog.site(detail.setup.site) else { throw APIError.internalError() }
        let zones = try store.database.read { try ZoneRows.zones($0, setupID: id) }
        let configuration = AgentConfiguration(setup: detail.setup, site: site, zones: zones, spokes: try store.spokes(of: id))
        switch context.request.queryValue("format") ?? "json" {
        case "json": return .json(200, configuration.json)
        case "yaml": return Response(status: .ok, headerFields: [.contentType: "application/yaml; charset=utf-8"], body: Array(configuration.yaml.utf8))
        case "env": return Response(status: .ok, headerFields: [.contentType: "text/plain; charset=utf-8"], body: Array(configuration.environmentFile.utf8))
        case let other:
            throw APIError.validation(
                [ValidationProblem(field: "format", code: "invalid_value", message: "format must be json, yaml or env, got \(Echo.text(other))")], status: 400)
        }
    }

    /// Repairs a degraded setup: recreates exactly the endpoints that drifted away.
    @Sendable func reconcile(_ context: RequestContext) throws -> Response {
        let id = try context.parameter("id")
        try context.requireVisibleSetup(id, in: store)
        let detail = try store.requestRepair(id, actor: context.actor)
        workQueued()
        return .json(202, Representation.setup(detail), headerFields: [.location: "/v1/setups/\(id)"])
    }

    /// Cancels running work and tears the setup down. Endpoints another live setup uses stay;
    /// `?delete_adopted=true` also deletes endpoints that existed before privatelinkd once no other
    /// setup uses them.
    @Sendable func delete(_ context: RequestContext) throws -> Response {
        let id = try context.parameter("id")
        let deleteAdopted = ["true", "1", "yes"].contains(context.request.queryValue("delete_adopted")?.lowercased() ?? "")
        try context.requireVisibleSetup(id, in: store)
        let detail = try store.requestTeardown(id, deleteAdopted: deleteAdopted, actor: context.actor)
        workQueued()
        return .json(202, Representation.setup(detail), headerFields: [.location: "/v1/setups/\(id)"])
    }

    /// Runs a failed setup again from its failed step.
    @Sendable func retry(_ context: RequestContext) throws -> Response {
        let id = try context.parameter("id")
        try context.requireVisibleSetup(id, in: store)
        let detail = try store.requestRetry(id, actor: context.actor)
        workQueued()
        return .json(202, Representation.setup(detail), headerFields: [.location: "/v1/setups/\(id)"])
    }

    @Sendable func create(_ context: RequestContext) throws -> Response {
        let body = try BodyReader.json(context.request)
        let validator = SetupValidator(catalog: catalog)
        let request: SetupRequest
        switch validator.validate(body) {
        case let .success(valid): request = valid
        case let .failure(failure):
            if failure.siteNotSupported {
                var error = APIError(
                    status: 422, code: "site_not_supported", message: catalog.unsupportedMessage,
                    details: failure.problems.map(\.json))
                error.extra = [("supported_sites", .strings(failure.supportedSites))]
                throw error
            }
            throw APIError.validation(failure.problems)
        }
        guard let site = catalog.site(request.site) else { throw APIError.internalError() }
        let plan = Plan(request: request, site: site)

        if request.dryRun {
            return .json(
                200,
                .object([
                    ("dry_run", true), ("request", request.json), ("plan", try costs.planJSON(request, plan)),
                ]))
        }

        let idempotency = try Self.idempotencyKey(context, scope: Self.idempotencyScope(for: context.identity), request: request.json)

        let planJSON = try costs.planJSON(request, plan)
        let outcome = try store.create(
            request: request, plan: plan, idempotency: idempotency, actor: context.actor, team: context.identity.team
        ) { detail in
            (202, Response.json(.accepted, Representation.setup(detail, plan: planJSON)).body)
        }
        if case .created = outcome { workQueued() }
        return Self.answer(outcome, id: \.setup.id) { "/v1/setups/\($0)" }
    }

    /// A create's answer: the stored status and body with `Location`, or a replay of the first
    /// answer (`Idempotency-Replayed: true`, `Location` from the stored body's `id`).
    static func answer<Value>(_ outcome: StoredOutcome<Value>, id: (Value) -> String, location: (String) -> String) -> Response {
        switch outcome {
        case let .created(value, status, body):
            return Response(
                status: HTTPResponse.Status(code: status), headerFields: [.contentType: Response.jsonContentType, .location: location(id(value))],
                body: body)
        case let .replayed(status, body):
            var fields: HTTPFields = [.contentType: Response.jsonContentType, .idempotencyReplayed: "true"]
            if let stored = (try? JSON.parse(body))?["id"]?.stringValue { fields[.location] = location(stored) }
            return Response(status: HTTPResponse.Status(code: status), headerFields: fields, body: body)
        }
    }

    /// The request's `Idempotency-Key` (1 to 255 visible ASCII characters), or nil without one.
    static func idempotencyKey(_ context: RequestContext, scope: String, request: JSON) throws -> IdempotencyKey? {
        guard let key = context.request.header(.idempotencyKey) else { return nil }
        guard (1...255).contains(key.utf8.count), key.unicodeScalars.allSatisfy({ $0.value >= 0x21 && $0.value < 0x7F }) else {
            throw APIError.validation(
                [ValidationProblem(field: "Idempotency-Key", code: "invalid_format", message: "Idempotency-Key must be 1 to 255 visible ASCII characters")],
                status: 400)
        }
        return IdempotencyKey(scope: scope, key: key, request: request)
    }

    @Sendable func list(_ context: RequestContext) throws -> Response {
        var filter = SetupFilter()
        let request = context.request
        var problems = request.unknownQueryParameters(known: ["status", "site", "vpc_id", "region", "limit", "cursor"])
        if let status = request.queryValue("status") {
            filter.status = SetupStatus(rawValue: status)
            if filter.status == nil {
                problems.append(
                    .init(
                        field: "status", code: "invalid_value",
                        message: "status must be one of \(SetupStatus.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        filter.site = request.queryValue("site")
        filter.vpcID = request.queryValue("vpc_id")
        filter.region = request.queryValue("region")
        if let vpcID = filter.vpcID, !AWSIdentifiers.isResourceID(vpcID, prefix: "vpc") {
            problems.append(.init(field: "vpc_id", code: "invalid_format", message: "vpc_id must look like vpc-0123456789abcdef0"))
        }
        if let region = filter.region, !AWSRegions.isKnown(region) {
            problems.append(.init(field: "region", code: "unknown_region", message: "region must be an AWS region name such as us-east-1"))
        }
        if let site = filter.site, catalog.site(site) == nil {
            problems.append(.init(field: "site", code: "unknown_site", message: "site must be a Datadog site id such as us1"))
        }
        var limit = Self.defaultPageSize
        if let text = request.queryValue("limit") {
            if let n = ASCIIDecimal.parse(text, maxDigits: 3), (1...Self.maxPageSize).contains(n) {
                limit = n
            } else {
                problems.append(.init(field: "limit", code: "invalid_value", message: "limit must be a whole number from 1 to \(Self.maxPageSize)"))
            }
        }
        var after: String?
        if let cursor = request.queryValue("cursor") {
            after = Cursor.decode(cursor)
            if after == nil { problems.append(.init(field: "cursor", code: "invalid_value", message: "cursor is not one this server gave out")) }
        }
        guard problems.isEmpty else { throw APIError.validation(problems, status: 400) }
        filter.team = context.identity.team
        let page = try store.list(filter: filter, limit: limit, after: after)
        return .json(
            200,
            .object([
                ("setups", .array(page.setups.map { .object(Representation.setupSummary($0)) })),
                ("next_cursor", .optional(page.nextCursor.map(Cursor.encode))),
            ]))
    }

    /// The setup with its endpoints and jobs. `ETag` is its revision: `If-None-Match` answers 304,
    /// and an unchanged setup is answered from the rendered-body cache after one indexed lookup.
    @Sendable func show(_ context: RequestContext) throws -> Response { try show(context, allowWait: true) }

    /// `?wait=30s` with a matching `If-None-Match`: hold the 304 until the setup changes (then its
    /// new state) or the wait ends; at most 60 s.
    static func wait(_ request: Request) throws -> Double? {
        guard let text = request.queryValue("wait") else { return nil }
        guard let seconds = DurationText.seconds(text), seconds > 0, seconds <= 60 else {
            throw APIError.validation(
                [ValidationProblem(field: "wait", code: "invalid_value", message: "wait must be a duration up to 60s, e.g. 30s")], status: 400)
        }
        return seconds
    }

    func show(_ context: RequestContext, allowWait: Bool) throws -> Response {
        let id = try context.parameter("id")
        guard let (revision, team) = try store.revisionAndTeam(id), context.identity.sees(team: team) else {
            throw APIError.notFound("setup \(id)")
        }
        let etag = "\"\(id).\(revision)\""
        let wait = try Self.wait(context.request)
        if context.request.header(.ifNoneMatch)?.split(separator: ",").contains(where: {
            $0.trimmingASCIISpaces == etag || $0.trimmingASCIISpaces == "*"
        }) == true {
            var unchanged = Response(status: .notModified, headerFields: [.eTag: etag])
            if allowWait, let wait {
                // A long poll: asked again at every event-loop sweep, answered once the setup changes.
                unchanged.pending = SetupChangeWait(deadline: monotonicSeconds() + wait, unchanged: unchanged) { [self] in
                    guard try store.revisionAndTeam(id)?.revision != revision else { return nil }
                    return try show(context, allowWait: false)
                }
            }
            return unchanged
        }
        if let body = cache.body(for: id, revision: revision) {
            return Response(status: .ok, headerFields: [.contentType: Response.jsonContentType, .eTag: etag], body: body)
        }
        guard let detail = try store.get(id) else { throw APIError.notFound("setup \(id)") }
        let body = Response.json(200, Representation.setup(detail)).body
        cache.store(body, for: id, revision: detail.setup.revision)
        // The revision read with the detail may be newer than the one checked above.
        return Response(
            status: .ok, headerFields: [.contentType: Response.jsonContentType, .eTag: "\"\(id).\(detail.setup.revision)\""],
            body: body)
    }

    @Sendable func events(_ context: RequestContext) throws -> Response {
        let id = try context.parameter("id")
        try context.requireVisibleSetup(id, in: store)
        guard let events = try store.events(id) else { throw APIError.notFound("setup \(id)") }
        return .json(200, .object([("setup_id", .string(id)), ("events", .array(events.map(Representation.transition)))]))
    }
}

/// Opaque page cursors: base64url of `v1:<last id>`, so the format can change without breaking clients.
enum Cursor {
    static func encode(_ id: String) -> String {
        Data("v1:\(id)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func decode(_ cursor: String) -> String? {
        var text = cursor.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        // Cursors this server gave out hold printable ASCII only (ids and timestamps).
        guard cursor.utf8.count <= 256, let data = Data(base64Encoded: text), data.allSatisfy({ (0x21...0x7E).contains($0) }),
            let decoded = String(data: data, encoding: .utf8), decoded.hasPrefix("v1:"), decoded.count > 3
        else { return nil }
        return String(decoded.dropFirst(3))
    }
}

/// Reads request bodies as JSON whatever their `Content-Type`: `curl -d '{...}'` sends JSON labelled
/// as a form, and users expect it to work.
enum BodyReader {
    static func json(_ request: Request) throws -> JSON {
        guard !request.body.isEmpty else { throw APIError.invalidJSON("the body is empty; send a JSON object") }
        do { return try JSON.parse(request.body) } catch let error as JSONParseError {
            throw APIError.invalidJSON(Echo.text(error.message, limit: 120))
        }
    }
}
