import Foundation
import Testing
import TestSupport
@testable import Core

/// `privatelinkd verify` as users run it. The probes run inside a network namespace the test makes
/// (`unshare --net`, only `lo` up, the test addresses on it): the script refuses to start unless
/// it is in a new namespace with `lo` alone, so nothing can leave the machine. DNS always comes
/// from a responder the test starts.
@Suite struct VerifyCommandTests {
    static var fixtures: URL { VerifyFixture.directory }

    struct Run { let status: Int32; let stdout: String; let stderr: String }

    /// Runs a command to its end, reading both outputs to their end first (no pipe can fill up).
    static func run(_ executable: String, _ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["PRIVATELINKD_DNS_SERVER"] = "127.0.0.1:9"  // never the system's resolver
        process.environment = environment
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let errors = Locked(Data())
        let drained = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            let data = err.fileHandleForReading.readDataToEndOfFile()
            errors.withLock { $0 = data }
            drained.signal()
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        drained.wait()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, stdout: String(decoding: output, as: UTF8.self),
            stderr: String(decoding: errors.withLock { $0 }, as: UTF8.self))
    }

    static func privatelinkd(_ arguments: [String]) throws -> Run { try run(ProcessTests.executable.path, arguments) }

    /// `unshare` with a new network namespace (and a user namespace when not root).
    static let unshare: [String] = getuid() == 0 ? ["--net"] : ["--user", "--map-root-user", "--net"]
    static let namespacesAvailable: Bool = (try? run("/usr/bin/unshare", unshare + ["--", "/bin/true"]).status) == 0

    static var certificates: String { fixtures.appendingPathComponent("tls").path }

    /// The guide's cases, one name each, served inside the namespace.
    static var config: [String: Any] {
        [
            "tls": [
                ["host": "10.0.1.5", "port": 443, "cert": "\(certificates)/intake.pem", "key": "\(certificates)/intake.key"],
                ["host": "10.0.1.6", "port": 443, "cert": "\(certificates)/wrong-name.pem", "key": "\(certificates)/wrong-name.key"],
            ],
            "dns": [
                "host": "127.0.0.1", "port": 5353,
                "names": [
                    "metrics.agent.datadoghq.com": ["a": ["10.0.1.5"]],  // passing
                    "api.datadoghq.com": ["cname": ["orchid.intake.datadoghq.com"], "a": ["10.0.1.5"]],  // passing, through the anchor
                    "orchid.intake.datadoghq.com": ["a": ["10.0.1.5"]],
                    "agent-http-intake.logs.datadoghq.com": ["a": ["10.0.1.7"]],  // 443 blocked
                    "process.datadoghq.com": ["a": ["10.0.1.6"]],  // TLS name mismatch
                    "trace.agent.datadoghq.com": ["cname": ["intake.us-east-1.elb.amazonaws.com"], "a": ["3.233.146.1"]],  // public: zone not associated
                    "lime.intake.datadoghq.com": ["a": ["10.0.1.5"]],
                    "dbm-metrics-intake.datadoghq.com": ["silent": true],  // resolver timeout
                ] as [String: Any],
            ] as [String: Any],  // profiling: NXDOMAIN
        ]
    }

    static func inNamespace(_ verifyArguments: [String]) throws -> Run {
        let config = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
        let parent = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/net")
        return try run(
            "/usr/bin/unshare",
            unshare + [
                "--", fixtures.appendingPathComponent("netns-verify.sh").path, parent,
                ProcessTests.executable.path, config, "10.0.1.5 10.0.1.6 10.0.1.7", "--",
            ] + verifyArguments)
    }

    static let arguments = [
        "--site", "us1", "--services", "metrics,api,logs_agent,process,traces,profiling,dbm",
        "--dns-server", "127.0.0.1:5353", "--timeout", "1s",
    ]

    @Test(.enabled(if: namespacesAvailable, "needs unshare --net (root or user namespaces)"))
    func eachOfTheGuidesCasesInANetworkNamespace() throws {
        let run = try Self.inNamespace(Self.arguments + ["--ca-file", "\(Self.certificates)/ca.pem", "--json"])
        #expect(run.status == 1, "\(run.stderr)")
        #expect(run.stderr.contains("fixture listening"))  // the namespace checks passed and the fixture ran
        let results = try #require(try JSON.parse(run.stdout)["results"]?.arrayValue)
        var codes: [String: String] = [:]
        for result in results { codes[result["hostname"]?.stringValue ?? ""] = result["code"]?.stringValue }
        #expect(
            codes == [
                "metrics.agent.datadoghq.com": "ok", "api.datadoghq.com": "ok", "orchid.intake.datadoghq.com": "ok",
                "agent-http-intake.logs.datadoghq.com": "tcp_unreachable", "process.datadoghq.com": "tls_name_mismatch",
                "trace.agent.datadoghq.com": "dns_public", "lime.intake.datadoghq.com": "ok",
                "intake.profile.datadoghq.com": "dns_nxdomain", "dbm-metrics-intake.datadoghq.com": "dns_timeout",
            ])
        let metrics = try #require(results.first { $0["hostname"] == "metrics.agent.datadoghq.com" })
        #expect(metrics["passed"] == .bool(true) && metrics["service"] == "metrics")
        #expect(metrics["answers"]?.arrayValue?.first?["type"] == "A" && metrics["answers"]?.arrayValue?.first?["value"] == "10.0.1.5")
        #expect(metrics["probes"]?.arrayValue?.first?["tls"]?["status"] == "ok")
        let blocked = try #require(results.first { $0["code"] == "tcp_unreachable" })
        #expect(blocked["message"]?.stringValue?.hasSuffix("VPC peering, routing or the security group (inbound TCP 443) is misconfigured") == true)
    }

    @Test(.enabled(if: namespacesAvailable, "needs unshare --net (root or user namespaces)"))
    func theTableIsReadableAndWithoutTheCAFileTheTestCertificateIsUntrusted() throws {
        let run = try Self.inNamespace(["--site", "us1", "--services", "metrics,api", "--dns-server", "127.0.0.1:5353", "--timeout", "1s"])
        #expect(run.status == 1, "\(run.stderr)")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first?.split(separator: " ", omittingEmptySubsequences: true) == ["SERVICE", "HOSTNAME", "ANSWER", "VERDICT"])
        #expect(lines.contains { $0.hasPrefix("api ") && $0.contains("orchid.intake.datadoghq.com → 10.0.1.5") && $0.hasSuffix("FAIL tls_untrusted") })
        #expect(lines.contains { $0.hasPrefix("metrics.agent.datadoghq.com: the certificate at 10.0.1.5 is not trusted") })
        #expect(lines.contains("0 of 3 names pass; 3 fail."))
        #expect(run.stdout.contains("not compared with this VPC's endpoint addresses"))
    }

    @Test func aPublicAnswerFailsWithoutProbingAnything() throws {
        let fixture = try VerifyFixture(dns: [
            "trace.agent.datadoghq.com": ["cname": ["intake.us-east-1.elb.amazonaws.com"], "a": ["3.233.146.1"]],
            "lime.intake.datadoghq.com": ["rcode": 2],
        ])
        let port = try #require(fixture.dnsPort)
        let run = try Self.privatelinkd(["verify", "--site", "us1", "--services", "traces", "--dns-server", "127.0.0.1:\(port)", "--json"])
        #expect(run.status == 1)
        let results = try #require(try JSON.parse(run.stdout)["results"]?.arrayValue)
        #expect(results.map { $0["code"] } == ["dns_public", "dns_servfail"])
        #expect(results.allSatisfy { $0["probes"]?.arrayValue?.isEmpty == true })
    }

    @Test func badInputIsRefusedBeforeAnythingIsSent() throws {
        let unsupported = try Self.privatelinkd(["verify", "--site", "us3"])
        #expect(unsupported.status == 64 && unsupported.stderr.contains("Datadog PrivateLink does not support the selected Datadog site."))
        let service = try Self.privatelinkd(["verify", "--site", "us1", "--services", "metrics,bogus"])
        #expect(service.status == 64 && service.stderr.contains("unknown service bogus"))
        let server = try Self.privatelinkd(["verify", "--site", "us1", "--dns-server", "dns.example:53"])
        #expect(server.status == 64 && server.stderr.contains("--dns-server must be an IPv4 address"))
        let ca = try Self.privatelinkd(["verify", "--site", "us1", "--ca-file", "/nonexistent/ca.pem"])
        #expect(ca.status == 64 && ca.stderr.contains("--ca-file"))
    }
}
