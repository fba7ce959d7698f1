import Foundation
import Testing
@testable import Core

/// Verification jobs end to end on moto: verify-on-ready, a manual run, the endpoints' ENI IPs
/// from DescribeNetworkInterfaces, and results kept, never overwritten. DNS answers come from a
/// responder on loopback; the prober is a double, since the endpoints' 10.x addresses exist only
/// in moto (the real prober is tested against listeners on loopback and in a network namespace).
@Suite struct VerificationJobTests {
    struct AcceptingProber: AddressProber {
        let probed = Locked<[String]>([])
        func probe(address: String, hostname: String) -> ProbeOutcome {
            probed.withLock { $0.append(address) }
            return ProbeOutcome(
                address: address, tcp: .connected,
                tls: TLSOutcome(status: .ok, detail: "", subject: "/CN=\(hostname)", issuer: "/CN=test", protocolVersion: "TLSv1.3"))
        }
    }

    func finished(_ store: SetupStore, _ setupID: String, count: Int, timeout: TimeInterval = 30) throws -> [VerificationRecord] {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let runs = try store.verifications(setupID: setupID, limit: 10), runs.count >= count, runs.allSatisfy(\.isFinished) { return runs }
            usleep(20_000)  // polling the database for the worker's result, bounded by the deadline
        }
        return try store.verifications(setupID: setupID, limit: 10) ?? []
    }

    @Test func readySetupsAreVerifiedOnceThenOnRequestAgainstTheEndpointsOwnAddresses() throws {
        let dns = try FakeDNSServer([:])
        let prober = AcceptingProber()
        let world = try ProvisioningTests.world(
            rules: .init(pendingPolls: 1),
            verifier: Verifier(resolver: SystemDNSResolver(server: dns.server, timeout: 1), prober: prober))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let tests = ProvisioningTests()
        let id = try tests.submit(world, try tests.request(world))
        #expect(try tests.settle(world, id).setup.status == .ready)

        // Verify-on-ready: nothing resolves yet, so every name fails with NXDOMAIN.
        let first = try #require(try finished(world.store, id, count: 1).first)
        #expect(first.trigger == .onReady && first.state == .failed && first.endpointAddressesKnown == true)
        let checks = try #require(first.checks)
        #expect(checks.map { $0["hostname"]?.stringValue } == ["metrics.agent.datadoghq.com", "api.datadoghq.com", "orchid.intake.datadoghq.com"])
        #expect(checks.allSatisfy { $0["code"]?.stringValue == "dns_nxdomain" })
        #expect(try world.store.get(id)?.latestVerification?.id == first.id)

        // The endpoints' addresses, read from moto by boto3 (not by our client).
        let eni = try boto3(
            world.fixture.moto,
            """
            out = {}
            for e in ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": ["\(world.net.vpc)"]}])["VpcEndpoints"]:
                ips = [i["PrivateIpAddress"] for i in ec2.describe_network_interfaces(NetworkInterfaceIds=e["NetworkInterfaceIds"])["NetworkInterfaces"]]
                out[e["ServiceName"]] = ips
            print(json.dumps(out))
            """)
        let site = try #require(world.catalog.site("us1"))
        let metricsIPs = eni[site.service("metrics")?.serviceName ?? ""]?.arrayValue?.compactMap(\.stringValue) ?? []
        let apiIPs = eni[site.service("api")?.serviceName ?? ""]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(!metricsIPs.isEmpty && !apiIPs.isEmpty && Set(metricsIPs).isDisjoint(with: apiIPs))

        // The guide's cases: metrics right; api's customer name public (private DNS off); its
        // anchor answered by metrics' endpoint (another endpoint answers for the name).
        dns.set("metrics.agent.datadoghq.com", .records(metricsIPs.map { ("metrics.agent.datadoghq.com", 1, $0) }))
        dns.set(
            "api.datadoghq.com",
            .records([("api.datadoghq.com", 5, "intake-1.us-east-1.elb.amazonaws.com"), ("intake-1.us-east-1.elb.amazonaws.com", 1, "3.233.146.1")]))
        dns.set("orchid.intake.datadoghq.com", .records([("orchid.intake.datadoghq.com", 1, metricsIPs[0])]))
        let requested = try world.store.requestVerification(id, actor: "test")
        #expect(requested.state == .queued && requested.trigger == .manual)
        #expect(try world.store.requestVerification(id, actor: "test").id == requested.id)  // asking twice queues one
        world.provisioner.notify()
        let runs = try finished(world.store, id, count: 2)
        #expect(runs.map(\.id) == [requested.id, first.id])  // newest first
        let codes = try #require(runs[0].checks).map { $0["code"]?.stringValue ?? "" }
        #expect(codes == ["ok", "dns_public", "dns_other_endpoint"])
        #expect(try #require(runs[0].checks)[0]["expected_addresses"]?.arrayValue?.compactMap(\.stringValue) == metricsIPs.sorted())
        #expect(Set(prober.probed.withLock { $0 }) == Set(metricsIPs))  // only names that passed DNS are probed

        // Everything right: passed. The earlier runs are kept as they were.
        dns.set("api.datadoghq.com", .records([("api.datadoghq.com", 5, "orchid.intake.datadoghq.com"), ("orchid.intake.datadoghq.com", 1, apiIPs[0])]))
        dns.set("orchid.intake.datadoghq.com", .records(apiIPs.map { ("orchid.intake.datadoghq.com", 1, $0) }))
        _ = try world.store.requestVerification(id, actor: "test")
        world.provisioner.notify()
        let all = try finished(world.store, id, count: 3)
        #expect(all.map(\.state) == [.passed, .failed, .failed] && all[0].checksPassed == 3)
        #expect(all[2] == first)

        // Auditors' guarantee: a finished run and its checks cannot be changed or deleted.
        #expect(throws: SQLiteError.self) {
            try world.store.database.write { try $0.run("UPDATE verifications SET state = 'passed' WHERE id = ?", [.text(first.id)]) }
        }
        #expect(throws: SQLiteError.self) {
            try world.store.database.write { try $0.run("DELETE FROM verification_checks WHERE verification_id = ?", [.text(first.id)]) }
        }
        let calls = try world.store.database.read {
            try $0.firstRow("SELECT count(*) FROM aws_calls WHERE action = 'DescribeNetworkInterfaces' AND setup_id = ?", [.text(id)]) { $0.int(0) }
        }
        #expect(calls == 3)  // one per run, for all the setup's endpoints
    }

    /// A role without ec2:DescribeNetworkInterfaces: the run still checks what it can ("private"),
    /// and says why the endpoints' own addresses were not compared.
    @Test func withoutPermissionToReadTheInterfacesTheRunChecksPrivateOnlyAndSaysWhy() throws {
        let dns = try FakeDNSServer(["metrics.agent.datadoghq.com": .records([("metrics.agent.datadoghq.com", 1, "10.0.1.5")])])
        var rules = AWSFaultProxy.Rules(pendingPolls: 0)
        rules.faults["DescribeNetworkInterfaces"] = [(403, "UnauthorizedOperation")]
        let world = try ProvisioningTests.world(
            rules: rules, services: ["metrics"],
            verifier: Verifier(resolver: SystemDNSResolver(server: dns.server, timeout: 1), prober: AcceptingProber()))
        world.provisioner.start()
        defer { world.provisioner.stop() }
        let tests = ProvisioningTests()
        let id = try tests.submit(world, try tests.request(world, services: ["metrics"]))
        #expect(try tests.settle(world, id).setup.status == .ready)
        let run = try #require(try finished(world.store, id, count: 1).first)
        #expect(run.state == .passed && run.endpointAddressesKnown == false)
        #expect(run.note?.contains("UnauthorizedOperation") == true && run.note?.contains("private addresses only") == true)
        #expect(try #require(run.checks).first?["expected_addresses"] == .null)
        #expect(world.proxy.injected.withLock { $0 } == ["DescribeNetworkInterfaces:UnauthorizedOperation"])
    }

    @Test func aMissingSetupCannotBeVerified() throws {
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        #expect(throws: NotFound.self) { try store.requestVerification("st_missing", actor: "test") }
    }
}
