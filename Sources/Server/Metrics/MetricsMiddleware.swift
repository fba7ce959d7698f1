import Core
import Foundation

/// Counts and times every request by method, route template and status (the outermost step after
/// the request id, so refusals by the later steps are counted too).
struct MetricsMiddleware: HTTPMiddleware {
    let metrics: ServiceMetrics
    let router: Router

    func respond(to request: Request, next: (Request) -> Response) -> Response {
        let started = monotonicSeconds()
        let response = next(request)
        let route = request.method == .options ? "preflight" : router.route(router.resolution(of: request))?.pattern ?? "unmatched"
        metrics.recordRequest(method: request.method, route: route, status: response.status.code, seconds: monotonicSeconds() - started)
        return response
    }
}

/// `GET /metrics`: Prometheus text exposition.
struct MetricsAPI: Sendable {
    let store: SetupStore
    let metrics: ServiceMetrics
    let openStreams: @Sendable () -> Int

    func register(_ router: inout Router) {
        router.add(.get, "/metrics", runs: .inline, needs: .role(.reader)) { _ in
            let now = Timestamp.string(store.clock.now())
            let snapshot = try store.database.read { try MetricsRows.snapshot($0, now: now) }
            return Response(
                status: .ok, headerFields: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: metrics.exposition(snapshot, openStreams: openStreams()))
        }
    }
}
