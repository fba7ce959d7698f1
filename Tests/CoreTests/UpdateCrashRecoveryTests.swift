import Foundation
import Testing
import TestSupport
@testable import Core
#if canImport(Glibc)
    import Glibc
#endif

/// An in-place change (PATCH) survives SIGKILL: the real binary is killed after the first new
/// endpoint is recorded and again while the update waits on AWS, restarted on the same database,
/// and converges with one endpoint per service and the kept endpoint's id unchanged.
@Suite(.serialized) struct UpdateCrashRecoveryTests {
    typealias Crash = CrashRecoveryTests

    func send(_ method: String, _ port: Int, _ path: String, _ body: JSON? = nil, headers: [(String, String)] = []) throws -> TransportResponse {
        try URLSessionTransport().send(
            TransportRequest(
                method: method, url: URL(string: "http://127.0.0.1:\(port)\(path)")!,
                headers: [("Content-Type", "application/json")] + headers, body: body?.serialized() ?? []))
    }

    @Test func killedDuringAnUpdateItConvergesWithoutDuplicates() throws {
        let world = try ProvisioningTests.world(rules: .init(pendingPolls: 6), services: ["metrics", "api", "traces"])
        let catalogURL = FileManager.default.temporaryDirectory.appendingPathComponent("update-crash-catalog-\(UUID().uuidString).json")
        try JSONEncoder().encode(world.catalog).write(to: catalogURL)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("update-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = folder.appendingPathComponent("crash.sqlite").path

        var (process, port) = try Crash.start(db: db, catalog: catalogURL, proxy: world.proxy)
        let created = try send(
            "POST", port, "/v1/setups",
            .object([
                ("site", "us1"), ("region", "us-east-1"), ("vpc_id", .string(world.net.vpc)), ("subnet_ids", .strings(world.net.subnets)),
                ("security_group_ids", .strings([world.net.securityGroup])), ("services", ["metrics"]),
            ]))
        let id = try #require(try JSON.parse(created.body)["id"]?.stringValue)
        #expect(Crash.waitFor(db, "SELECT count(*) FROM setups WHERE status = 'ready'", atLeast: 1), "\(Crash.state(db))")
        let metrics = try #require(try world.fixture.ec2().describeVpcEndpoints(filters: [EC2Filter("vpc-id", [world.net.vpc])]).first?.id)

        let etag = try #require(try send("GET", port, "/v1/setups/\(id)").headers.first { $0.key.lowercased() == "etag" }?.value)
        let keep = world.net.subnets[0]
        let patched = try send(
            "PATCH", port, "/v1/setups/\(id)", .object([("services", ["metrics", "api", "traces"]), ("subnet_ids", .strings([keep]))]),
            headers: [("If-Match", etag)])
        #expect(patched.status == 202, "\(String(decoding: patched.body, as: UTF8.self))")

        let points = [
            ("SELECT count(*) FROM endpoints WHERE vpc_endpoint_id IS NOT NULL", 2),
            ("SELECT count(*) FROM jobs WHERE kind = 'update' AND current_step = 'wait_available'", 1),
        ]
        for (point, atLeast) in points {
            #expect(Crash.waitFor(db, point, atLeast: atLeast), "never reached: \(point) ≥ \(atLeast); \(Crash.state(db))")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            (process, port) = try Crash.start(db: db, catalog: catalogURL, proxy: world.proxy)
        }
        defer { kill(process.processIdentifier, SIGTERM); process.waitUntilExit() }
        #expect(
            Crash.waitFor(db, "SELECT count(*) FROM jobs WHERE kind = 'update' AND state IN ('succeeded', 'failed')", atLeast: 1), "\(Crash.state(db))")

        let database = try Database(path: db, readers: 1)
        defer { database.close() }
        let detail = try #require(try SetupStore(database: database).get(id))
        #expect(detail.setup.status == .ready, "\(detail.setup.errorCode ?? "") \(detail.setup.errorMessage ?? "")")
        #expect(detail.endpoints.count == 3 && detail.endpoints.allSatisfy { $0.state == .available })
        #expect(detail.endpoints.first { $0.services == ["metrics"] }?.vpcEndpointID == metrics, "the kept endpoint was not replaced")
        let live = try world.fixture.ec2().describeVpcEndpoints(filters: [EC2Filter("vpc-id", [world.net.vpc])]).filter { $0.state != .deleted }
        #expect(live.count == 3, "one endpoint per service: \(live.map(\.id))")
        #expect(live.allSatisfy { $0.subnetIDs == [keep] }, "\(live.map(\.subnetIDs))")
    }
}
