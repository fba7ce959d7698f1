import Foundation
@testable import Core

/// Sits between our AWS client and moto and makes moto behave more like AWS where the workers
/// care: new endpoints stay `pending` (or `pendingAcceptance`) for a number of polls, chosen
/// services end `failed` with a reason, and `ServiceRegion` is honoured (moto ignores it). It also
/// counts the describe calls it sees. Route53 across accounts, which moto lacks, is answered by
/// `crossAccount` (see `Route53CrossAccount`). Loopback only.
final class AWSFaultProxy: @unchecked Sendable {
    struct Rules {
        /// Describes that still show an endpoint as not yet available (`.max`: never available).
        var pendingPolls = 2
        /// Show `pendingAcceptance` rather than `pending` while held.
        var pendingAcceptance = false
        /// Service-name substrings whose endpoints end in this state, with this reason.
        var failures: [String: (state: String, message: String)] = [:]
        /// Per action, answers to give before forwarding: an HTTP status with an AWS error code,
        /// or status 0 to drop the connection. Consumed one per request.
        var faults: [String: [(status: Int, code: String)]] = [:]
        /// Route53's own limit, enforced as AWS does: a bucket of this many requests refilled at
        /// this many per second for the whole account (nil: no limit). Beyond it: 400 Throttling.
        var route53PerSecond: Double?
    }

    /// Route53 requests seen (REST paths under /2013-04-01/) and how many were throttled.
    let route53Calls = Locked(0)
    let route53Throttled = Locked(0)
    private let route53Bucket = Locked<(tokens: Double, at: Date)?>(nil)

    /// The faults answered so far, as "Action:code".
    let injected = Locked<[String]>([])

    let moto: MotoServer
    let rules: Locked<Rules>
    private(set) var server: FakeHTTPServer!
    private let transport = URLSessionTransport()
    /// Per endpoint id: how many describes have shown it.
    private let seen = Locked<[String: Int]>([:])
    private let serviceOf = Locked<[String: String]>([:])
    /// The endpoint ids of every DescribeVpcEndpoints-by-id call, in order.
    let describeCalls = Locked<[[String]]>([])
    /// The parameters of every CreateVpcEndpoint, in order.
    let creates = Locked<[[String: String]]>([])
    /// The parameters of every ModifyVpcEndpoint, in order.
    let modifies = Locked<[[String: String]]>([])
    /// The parameters of every STS AssumeRole, in order.
    let assumeRoles = Locked<[[String: String]]>([])
    /// The parameters of every CreateVpcPeeringConnection, in order.
    let peeringRequests = Locked<[[String: String]]>([])
    /// Route53's association authorizations and cross-account associations, kept here for moto.
    let crossAccount: Route53CrossAccount

    init(moto: MotoServer, rules: Rules = Rules()) throws {
        self.moto = moto
        self.rules = Locked(rules)
        let motoURL = moto.url.absoluteString
        let transport = URLSessionTransport()
        crossAccount = Route53CrossAccount { method, path, headers, body in
            (try? transport.send(TransportRequest(method: method, url: URL(string: motoURL + path)!, headers: headers, body: body)))
                .map { ($0.status, String(decoding: $0.body, as: UTF8.self)) }
        }
        server = try FakeHTTPServer { [unowned self] request in self.forward(request) }
    }

    var url: String { server.url }

    /// Takes a Route53 token when a limit is set; false when the bucket is empty.
    private func route53Admits() -> Bool {
        guard let rate = rules.withLock({ $0.route53PerSecond }) else { return true }
        return route53Bucket.withLock { bucket in
            let now = Date()
            var tokens = bucket.map { min(rate, $0.tokens + now.timeIntervalSince($0.at) * rate) } ?? rate
            guard tokens >= 1 else {
                bucket = (tokens, now)
                return false
            }
            tokens -= 1
            bucket = (tokens, now)
            return true
        }
    }

    private func forward(_ request: FakeHTTPServer.Request) -> (Int, String) {
        if request.path.hasPrefix("/2013-04-01/") {
            route53Calls.withLock { $0 += 1 }
            if !route53Admits() {
                route53Throttled.withLock { $0 += 1 }
                return (
                    400,
                    "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>throttled</RequestId></ErrorResponse>"
                )
            }
            if let answer = crossAccount.answer(method: request.method, path: request.path, headers: Self.forwarded(request.headers), body: request.body) {
                return answer
            }
        }
        let form = Self.form(request.body)
        let action = form["Action"] ?? ""
        if action == "AssumeRole" { assumeRoles.withLock { $0.append(form) } }
        if action == "ModifyVpcEndpoint" { modifies.withLock { $0.append(form) } }
        if action == "CreateVpcPeeringConnection" { peeringRequests.withLock { $0.append(form) } }
        let fault = rules.withLock { rules -> (status: Int, code: String)? in
            guard var queue = rules.faults[action], !queue.isEmpty else { return nil }
            let next = queue.removeFirst()
            rules.faults[action] = queue
            return next
        }
        if let fault {
            injected.withLock { $0.append("\(action):\(fault.code)") }
            if fault.status == 0 { return (0, "") }
            return (
                fault.status,
                "<Response><Errors><Error><Code>\(fault.code)</Code><Message>injected \(fault.code)</Message></Error></Errors><RequestID>fault-\(UUID().uuidString.prefix(8))</RequestID></Response>"
            )
        }
        var headers = Self.forwarded(request.headers)
        // ServiceRegion: ask moto in that region, as AWS would answer the cross-region lookup.
        if form["Action"] == "DescribeVpcEndpointServices", let region = form["ServiceRegion.1"],
            let index = headers.firstIndex(where: { $0.name == "authorization" })
        {
            headers[index].value = headers[index].value.replacingOccurrences(
                of: #"/[a-z0-9-]+/ec2/aws4_request"#, with: "/\(region)/ec2/aws4_request", options: .regularExpression)
        }
        guard
            let response = try? transport.send(
                TransportRequest(
                    method: request.method, url: URL(string: moto.url.absoluteString + request.path)!,
                    headers: headers, body: request.body))
        else {
            return (502, "<Response><Errors><Error><Code>ProxyError</Code><Message>moto did not answer</Message></Error></Errors></Response>")
        }
        var body = String(decoding: response.body, as: UTF8.self)
        switch form["Action"] {
        case "CreateVpcEndpoint":
            creates.withLock { $0.append(form) }
            if let id = Self.first("vpcEndpointId", in: body), let service = form["ServiceName"] {
                serviceOf.withLock { $0[id] = service }
                body = rewrite(body, ids: [id], counting: false)
            }
        case "DescribeVpcEndpoints":
            let ids = form.keys.filter { $0.hasPrefix("VpcEndpointId.") }.sorted().compactMap { form[$0] }
            if !ids.isEmpty { describeCalls.withLock { $0.append(ids) } }
            body = rewrite(body, ids: Self.all("vpcEndpointId", in: body), counting: !ids.isEmpty)
        default: break
        }
        return (response.status, body)
    }

    /// Replaces each listed endpoint's `<state>` with what the rules say AWS would show now.
    private func rewrite(_ body: String, ids: [String], counting: Bool) -> String {
        var text = body
        let rules = self.rules.withLock { $0 }
        for id in ids {
            let polls = seen.withLock { seen -> Int in
                let n = seen[id] ?? 0
                if counting { seen[id] = n + 1 }
                return n
            }
            let service = serviceOf.withLock { $0[id] } ?? ""
            var state: String?
            var extra = ""
            if polls < rules.pendingPolls {
                state = rules.pendingAcceptance ? "pendingAcceptance" : "pending"
            } else if let failure = rules.failures.first(where: { service.contains($0.key) })?.value {
                state = failure.state
                extra = "<lastError><code>\(failure.state)</code><message>\(failure.message)</message></lastError>"
            }
            guard let state, let idRange = text.range(of: "<vpcEndpointId>\(id)</vpcEndpointId>"),
                let open = text.range(of: "<state>", range: idRange.upperBound..<text.endIndex),
                let close = text.range(of: "</state>", range: open.upperBound..<text.endIndex),
                text[open.upperBound..<close.lowerBound] == "available"
            else { continue }
            text.replaceSubrange(open.lowerBound..<close.upperBound, with: "<state>\(state)</state>\(extra)")
        }
        return text
    }

    /// The request's headers that go on to moto (not those of this hop).
    static func forwarded(_ headers: [String: String]) -> [(name: String, value: String)] {
        headers.filter { !["host", "content-length", "connection", "accept-encoding"].contains($0.key) }.map { ($0.key, $0.value) }
    }

    static func form(_ body: [UInt8]) -> [String: String] {
        var result: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 { result[String(parts[0]).removingPercentEncoding ?? ""] = String(parts[1]).removingPercentEncoding }
        }
        return result
    }

    static func first(_ element: String, in text: String) -> String? { all(element, in: text).first }

    static func all(_ element: String, in text: String) -> [String] {
        var found: [String] = []
        var rest = text[...]
        while let open = rest.range(of: "<\(element)>"), let close = rest.range(of: "</\(element)>", range: open.upperBound..<rest.endIndex) {
            found.append(String(rest[open.upperBound..<close.lowerBound]))
            rest = rest[close.upperBound...]
        }
        return found
    }
}
