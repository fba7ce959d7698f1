import Foundation
import Testing
import TestSupport
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
            "api.ap2.datadoghq.com": .records([
                ("api.ap2.datadoghq.com", 5, "orchid.intake.ap2.datadoghq.com"),
                ("orchid.intake.ap2.datadoghq.com", 1, "10.0.3.9"),
            ]),
            "trace.agent.datadoghq.com": .records([
                ("trace.agent.datadoghq.com", 5, "intake-lime.us-east-1.elb.amazonaws.com"),
                ("intake-lime.us-east-1.elb.amazonaws.com", 1, "3.233.146.1"),
            ]),
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
        #expect(
            judge("metrics.agent.datadoghq.com", ["10.0.1.5", "10.0.2.5"])
                == DNSDiagnosis(passed: true, code: "ok", message: "resolves to the endpoint's private addresses"))
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

    /// A port whose SYNs are dropped, as behind a security group without the 443 rule: a listener
    /// that never accepts, with its one-entry accept queue already full, drops the next SYN.
    @Test func tcpProbeTimesOutWhenSYNsAreDropped() throws {
        let (fd, port) = silentListener(backlog: 0)
        defer { close(fd) }
        // Fill the accept queue (kept open until the end), then probe.
        var fillers: [Int32] = []
        defer { fillers.forEach { _ = close($0) } }
        var result = TCPProbe.Result.connected
        for _ in 0..<4 where result == .connected {
            let (outcome, filler) = TCPProbe.open(host: "127.0.0.1", port: port, timeout: 0.3)
            if let filler { fillers.append(filler) }
            result = outcome
        }
        #expect(result == .timeout && !fillers.isEmpty)
    }

    @Test func tcpProbeConnectsOrIsRefusedOnLoopback() throws {
        let listener = try FakeHTTPServer { _ in (200, "") }
        #expect(TCPProbe.connect(host: "127.0.0.1", port: listener.port, timeout: 1) == .connected)
        listener.stop()
        #expect(TCPProbe.connect(host: "127.0.0.1", port: listener.port, timeout: 1) == .refused)
        #expect(TCPProbe.connect(host: "not-an-ip", port: 443, timeout: 1) != .connected)
    }
}

/// The TLS handshake and certificate check against listeners on 127.0.0.1 holding the test
/// certificates (`Tests/Fixtures/tls`).
@Suite struct TLSProbeTests {
    static func probe(_ port: Int, _ hostname: String, caFile: String? = VerifyFixture.caFile, timeout: TimeInterval = 2) throws -> ProbeOutcome {
        NetworkProber(port: port, timeout: timeout, tls: try TLSProbe(extraCAFile: caFile)).probe(address: "127.0.0.1", hostname: hostname)
    }

    @Test func aValidCertificateForTheHostnamePasses() throws {
        let fixture = try VerifyFixture(tls: ["intake"])
        let outcome = try Self.probe(fixture.tlsPorts[0], "metrics.agent.datadoghq.com")
        #expect(outcome.tcp == .connected)
        #expect(outcome.tls?.status == .ok && outcome.tls?.protocolVersion.hasPrefix("TLSv1.") == true)
        #expect(outcome.tls?.subject.contains("intake") == true && outcome.tls?.issuer.contains("privatelinkd test CA") == true)
        // The anchor name of a two-level DNS site, through the same wildcard certificate.
        #expect(try Self.probe(fixture.tlsPorts[0], "orchid.intake.ap2.datadoghq.com").tls?.status == .ok)
    }

    @Test func aCertificateForAnotherNameIsANameMismatch() throws {
        let fixture = try VerifyFixture(tls: ["wrong-name", "intake"])
        #expect(try Self.probe(fixture.tlsPorts[0], "metrics.agent.datadoghq.com").tls?.status == .nameMismatch)
        // A wildcard covers one label only: the intake certificate is not valid two labels down.
        #expect(try Self.probe(fixture.tlsPorts[1], "a.b.agent.datadoghq.com").tls?.status == .nameMismatch)
    }

    @Test func anUntrustedIssuerIsReportedAndTheExtraCAFileIsWhatTrustsTheTestCA() throws {
        let fixture = try VerifyFixture(tls: ["self-signed", "intake"])
        let selfSigned = try Self.probe(fixture.tlsPorts[0], "metrics.agent.datadoghq.com")
        #expect(selfSigned.tls?.status == .untrusted && selfSigned.tls?.detail.contains("self-signed") == true)
        // Without --ca-file the system's CAs do not know the test CA.
        #expect(try Self.probe(fixture.tlsPorts[1], "metrics.agent.datadoghq.com", caFile: nil).tls?.status == .untrusted)
    }

    @Test func somethingThatIsNotTLSFailsTheHandshake() throws {
        let fixture = try VerifyFixture(tls: ["plain"])
        let outcome = try Self.probe(fixture.tlsPorts[0], "metrics.agent.datadoghq.com")
        #expect(outcome.tcp == .connected && outcome.tls?.status == .handshakeFailed)
    }

    @Test func aListenerThatNeverSpeaksTimesOut() throws {
        // The kernel completes the TCP handshake from the backlog; nobody ever answers the ClientHello.
        let (fd, port) = silentListener(backlog: 4)
        defer { close(fd) }
        let outcome = try Self.probe(port, "metrics.agent.datadoghq.com", timeout: 0.3)
        #expect(outcome.tcp == .connected && outcome.tls?.status == .timeout)
    }

    @Test func anUnreadableCAFileIsRefusedUpFront() {
        #expect(throws: VerificationSetupError.self) { try TLSProbe(extraCAFile: "/nonexistent/ca.pem") }
        #expect(throws: VerificationSetupError.self) { try TLSProbe(extraCAFile: VerifyFixture.directory.appendingPathComponent("verify_fixture.py").path) }
    }
}

/// A listening socket on 127.0.0.1 that never accepts: its socket and port (the caller closes it).
func silentListener(backlog: Int32) -> (Int32, Int) {
    let (fd, port) = LoopbackSocket.bind(type: SOCK_STREAM)!
    listen(fd, backlog)
    return (fd, port)
}
