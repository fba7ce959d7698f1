import Core
import HTTPTypes
import Logging

/// One step around the routes: sees the request first and the response last, and may answer
/// without going on (`next`). The chain is composed once, at start-up.
public protocol HTTPMiddleware: Sendable {
    func respond(to request: Request, next: (Request) -> Response) -> Response
}

/// Middleware in order, around an innermost responder.
struct MiddlewareChain: Sendable {
    let middleware: [any HTTPMiddleware]

    func respond(to request: Request, endpoint: (Request) -> Response) -> Response {
        func step(_ index: Int, _ request: Request) -> Response {
            guard index < middleware.count else { return endpoint(request) }
            return middleware[index].respond(to: request) { step(index + 1, $0) }
        }
        return step(0, request)
    }
}

/// `X-Request-Id`: a caller's own (1 to 128 letters, digits and `-_.:`) is kept, otherwise one is
/// made; it goes on the request (for handlers and the log) and on the response.
struct RequestIDMiddleware: HTTPMiddleware {
    func respond(to request: Request, next: (Request) -> Response) -> Response {
        var request = request
        if let given = request.header(.requestID), Self.isSane(given) {
            request.requestID = given
        } else {
            request.requestID = Identifier.make(prefix: "req_")
        }
        let requestID = request.requestID
        return next(request).alsoLater { response in
            var response = response
            response.headerFields.append(HTTPField(name: .requestID, value: requestID))
            return response
        }
    }

    static func isSane(_ value: String) -> Bool {
        (1...128).contains(value.utf8.count)
            && value.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || "-_.:".utf8.contains($0) }
    }
}

/// One access-log line per request with its request id and peer.
struct AccessLogMiddleware: HTTPMiddleware {
    let logger: Logger

    func respond(to request: Request, next: (Request) -> Response) -> Response {
        let started = monotonicSeconds()
        let response = next(request)
        let elapsed = (monotonicSeconds() - started) * 1000
        logger.info(
            "\(request.method) \(request.path) \(response.status.code) \(String(format: "%.2f", elapsed))ms \(response.body.count)B",
            metadata: ["request_id": "\(request.requestID)", "peer": "\(request.peer)"])
        return response
    }
}

/// CORS headers on every answer to an allowed origin (preflights are answered by the routes' owner,
/// which knows each path's methods).
struct CORSMiddleware: HTTPMiddleware {
    let policy: CORSPolicy

    func respond(to request: Request, next: (Request) -> Response) -> Response {
        let fields = policy.headerFields(for: request)
        return next(request).alsoLater { response in
            var response = response
            response.headerFields.append(contentsOf: fields)
            return response
        }
    }
}

/// Refuses what only a browser sends (see `BrowserRequestGuard`).
struct BrowserGuardMiddleware: HTTPMiddleware {
    let guardRules: BrowserRequestGuard

    func respond(to request: Request, next: (Request) -> Response) -> Response {
        guardRules.refusal(for: request)?.response ?? next(request)
    }
}
