import Foundation
import Testing
import TestSupport
@testable import Core

/// The verifier's judgement with the resolver and the prober replaced: each of the guide's cases,
/// without a network.
@Suite struct VerifierTests {
    struct TableResolver: DNSResolver {
        let answers: [String: DNSAnswer]
        func resolveA(_ name: String) -> DNSAnswer { answers[name] ?? DNSAnswer(outcome: .nxDomain, records: [], resolver: "test") }
    }

    struct TableProber: AddressProber {
        let outcomes: [String: (TCPProbe.Result, TLSOutcome.Status?)]
        let probed = Locked<[String]>([])
        func probe(address: String, hostname: String) -> ProbeOutcome {
            probed.withLock { $0.append("\(address) \(hostname)") }
            let (tcp, tls) = outcomes[address] ?? (.timeout, nil)
            return ProbeOutcome(
                address: address, tcp: tcp,
                tls: tls.map {
                    TLSOutcome(status: $0, detail: "d", subject: "/CN=s", issuer: "/CN=i", protocolVersion: "TLSv1.3")
                })
        }
    }

    static func answer(_ name: String, _ addresses: [String], cname: String? = nil) -> DNSAnswer {
        var records: [DNSRecord] = []
        var owner = name
        if let cname {
            records.append(DNSRecord(name: name, type: "CNAME", ttl: 60, value: cname))
            owner = cname
        }
        records += addresses.map { DNSRecord(name: owner, type: "A", ttl: 60, value: $0) }
        return DNSAnswer(outcome: .noError, records: records, resolver: "10.0.0.2:53")
    }

    static let verifier = Verifier(
        resolver: TableResolver(answers: [
            "good.example": answer("good.example", ["10.0.1.5", "10.0.2.5"]),
            "anchored.example": answer("anchored.example", ["10.0.1.5"], cname: "orchid.intake.example"),
            "public.example": answer("public.example", ["3.233.146.1"], cname: "intake.us-east-1.elb.amazonaws.com"),
            "elsewhere.example": answer("elsewhere.example", ["10.9.9.9"]),
            "blocked.example": answer("blocked.example", ["10.0.3.3"]),
            "refused.example": answer("refused.example", ["10.0.3.4"]),
            "mismatch.example": answer("mismatch.example", ["10.0.4.4"]),
            "proxy.example": answer("proxy.example", ["10.0.4.5"]),
            "nottls.example": answer("nottls.example", ["10.0.4.6"]),
            "slow.example": DNSAnswer(outcome: .timeout, records: [], resolver: "10.0.0.2:53"),
        ]),
        prober: TableProber(outcomes: [
            "10.0.1.5": (.connected, .ok), "10.0.2.5": (.connected, .ok), "10.0.3.3": (.timeout, nil), "10.0.3.4": (.refused, nil),
            "10.0.4.4": (.connected, .nameMismatch), "10.0.4.5": (.connected, .untrusted), "10.0.4.6": (.connected, .handshakeFailed),
        ]))

    static func check(_ name: String, expected: Set<String>? = nil) -> VerificationCheck {
        verifier.check(VerificationTarget(service: "metrics", hostname: name, expectedAddresses: expected))
    }

    @Test func passingNeedsPrivateEndpointAddressesAndWorkingTLSOnEveryOne() {
        let good = Self.check("good.example", expected: ["10.0.1.5", "10.0.2.5"])
        #expect(good.passed && good.code == "ok" && good.probes.count == 2)
        #expect(good.message == "resolves to the endpoint's private addresses; TCP 443 and TLS connect")
        #expect(Self.check("anchored.example", expected: ["10.0.1.5"]).passed)
        let withoutAWS = Self.check("good.example")
        #expect(withoutAWS.passed && withoutAWS.message.contains("no AWS access"))
    }

    @Test func eachFailureHasItsCodeAndTheGuidesAdvice() {
        let cases: [(String, Set<String>?, String, String)] = [
            ("public.example", nil, "dns_public", "DNS resolves to public IP addresses: private DNS is not enabled on the endpoint"),
            ("elsewhere.example", ["10.0.1.5"], "dns_other_endpoint", "another endpoint or private zone answers"),
            ("blocked.example", nil, "tcp_unreachable", "VPC peering, routing or the security group (inbound TCP 443) is misconfigured"),
            ("refused.example", nil, "tcp_unreachable", "refused"),
            ("mismatch.example", nil, "tls_name_mismatch", "not valid for mismatch.example"),
            ("proxy.example", nil, "tls_untrusted", "--ca-file"),
            ("nottls.example", nil, "tls_handshake_failed", "something other than the Datadog intake"),
            ("missing.example", nil, "dns_nxdomain", "NXDOMAIN"),
            ("slow.example", nil, "dns_timeout", "did not answer"),
        ]
        for (name, expected, code, advice) in cases {
            let check = Self.check(name, expected: expected)
            #expect(!check.passed && check.code == code, "\(name): \(check.code)")
            #expect(check.message.contains(advice), "\(name): \(check.message)")
        }
    }

    @Test func aFailedDNSCheckProbesNothingAndResultsKeepTheTargetsOrder() throws {
        let prober = TableProber(outcomes: ["10.0.1.5": (.connected, .ok)])
        let verifier = Verifier(resolver: Self.verifier.resolver, prober: prober)
        let names = ["public.example", "good.example", "missing.example", "anchored.example"]
        let results = verifier.check(names.map { VerificationTarget(service: "s", hostname: $0, expectedAddresses: nil) }, parallelism: 3)
        #expect(results.map(\.target.hostname) == names)
        #expect(Set(prober.probed.withLock { $0 }) == ["10.0.1.5 anchored.example", "10.0.1.5 good.example", "10.0.2.5 good.example"])
        let json = results[3].json
        #expect(json["answers"]?.arrayValue?.first?["type"]?.stringValue == "CNAME")
        #expect(json["probes"]?.arrayValue?.first?["tls"]?["status"]?.stringValue == "ok")
    }

    /// Probes wait on the network, not the CPU: all lanes must be in flight at once, whatever the
    /// core count. Each probe waits (bounded) until eight are in flight together.
    struct BarrierProber: AddressProber {
        let arrived = Locked(0)
        let allIn = DispatchSemaphore(value: 0)
        func probe(address: String, hostname: String) -> ProbeOutcome {
            if arrived.withLock({
                $0 += 1; return $0
            }) == 8 {
                for _ in 0..<8 { allIn.signal() }
            }
            let together = allIn.wait(timeout: .now() + 10) == .success
            return ProbeOutcome(
                address: address, tcp: together ? .connected : .timeout,
                tls: together ? TLSOutcome(status: .ok, detail: "", subject: "", issuer: "", protocolVersion: "TLSv1.3") : nil)
        }
    }

    @Test func eightNamesAreCheckedAtOnceWhateverTheCoreCount() {
        let names = (1...8).map { "n\($0).example" }
        let resolver = TableResolver(answers: Dictionary(uniqueKeysWithValues: names.map { ($0, Self.answer($0, ["10.0.1.5"])) }))
        let results = Verifier(resolver: resolver, prober: BarrierProber())
            .check(names.map { VerificationTarget(service: "s", hostname: $0, expectedAddresses: nil) }, parallelism: 8)
        #expect(results.count == 8 && results.allSatisfy(\.passed))
    }

    /// The real prober behind the same judgement: the verifier's private answer is dialled on
    /// 127.0.0.1, where the fixture's TLS listeners are.
    struct LoopbackProber: AddressProber {
        let ports: [String: Int]
        let tls: TLSProbe
        func probe(address: String, hostname: String) -> ProbeOutcome {
            let real = NetworkProber(port: ports[address] ?? 9, timeout: 1, tls: tls).probe(address: "127.0.0.1", hostname: hostname)
            return ProbeOutcome(address: address, tcp: real.tcp, tls: real.tls)
        }
    }

    @Test func withRealHandshakesOnLoopback() throws {
        let fixture = try VerifyFixture(tls: ["intake", "wrong-name"])
        let verifier = Verifier(
            resolver: Self.verifier.resolver,
            prober: LoopbackProber(
                ports: ["10.0.1.5": fixture.tlsPorts[0], "10.0.4.4": fixture.tlsPorts[1]],
                tls: try TLSProbe(extraCAFile: VerifyFixture.caFile)))
        let pass = verifier.check(VerificationTarget(service: "metrics", hostname: "anchored.example", expectedAddresses: ["10.0.1.5"]))
        // anchored.example is not in the certificate: the real check refuses it.
        #expect(!pass.passed && pass.code == "tls_name_mismatch")
        let real = Verifier(
            resolver: TableResolver(answers: ["metrics.agent.datadoghq.com": Self.answer("metrics.agent.datadoghq.com", ["10.0.1.5"])]),
            prober: verifier.prober)
        #expect(real.check(VerificationTarget(service: "metrics", hostname: "metrics.agent.datadoghq.com", expectedAddresses: ["10.0.1.5"])).passed)
        let mismatch = Verifier(
            resolver: TableResolver(answers: ["metrics.agent.datadoghq.com": Self.answer("metrics.agent.datadoghq.com", ["10.0.4.4"])]),
            prober: verifier.prober)
        #expect(
            mismatch.check(VerificationTarget(service: "metrics", hostname: "metrics.agent.datadoghq.com", expectedAddresses: nil)).code == "tls_name_mismatch")
    }
}
