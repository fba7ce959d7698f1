import Foundation
import Testing
import TestSupport
@testable import Core
#if canImport(Glibc)
    import Glibc
#endif

/// The real `privatelinkd` binary killed with SIGKILL at several points of a provisioning run and
/// restarted on the same database: it must converge to the same end state, with no duplicate AWS
/// resources and no lost or stuck job.
@Suite(.serialized) struct CrashRecoveryTests {
    static var executable: URL { BuiltExecutable.privatelinkd }

    /// Starts the service on the database; returns the process and its port.
    static func start(db: String, catalog: URL, proxy: AWSFaultProxy) throws -> (Process, Int) {
        let process = Process()
        process.executableURL = executable
        process.arguments = [
            "--port", "0", "--db", db, "--catalog", catalog.path, "--poll-interval", "100ms",
            "--workers", "2", "--log-level", "error", "--no-verify-on-ready",
        ]
        process.environment = ProcessInfo.processInfo.environment.merging([
            "AWS_ENDPOINT_URL": proxy.url, "AWS_ACCESS_KEY_ID": "AKIATESTTESTTESTTEST", "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_EC2_METADATA_DISABLED": "true", "AWS_REGION": "us-east-1",
            "PRIVATELINKD_DNS_SERVER": "127.0.0.1:9",  // never the system's resolver from a test
        ]) { _, new in new }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        var line = Data()
        while true {
            let byte = output.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data("\n".utf8) { break }
            line.append(byte)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let port = text.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
            throw StepFailure("start", "no start-up line: \(text)")
        }
        return (process, port)
    }

    static func count(_ db: String, _ sql: String) -> Int {
        guard let database = try? Database(path: db, readers: 1) else { return -1 }
        defer { database.close() }
        return (try? database.read { try $0.firstRow(sql, []) { $0.int(0) } }) ?? -1
    }

    /// Waits (bounded) until a query on the database returns at least `atLeast`.
    static func waitFor(_ db: String, _ sql: String, atLeast: Int, timeout: TimeInterval = 60) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if count(db, sql) >= atLeast { return true }
            usleep(25_000)  // polling another process's progress, bounded by the deadline
        }
        return false
    }

    /// What the database says, for a failure message.
    static func state(_ db: String) -> String {
        guard let database = try? Database(path: db, readers: 1) else { return "no database" }
        defer { database.close() }
        let jobs =
            (try? database.read {
                try $0.rows("SELECT state, current_step, completed_steps, attempts, run_after, lease_owner, lease_expires_at, last_error FROM jobs", []) {
                    "\($0.string(0)) \($0.optionalString(1) ?? "-") done=\($0.int(2)) attempts=\($0.int(3)) due=\($0.string(4)) owner=\($0.optionalString(5) ?? "-") lease=\($0.optionalString(6) ?? "-") err=\($0.optionalString(7) ?? "-")"
                }
            }) ?? []
        let endpoints =
            (try? database.read { try $0.rows("SELECT state, vpc_endpoint_id FROM endpoints", []) { "\($0.string(0)):\($0.optionalString(1) ?? "-")" } }) ?? []
        return "jobs \(jobs) endpoints \(endpoints) now \(Timestamp.string(Date()))"
    }

    @Test func killedAtSeveralPointsItConvergesWithoutDuplicates() throws {
        let services = ["metrics", "api", "traces"]
        let world = try ProvisioningTests.world(rules: .init(pendingPolls: 6), services: services)
        let catalogURL = FileManager.default.temporaryDirectory.appendingPathComponent("crash-catalog-\(UUID().uuidString).json")
        try JSONEncoder().encode(world.catalog).write(to: catalogURL)
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = folder.appendingPathComponent("crash.sqlite").path

        var (process, port) = try Self.start(db: db, catalog: catalogURL, proxy: world.proxy)
        let body = JSON.object([
            ("site", "us1"), ("region", "us-east-1"), ("vpc_id", .string(world.net.vpc)), ("subnet_ids", .strings(world.net.subnets)),
            ("security_group_ids", .strings([world.net.securityGroup])), ("services", .strings(services)),
        ]).serialized()
        let response = try URLSessionTransport().send(
            TransportRequest(
                method: "POST", url: URL(string: "http://127.0.0.1:\(port)/v1/setups")!,
                headers: [("Content-Type", "application/json")], body: body))
        #expect(response.status == 202)
        let id = try #require(try JSON.parse(response.body)["id"]?.stringValue)

        // Kill points: after the first endpoint is recorded, after the second, and while waiting on
        // AWS. (Recorded endpoints, not recorded create calls: a restart that finds an endpoint by
        // its tag rightly creates nothing.)
        let points = [
            "SELECT count(*) FROM endpoints WHERE vpc_endpoint_id IS NOT NULL",
            "SELECT count(*) FROM endpoints WHERE vpc_endpoint_id IS NOT NULL",
            "SELECT count(*) FROM setups WHERE status = 'waiting'",
        ]
        for (point, atLeast) in zip(points, [1, 2, 1]) {
            #expect(Self.waitFor(db, point, atLeast: atLeast), "never reached: \(point) ≥ \(atLeast); \(Self.state(db))")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            (process, port) = try Self.start(db: db, catalog: catalogURL, proxy: world.proxy)
        }
        defer { kill(process.processIdentifier, SIGTERM); process.waitUntilExit() }
        #expect(Self.waitFor(db, "SELECT count(*) FROM setups WHERE status IN ('ready', 'failed')", atLeast: 1), "\(Self.state(db))")

        let database = try Database(path: db, readers: 1)
        defer { database.close() }
        let detail = try #require(try SetupStore(database: database).get(id))
        #expect(detail.setup.status == .ready, "\(detail.setup.errorCode ?? "") \(detail.setup.errorMessage ?? "")")
        #expect(detail.jobs.map(\.state) == [.succeeded])
        #expect(detail.endpoints.allSatisfy { $0.state == .available && $0.vpcEndpointID != nil })
        // AWS holds exactly one endpoint per service: no crash left a duplicate.
        let live = try world.fixture.ec2().describeVpcEndpoints(filters: [EC2Filter("vpc-id", [world.net.vpc])]).filter { $0.state != .deleted }
        #expect(live.count == services.count)
        #expect(Set(live.map(\.id)) == Set(detail.endpoints.compactMap(\.vpcEndpointID)))
        // The work went on in the restarted processes: the job ran under more than one worker,
        // whether a restart took over a dead worker's lease or claimed the job after it parked.
        let events = try #require(try SetupStore(database: database).events(id))
        let runners = Set(events.filter { $0.entityType == "job" && $0.toState == "running" }.map(\.actor))
        #expect(runners.count >= 2, "\(runners)")
    }
}
