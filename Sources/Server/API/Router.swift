import Foundation
import Core

/// What a handler gets: the request and the path parameters its route captured.
public struct RequestContext: Sendable {
    public let request: HTTPRequest
    public let parameters: [String: String]

    public func parameter(_ name: String) -> String { parameters[name] ?? "" }
}

/// Maps `METHOD /path/{param}` to handlers. A path that exists under another method answers 405
/// with `Allow`; an unknown path 404.
public struct Router: Sendable {
    public typealias Handler = @Sendable (RequestContext) throws -> HTTPResponse

    private struct Route: Sendable {
        let method: String
        let segments: [Substring]
        let handler: Handler
    }

    private var routes: [Route] = []

    public init() {}

    public mutating func add(_ method: String, _ pattern: String, _ handler: @escaping Handler) {
        routes.append(Route(method: method, segments: pattern.split(separator: "/"), handler: handler))
    }

    public enum Match {
        case found(Handler, [String: String])
        case methodNotAllowed(allowed: [String])
        case notFound
    }

    public func match(method: String, path: String) -> Match {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var allowed: [String] = []
        for route in routes where route.segments.count == parts.count {
            var parameters: [String: String] = [:]
            var matched = true
            for (pattern, part) in zip(route.segments, parts) {
                if pattern.first == "{" && pattern.last == "}" {
                    parameters[String(pattern.dropFirst().dropLast())] = String(part).removingPercentEncoding ?? String(part)
                } else if pattern != part {
                    matched = false
                    break
                }
            }
            guard matched else { continue }
            if route.method == method || (method == "HEAD" && route.method == "GET") {
                return .found(route.handler, parameters)
            }
            allowed.append(route.method)
        }
        if allowed.isEmpty { return .notFound }
        if allowed.contains("GET") { allowed.append("HEAD") }
        return .methodNotAllowed(allowed: allowed + ["OPTIONS"])
    }
}
