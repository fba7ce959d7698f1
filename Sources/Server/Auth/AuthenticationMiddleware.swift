import Core
import Foundation
import Logging

/// Puts the caller's `Identity` on every request to a protected route, or answers 401 (403 for a
/// person the access file does not name). Open routes (`/healthz`) and CORS preflights pass
/// untouched. Whether the identity's role suffices is the route's business (`Application`).
struct AuthenticationMiddleware: HTTPMiddleware {
    let authenticator: Authenticator
    let router: Router
    let denied: DeniedRequests
    let logger: Logger

    func respond(to request: Request, next: (Request) -> Response) -> Response {
        guard authenticator.settings.mode == .tokens else {
            var request = request
            request.identity = .unauthenticated
            return next(request)
        }
        if request.method == .options { return next(request) }
        do {
            switch try authenticator.identify(request) {
            case let .success(identity):
                var request = request
                request.identity = identity
                return next(request)
            case let .failure(failure):
                // Asked only when there is no valid identity: the common case costs no route lookup.
                if router.route(router.resolution(of: request))?.access == .open { return next(request) }
                denied.count(failure.label)
                return failure.response
            }
        } catch {
            logger.error("authentication failed", metadata: ["request_id": "\(request.requestID)", "error": "\(error)"])
            return APIError.internalError().response
        }
    }
}

/// Requests refused by authentication or authorisation, by reason: counted (for `/metrics`),
/// never stored row by row.
public final class DeniedRequests: Sendable {
    private let counts = Locked<[String: Int]>([:])
    private let metrics: ServiceMetrics?

    public init(metrics: ServiceMetrics? = nil) { self.metrics = metrics }

    func count(_ reason: String) {
        counts.withLock { $0[reason, default: 0] += 1 }
        metrics?.recordDenied(reason)
    }

    public var snapshot: [String: Int] { counts.withLock { $0 } }
}
