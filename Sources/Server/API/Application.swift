import Core
import HTTPTypes
import Logging

/// The privatelinkd HTTP API: the middleware chain (request id, access log, CORS, browser rules,
/// authentication) around the routes, each route's role check, and the one place where thrown
/// errors become responses.
public struct Application: HTTPResponder {
    public let catalog: Catalog
    public let store: SetupStore
    let router: Router
    let cors: CORSPolicy
    let chain: MiddlewareChain
    let logger: Logger
    /// Requests refused by authentication or for want of a role.
    public let denied: DeniedRequests
    /// What `/metrics` exposes.
    public let metrics: ServiceMetrics
    /// The API tokens requests are checked against.
    public let tokens: TokenStore

    /// `loopbackListener` and `allowedHosts` set the DNS-rebinding rule (see `BrowserRequestGuard`).
    public init(
        catalog: Catalog, store: SetupStore, corsOrigins: [String] = [], loopbackListener: Bool = true,
        allowedHosts: [String] = [], auth: AuthSettings = AuthSettings(mode: .none), tokens: TokenStore? = nil,
        metrics: ServiceMetrics = ServiceMetrics(), maxStreams: Int = 1024, logger: Logger,
        workQueued: @escaping @Sendable () -> Void = {}
    ) {
        self.catalog = catalog
        self.store = store
        self.cors = CORSPolicy(allowedOrigins: corsOrigins)
        self.tokens = tokens ?? TokenStore(database: store.database)
        self.metrics = metrics
        self.denied = DeniedRequests(metrics: metrics)
        self.logger = logger
        var router = Router()
        HealthAPI(database: store.database).register(&router)
        SitesAPI(catalog: catalog).register(&router)
        let costs = CostAPI(catalog: catalog, store: store, prices: PriceBook(database: store.database))
        costs.register(&router)
        SetupsAPI(catalog: catalog, store: store, costs: costs, workQueued: workQueued).register(&router)
        SetupChangesAPI(catalog: catalog, store: store, costs: costs, workQueued: workQueued).register(&router)
        SpokesAPI(catalog: catalog, store: store, costs: costs, workQueued: workQueued).register(&router)
        VerificationsAPI(store: store, workQueued: workQueued).register(&router)
        let slots = StreamSlots(capacity: maxStreams)
        EventsAPI(store: store, feed: TransitionFeed(store: store), slots: slots).register(&router)
        MetricsAPI(store: store, metrics: metrics, openStreams: { slots.count }).register(&router)
        OpenAPIDocument.register(&router, logger: logger)
        CallerAPI(store: store, authMode: auth.mode).register(&router)
        DashboardAssets.bundled(logger: logger).register(&router)
        self.router = router
        chain = MiddlewareChain(middleware: [
            RequestIDMiddleware(),
            MetricsMiddleware(metrics: metrics, router: router),
            AccessLogMiddleware(logger: logger),
            CORSMiddleware(policy: cors),
            BrowserGuardMiddleware(guardRules: BrowserRequestGuard(loopbackListener: loopbackListener, allowedHosts: allowedHosts, cors: cors)),
            AuthenticationMiddleware(
                authenticator: Authenticator(settings: auth, tokens: self.tokens), router: router, denied: denied,
                logger: logger),
        ])
    }

    public func respond(to request: Request) -> Response {
        var request = request
        prepare(&request)
        return chain.respond(to: request, endpoint: route)
    }

    /// Resolves the route once: the event loop, the middleware and `route` all read it.
    public func prepare(_ request: inout Request) {
        if request.resolvedRoute == nil { request.resolvedRoute = router.resolve(method: request.method, path: request.path) }
    }

    /// Each route says whether it runs on the event loop (reads that never wait) or on a worker;
    /// what matches no route (404, 405, preflights) is answered on the loop.
    public func answersInline(_ request: Request) -> Bool {
        (router.route(router.resolution(of: request))?.execution ?? .inline) == .inline
    }

    private func route(_ request: Request) -> Response {
        let path = request.path
        if request.method == .options {
            let allowed = router.methods(path)
            guard !allowed.isEmpty else { return APIError.notFound("path \(path)").response }
            return cors.preflight(request, allowedMethods: allowed)
        }
        switch router.resolution(of: request) {
        case .notFound:
            return APIError.notFound("path \(path)").response
        case let .methodNotAllowed(allowed):
            return APIError(
                status: 405, code: "method_not_allowed",
                message:
                    "\(Echo.text(request.method.rawValue, limit: 32)) is not allowed on \(Echo.text(path, limit: 120)); use \(allowed.map(\.rawValue).joined(separator: ", "))",
                headerFields: [.allow: allowed.map(\.rawValue).joined(separator: ", ")]
            ).response
        case let .route(index, parameters):
            let route = router.routes[index]
            if case let .role(needed) = route.access {
                let identity = request.identity ?? Identity(actor: "anonymous", role: .reader, team: "")
                guard identity.role >= needed else {
                    denied.count("forbidden")
                    return APIError(
                        status: 403, code: "forbidden",
                        message:
                            "\(request.method.rawValue) \(Echo.text(path, limit: 120)) needs the \(needed.rawValue) role; \(Echo.text(identity.actor)) has \(identity.role.rawValue)"
                    ).response
                }
            }
            do {
                return try route.handler(RequestContext(request: request, parameters: parameters))
            } catch let error as HTTPResponseError {
                return error.response
            } catch {
                logger.error(
                    "internal error",
                    metadata: [
                        "method": "\(request.method)", "path": "\(Echo.text(path, limit: 200))",
                        "request_id": "\(request.requestID)", "error": "\(error)",
                    ])
                return APIError.internalError().response
            }
        }
    }
}
