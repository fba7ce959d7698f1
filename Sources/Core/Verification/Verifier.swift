import Foundation

/// One name to check: a service's hostname (or its anchor name), and the addresses it must resolve
/// to (the endpoint's network-interface IPs; `nil` when unknown, e.g. without AWS).
public struct VerificationTarget: Sendable, Equatable {
    public let service: String
    public let hostname: String
    public let expectedAddresses: Set<String>?

    public init(service: String, hostname: String, expectedAddresses: Set<String>?) {
        self.service = service
        self.hostname = hostname
        self.expectedAddresses = expectedAddresses
    }
}

/// The verdict for one target: the DNS answer, what each address showed, and the diagnosis.
public struct VerificationCheck: Sendable, Equatable {
    public let target: VerificationTarget
    public let answer: DNSAnswer
    public let probes: [ProbeOutcome]
    public let passed: Bool
    public let code: String
    public let message: String

    public var json: JSON {
        .object([
            ("service", .string(target.service)),
            ("hostname", .string(target.hostname)),
            ("answers", .array(answer.records.map(\.json))),
            ("passed", .bool(passed)),
            ("code", .string(code)),
            ("message", .string(message)),
            ("dns_status", .string(answer.outcome.rawValue)),
            ("resolver", .string(answer.resolver)),
            ("addresses", .array(answer.addresses.map { .string($0) })),
            ("expected_addresses", target.expectedAddresses.map { .array($0.sorted().map { .string($0) }) } ?? .null),
            ("probes", .array(probes.map(\.json))),
        ])
    }
}

/// Checks names the way the guide does by hand (`dig`, then a connection to 443), plus the TLS
/// handshake, and explains a failure in the guide's terms. The resolver and the prober are
/// protocols so the judgement is tested without a network.
public struct Verifier: Sendable {
    public let resolver: DNSResolver
    public let prober: AddressProber

    public init(resolver: DNSResolver, prober: AddressProber) {
        self.resolver = resolver
        self.prober = prober
    }

    /// Checks every target, `parallelism` at a time; results in the targets' order. The work is
    /// waiting (DNS, connects, handshakes), so each lane is a thread of its own: Dispatch's
    /// concurrentPerform would run only as many lanes as there are cores.
    public func check(_ targets: [VerificationTarget], parallelism: Int = 8) -> [VerificationCheck] {
        let results = Locked([VerificationCheck?](repeating: nil, count: targets.count))
        let next = Locked(0)
        let lanes = max(1, min(parallelism, targets.count))
        let done = DispatchGroup()
        for _ in 0..<lanes {
            done.enter()
            Thread.detachNewThread {
                while true {
                    let index = next.withLock { value -> Int in
                        defer { value += 1 }
                        return value
                    }
                    guard index < targets.count else { break }
                    let result = check(targets[index])
                    results.withLock { $0[index] = result }
                }
                done.leave()
            }
        }
        done.wait()
        return results.withLock { $0.compactMap { $0 } }
    }

    public func check(_ target: VerificationTarget) -> VerificationCheck {
        let answer = resolver.resolveA(target.hostname)
        let dns = DNSDiagnosis.judge(answer, endpointIPs: target.expectedAddresses)
        guard dns.passed else {
            return VerificationCheck(target: target, answer: answer, probes: [], passed: false, code: dns.code, message: dns.message)
        }
        let probes = answer.addresses.map { prober.probe(address: $0, hostname: target.hostname) }
        let verdict = Self.judge(probes, hostname: target.hostname) ?? (code: dns.code, message: dns.message + "; TCP 443 and TLS connect")
        return VerificationCheck(
            target: target, answer: answer, probes: probes, passed: verdict.code == "ok",
            code: verdict.code, message: verdict.message)
    }

    /// The first failing address, in the guide's terms; `nil` when every address passed.
    static func judge(_ probes: [ProbeOutcome], hostname: String) -> (code: String, message: String)? {
        for probe in probes {
            let address = probe.address
            guard probe.tcp == .connected else {
                return (
                    "tcp_unreachable",
                    "DNS resolves privately, but TCP 443 to \(address) \(probe.tcp == .timeout ? "timed out" : probe.tcpText): "
                        + "VPC peering, routing or the security group (inbound TCP 443) is misconfigured"
                )
            }
            guard let tls = probe.tls else { continue }
            switch tls.status {
            case .ok: continue
            case .nameMismatch:
                return (
                    "tls_name_mismatch",
                    "the certificate at \(address) is not valid for \(hostname) (\(tls.subject)): "
                        + "this address serves another name; check which endpoint or record answers for \(hostname)"
                )
            case .untrusted:
                return (
                    "tls_untrusted",
                    "the certificate at \(address) is not trusted (\(tls.detail); issuer \(tls.issuer)): "
                        + "behind a TLS-inspecting proxy, pass its CA with --ca-file"
                )
            case .handshakeFailed:
                return (
                    "tls_handshake_failed",
                    "TCP 443 to \(address) connects but the TLS handshake fails (\(tls.detail)): "
                        + "something other than the Datadog intake answers at this address"
                )
            case .timeout:
                return (
                    "tls_timeout",
                    "TCP 443 to \(address) connects but no TLS handshake completes in time: "
                        + "a firewall or proxy holds the connection"
                )
            }
        }
        return nil
    }
}
