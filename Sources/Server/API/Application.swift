import Core
import Logging

/// The privatelinkd HTTP API: routes, CORS and error mapping over the core services.
public struct Application: HTTPResponder {
    public let catalog: Catalog
    public let store: SetupStore
    let router: Router
    let cors: CORSPolicy
    let browserGuard: BrowserRequestGuard
    let logger: Logger

    /// `loopbackListener` and `allowedHosts` set the DNS-rebinding rule (see `BrowserRequestGuard`).
    public init(catalog: Catalog, store: SetupStore, corsOrigins: [String] = [], loopbackListener: Bool = true,
                allowedHosts: [String] = [], logger: Logger, workQueued: @escaping @Sendable () -> Void = {}) {
        self.catalog = catalog
        self.store = store
        self.cors = CORSPolicy(allowedOrigins: corsOrigins)
        self.browserGuard = BrowserRequestGuard(loopbackListener: loopbackListener, allowedHosts: allowedHosts, cors: cors)
        self.logger = logger
        var router = Router()
        HealthAPI(database: store.database).register(&router)
        SitesAPI(catalog: catalog).register(&router)
        SetupsAPI(catalog: catalog, store: store, workQueued: workQueued).register(&router)
        VerificationsAPI(store: store, workQueued: workQueued).register(&router)
        self.router = router
    }

    public func respond(to request: HTTPRequest) -> HTTPResponse {
        var response = browserGuard.refusal(for: request)?.response ?? route(request)
        response.headers.append(contentsOf: cors.headers(for: request))
        return response
    }

    /// Reads never wait in WAL mode (and the reader pool is larger than the thread count), so the
    /// event loop answers them itself; writes go to the worker pool.
    public func answersInline(_ request: HTTPRequest) -> Bool {
        request.method == "GET" || request.method == "HEAD" || request.method == "OPTIONS"
    }

    private func route(_ request: HTTPRequest) -> HTTPResponse {
        let path = request.path
        if request.method == "OPTIONS" {
            switch router.match(method: "GET", path: path) {
            case .notFound:
                if case let .methodNotAllowed(allowed) = router.match(method: "OPTIONS", path: path) {
                    return cors.preflight(request, allowedMethods: allowed)
                }
                return APIError.notFound("path \(path)").response
            case .found:
                // The path exists under GET; list every method it has.
                let allowed = allowedMethods(path)
                return cors.preflight(request, allowedMethods: allowed)
            case let .methodNotAllowed(allowed):
                return cors.preflight(request, allowedMethods: allowed)
            }
        }
        switch router.match(method: request.method, path: path) {
        case .notFound:
            return APIError.notFound("path \(path)").response
        case let .methodNotAllowed(allowed):
            return APIError(status: 405, code: "method_not_allowed",
                            message: "\(request.method) is not allowed on \(Echo.text(path, limit: 120)); use \(allowed.joined(separator: ", "))",
                            headers: [("Allow", allowed.joined(separator: ", "))]).response
        case let .found(handler, parameters):
            do {
                return try handler(RequestContext(request: request, parameters: parameters))
            } catch let error as APIError {
                return error.response
            } catch {
                logger.error("internal error", metadata: ["method": "\(request.method)", "path": "\(Echo.text(path, limit: 200))", "error": "\(error)"])
                return APIError.internalError().response
            }
        }
    }

    private func allowedMethods(_ path: String) -> [String] {
        // Ask the router with a method no route has: it answers with the ones that exist.
        if case let .methodNotAllowed(allowed) = router.match(method: "\u{0}", path: path) { return allowed }
        return ["OPTIONS"]
    }
}
