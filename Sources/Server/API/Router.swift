import Foundation
import Core

/// What a handler gets: the request and the path parameters its route captured.
public struct RequestContext: Sendable {
    public let request: HTTPRequest
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
    public typealias Handler = @Sendable (RequestContext) throws -> HTTPResponse

    public enum Execution: Sendable { case inline, worker }

    struct Route: Sendable {
        let method: String
        let pattern: String
        let segments: [Substring]
        let execution: Execution
        let handler: Handler
    }

    private var routes: [Route] = []

    public init() {}

    public mutating func add(_ method: String, _ pattern: String, runs execution: Execution, _ handler: @escaping Handler) {
        precondition(!routes.contains { $0.method == method && $0.pattern == pattern }, "route \(method) \(pattern) registered twice")
        routes.append(Route(method: method, pattern: pattern, segments: pattern.split(separator: "/"), execution: execution, handler: handler))
    }

    public enum Match {
        case found(Handler, [String: String], Execution)
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    public func match(method: String, path: String) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var found: (Route, [String: String])?
        for route in routes where route.segments.count == parts.count {
            guard let parameters = Self.capture(route.segments, parts) else { continue }
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                found = (route, parameters)
                break
            }
        }
        if let (route, parameters) = found { return .found(route.handler, parameters, route.execution) }
        let allowed = methods(path)
        return allowed.isEmpty ? .notFound : .methodNotAllowed(allowed: allowed)
    }

    /// Where the route for this request runs, or nil when no route matches; cheaper than `match`
    /// (nothing is captured), since the event loop asks it of every request.
    public func execution(method: String, path: String) -> Execution? {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        for route in routes where route.segments.count == parts.count
            && (route.method == method || (method == "HEAD" && route.method == "GET")) && Self.matches(route.segments, parts) {
            return route.execution
        }
        return nil
    }

    /// Every method the path answers to (with HEAD beside GET, and OPTIONS), or none for an
    /// unknown path.
    public func methods(_ path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [String] = []
        for route in routes where route.segments.count == parts.count && Self.matches(route.segments, parts) {
            if !allowed.contains(route.method) { allowed.append(route.method) }
        }
        if allowed.isEmpty { return [] }
        if allowed.contains("GET") { allowed.append("HEAD") }
        return allowed + ["OPTIONS"]
    }

    private static func matches(_ pattern: [Substring], _ parts: [Substring]) -> Bool {
        zip(pattern, parts).allSatisfy { segment, part in segment.first == "{" || segment == part }
    }

    private static func capture(_ pattern: [Substring], _ parts: [Substring]) -> [String: String]? {
        guard matches(pattern, parts) else { return nil }
        var parameters: [String: String] = [:]
        for (segment, part) in zip(pattern, parts) where segment.first == "{" && segment.last == "}" {
            // Foundation's percent decoding is costly: only for a part that has a percent sign.
            parameters[String(segment.dropFirst().dropLast())] = part.contains("%") ? (part.removingPercentEncoding ?? String(part)) : String(part)
        }
        return parameters
    }
}
