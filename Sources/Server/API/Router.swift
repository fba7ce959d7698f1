import Foundation
import Core
import HTTPTypes

/// What a handler gets: the request and the path parameters its route captured.
public struct RequestContext: Sendable {
    public let request: Request
    public let parameters: [String: String]

    /// A captured path parameter; a route that names one always captures it, so a missing one is
    /// a 400, never an empty string handed on.
    public func parameter(_ name: String) throws -> String {
        guard let value = parameters[name], !value.isEmpty else {
            throw APIError(status: 400, code: "bad_request", message: "the path has no \(name)")
        }
        return value
    }
}

/// Maps `METHOD /path/{param}` to handlers. Each route says where it runs: `.inline` on the event
/// loop (reads from WAL-mode SQLite, which never wait) or `.worker` on the handler pool (anything
/// that may wait on the writer). A path that exists under another method answers 405 with
/// `Allow`; an unknown path 404. Registering the same method and pattern twice is a programming
/// error, caught at start-up.
public struct Router: Sendable {
    public typealias Handler = @Sendable (RequestContext) throws -> Response

    public enum Execution: Sendable { case inline, worker }

    /// Who may call a route: anyone (`/healthz`), or callers with at least a role.
    public enum Access: Sendable, Equatable {
        case open
        case role(Role)
    }

    struct Route: Sendable {
        let method: HTTPRequest.Method
        let pattern: String
        /// The pattern's segments as bytes; a `{name}` segment matches any one path segment.
        let segments: [Segment]
        let execution: Execution
        let access: Access
        let handler: Handler
    }

    enum Segment: Sendable {
        case literal([UInt8])
        case parameter(String)
    }

    private(set) var routes: [Route] = []

    public init() {}

    public mutating func add(
        _ method: HTTPRequest.Method, _ pattern: String, runs execution: Execution, needs access: Access, _ handler: @escaping Handler
    ) {
        precondition(!routes.contains { $0.method == method && $0.pattern == pattern }, "route \(method) \(pattern) registered twice")
        let segments = pattern.split(separator: "/").map { part -> Segment in
            part.first == "{" && part.last == "}" ? .parameter(String(part.dropFirst().dropLast())) : .literal(Array(part.utf8))
        }
        routes.append(Route(method: method, pattern: pattern, segments: segments, execution: execution, access: access, handler: handler))
    }

    /// What a request's method and path resolve to: a route (by its index in `routes`) with the
    /// path's parameters, or why none. Resolved once per request (`Request.resolvedRoute`); the
    /// middleware and the responder read it from there.
    public enum Resolution: Sendable {
        case route(index: Int, parameters: [String: String])
        case methodNotAllowed(allowed: [HTTPRequest.Method])
        case notFound
    }

    private static func parts(_ path: String) -> [ArraySlice<UInt8>] {
        Array(path.utf8).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: true)
    }

    public func resolve(method: HTTPRequest.Method, path: String) -> Resolution {
        let parts = Self.parts(path)
        for (index, route) in routes.enumerated()
        where route.segments.count == parts.count && Self.answers(route, method) && Self.matches(route.segments, parts) {
            return .route(index: index, parameters: Self.capture(route.segments, parts))
        }
        let allowed = methods(parts)
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    /// The request's resolution: the one stored on it, or resolved now.
    public func resolution(of request: Request) -> Resolution {
        request.resolvedRoute ?? resolve(method: request.method, path: request.path)
    }

    /// The matched route of a resolution, if any.
    func route(_ resolution: Resolution) -> Route? {
        if case let .route(index, _) = resolution { return routes[index] }
        return nil
    }

    public func methods(_ path: String) -> [HTTPRequest.Method] { methods(Self.parts(path)) }

    private func methods(_ parts: [ArraySlice<UInt8>]) -> [HTTPRequest.Method] {
        var allowed: [HTTPRequest.Method] = []
        for route in routes where route.segments.count == parts.count && Self.matches(route.segments, parts) {
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        if allowed.isEmpty { return [] }
        if allowed.contains(.get) { allowed.append(.head) }
        return allowed + [.options]
    }

    private static func answers(_ route: Route, _ method: HTTPRequest.Method) -> Bool {
        route.method == method || (method == .head && route.method == .get)
    }

    private static func matches(_ segments: [Segment], _ parts: [ArraySlice<UInt8>]) -> Bool {
        zip(segments, parts).allSatisfy { segment, part in
            if case let .literal(bytes) = segment { return bytes.elementsEqual(part) }
            return true
        }
    }

    private static func capture(_ segments: [Segment], _ parts: [ArraySlice<UInt8>]) -> [String: String] {
        var parameters: [String: String] = [:]
        for (segment, part) in zip(segments, parts) {
            guard case let .parameter(name) = segment else { continue }
            let text = String(decoding: part, as: UTF8.self)
            // Foundation's percent decoding is costly: only for a part that has a percent sign.
            parameters[name] = part.contains(UInt8(ascii: "%")) ? (text.removingPercentEncoding ?? text) : text
        }
        return parameters
    }
}
