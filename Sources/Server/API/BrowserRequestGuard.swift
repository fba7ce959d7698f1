import Core
import HTTPTypes

/// Refuses what only a browser sends on behalf of a page the operator happens to visit, so that no
/// web page can drive the API (create setups, i.e. AWS resources, or read and delete them):
///
/// - **DNS rebinding**: on a loopback listener, `Host` must be a loopback name (`localhost`,
///   `127.0.0.1`, `[::1]`, any port) or one given with `--allowed-host`; otherwise `421`.
/// - **Cross-site writes**: a state-changing request whose `Origin` is neither this server's own
///   nor on the CORS allow-list, or whose `Sec-Fetch-Site` is `cross-site`/`same-site` from an
///   origin not on that list, gets `403`.
/// - **Simple requests**: a request with browser headers (`Origin`, `Sec-Fetch-*`) and a body that
///   is not JSON gets `415`; a page can send `text/plain` or a form without a preflight, JSON not.
///
/// `curl -d '{…}'` sends none of those headers and passes, as do the server's own pages.
public struct BrowserRequestGuard: Sendable {
    /// True when the server listens on a loopback address only.
    public let loopbackListener: Bool
    /// Extra `Host` names accepted on a loopback listener (lower-cased, without port).
    public let allowedHosts: Set<String>
    let cors: CORSPolicy

    static let loopbackHosts: Set<String> = ["localhost", "127.0.0.1", "[::1]"]

    public init(loopbackListener: Bool, allowedHosts: [String] = [], cors: CORSPolicy) {
        self.loopbackListener = loopbackListener
        self.allowedHosts = Set(allowedHosts.map { Self.hostName(of: $0) })
        self.cors = cors
    }

    /// The refusal for a request, or nil when it may go on.
    public func refusal(for request: Request) -> APIError? {
        if loopbackListener, let host = request.header(.hostHeader) {
            let name = Self.hostName(of: host)
            if !Self.loopbackHosts.contains(name) && !allowedHosts.contains(name) {
                return APIError(
                    status: 421, code: "misdirected_request",
                    message: """
                        this server listens on a loopback address and answers Host: localhost, 127.0.0.1 or [::1] \
                        (with any port), not \(Echo.text(host)); use one of those, or start privatelinkd with \
                        --allowed-host \(Echo.text(name)) if that name is meant to reach it
                        """)
            }
        }
        let origin = request.header(.origin)
        let fetchSite = request.header(.secFetchSite)?.lowercased()
        if !Self.isSafe(request.method) {
            if let origin, !isOwnOrigin(origin, of: request), !cors.allows(origin) {
                return APIError(
                    status: 403, code: "cross_origin_refused",
                    message: """
                        a page from \(Echo.text(origin)) may not change anything here; call the API from this \
                        server's own origin, without a browser (curl), or start privatelinkd with --cors-origin \(Echo.text(origin))
                        """)
            }
            if fetchSite == "cross-site" || fetchSite == "same-site", !(origin.map(cors.allows) ?? false) {
                return APIError(
                    status: 403, code: "cross_origin_refused",
                    message: """
                        the browser says this request comes from another site (Sec-Fetch-Site: \(Echo.text(fetchSite ?? ""))); \
                        only origins given with --cors-origin may change anything here
                        """)
            }
        }
        let fromBrowser = origin != nil || request.headerFields.contains { Self.isFetchMetadata($0.name.canonicalName) }
        if fromBrowser && !request.body.isEmpty && !Self.isJSON(request.header(.contentType)) {
            return APIError(
                status: 415, code: "unsupported_media_type",
                message: """
                    a browser request with a body must send it as Content-Type: application/json, \
                    not \(Echo.text(request.header(.contentType) ?? "no Content-Type"))
                    """)
        }
        return nil
    }

    /// `Sec-Fetch-*`, compared without allocating (every request's every header is asked).
    static func isFetchMetadata(_ name: String) -> Bool {
        let prefix = "sec-fetch-".utf8
        guard name.utf8.count > prefix.count else { return false }
        return zip(name.utf8, prefix).allSatisfy { a, b in (a >= 65 && a <= 90 ? a | 0x20 : a) == b }
    }

    /// GET, HEAD and OPTIONS change nothing.
    static func isSafe(_ method: HTTPRequest.Method) -> Bool { method == .get || method == .head || method == .options }

    /// `Origin` equals `http://<Host>` (or https): the page came from this server.
    private func isOwnOrigin(_ origin: String, of request: Request) -> Bool {
        guard let host = request.header(.hostHeader)?.lowercased() else { return false }
        let origin = origin.lowercased()
        return origin == "http://\(host)" || origin == "https://\(host)"
    }

    /// `application/json` or any `application/*+json`, parameters aside.
    static func isJSON(_ contentType: String?) -> Bool {
        guard let contentType else { return false }
        let type = contentType.split(separator: ";", maxSplits: 1).first.map { $0.trimmingASCIISpaces.lowercased() } ?? ""
        return type == "application/json" || (type.hasPrefix("application/") && type.hasSuffix("+json"))
    }

    /// The host name of a `Host` value or `--allowed-host` argument: lower-cased, port removed,
    /// IPv6 literals kept in brackets.
    static func hostName(of value: String) -> String {
        let value = value.lowercased()
        if value.hasPrefix("[") {
            if let close = value.firstIndex(of: "]") { return String(value[...close]) }
            return value
        }
        if value == "::1" { return "[::1]" }
        if let colon = value.lastIndex(of: ":") { return String(value[..<colon]) }
        return value
    }
}
