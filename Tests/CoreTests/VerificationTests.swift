import Foundation
import Testing
@testable import Core
#if canImport(Glibc)
import Glibc
#endif

/// The DNS part of verification against a responder on loopback, and the TCP probe against
/// listeners on loopback: no query or connection leaves 127.0.0.1.
@Suite struct VerificationTests {
    static func dns() throws -> FakeDNSServer {
        try FakeDNSServer([
            "metrics.agent.datadoghq.com": .records([("metrics.agent.datadoghq.com", 1, "10.0.1.5"), ("metrics.agent.datadoghq.com", 1, "10.0.2.5")]),
            "api.ap2.datadoghq.com": .records([("api.ap2.datadoghq.com", 5, "orchid.intake.ap2.datadoghq.com"),
                                               ("orchid.intake.ap2.datadoghq.com", 1, "10.0.3.9")]),
            "trace.agent.datadoghq.com": .records([("trace.agent.datadoghq.com", 5, "intake-lime.us-east-1.elb.amazonaws.com"),
                                                   ("intake-lime.us-east-1.elb.amazonaws.com", 1, "3.233.146.1")]),
            "missing.datadoghq.com": .rcode(3),
            "broken.datadoghq.com": .rcode(2),
            "empty.datadoghq.com": .records([]),
            "silent.datadoghq.com": .silence,
        ])
    }

    @Test func answersAreReadLikeDigWithTheWholeChain() throws {
        let server = try Self.dns()
        let resolver = SystemDNSResolver(server: server.server, timeout: 1)
        let direct = resolver.resolveA("metrics.agent.datadoghq.com")
        #expect(direct.outcome == .noError && direct.resolver == server.server)
        #expect(direct.addresses == ["10.0.1.5", "10.0.2.5"] && direct.records.allSatisfy { $0.ttl == 60 })
        let chained = resolver.resolveA("api.ap2.datadoghq.com")
        #expect(chained.cnameChain == ["orchid.intake.ap2.datadoghq.com"] && chained.addresses == ["10.0.3.9"])
        #expect(resolver.resolveA("missing.datadoghq.com").outcome == .nxDomain)
        #expect(resolver.resolveA("broken.datadoghq.com").outcome == .servFail)
        #expect(resolver.resolveA("empty.datadoghq.com").records.isEmpty)
        #expect(resolver.resolveA("silent.datadoghq.com").outcome == .timeout)
    }

    @Test func theGuidesDiagnosisForEachCase() throws {
        let server = try Self.dns()
        let resolver = SystemDNSResolver(server: server.server, timeout: 1)
        let judge = { (name: String, ips: Set<String>?) in DNSDiagnosis.judge(resolver.resolveA(name), endpointIPs: ips) }
        #expect(judge("metrics.agent.datadoghq.com", ["10.0.1.5", "10.0.2.5"]) == DNSDiagnosis(passed: true, code: "ok", message: "resolves to the endpoint's private addresses"))
        #expect(judge("metrics.agent.datadoghq.com", nil).passed)  // without AWS: private is enough
        #expect(judge("metrics.agent.datadoghq.com", ["10.0.1.5"]).code == "dns_other_endpoint")
        let publicAnswer = judge("trace.agent.datadoghq.com", nil)
        #expect(publicAnswer.code == "dns_public" && publicAnswer.message.hasPrefix("DNS resolves to public IP addresses"))
        #expect(judge("api.ap2.datadoghq.com", ["10.0.3.9"]).passed)  // two-level DNS: the anchor's address
        #expect(judge("missing.datadoghq.com", nil).code == "dns_nxdomain")
        #expect(judge("broken.datadoghq.com", nil).code == "dns_servfail")
        #expect(judge("empty.datadoghq.com", nil).code == "dns_no_answer")
        #expect(judge("silent.datadoghq.com", nil).code == "dns_timeout")
    }

    @Test func privateRanges() {
        for address in ["10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1"] { #expect(DNSDiagnosis.isPrivate(address)) }
        for address in ["172.15.0.1", "172.32.0.1", "3.233.146.1", "127.0.0.1", "not-an-ip"] { #expect(!DNSDiagnosis.isPrivate(address)) }
    }

    @Test func tcpProbeConnectsOrIsRefusedOnLoopback() throws {
        let listener = try FakeHTTPServer { _ in (200, "") }
        #expect(TCPProbe.connect(host: "127.0.0.1", port: listener.port, timeout: 1) == .connected)
        listener.stop()
        #expect(TCPProbe.connect(host: "127.0.0.1", port: listener.port, timeout: 1) == .refused)
        #expect(TCPProbe.connect(host: "not-an-ip", port: 443, timeout: 1) != .connected)
    }
}
