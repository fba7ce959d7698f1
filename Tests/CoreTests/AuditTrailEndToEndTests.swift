import Foundation
import HTTPTypes
import Logging
import Testing
@testable import Core
@testable import Server

/// From an HTTP request with a token to the AWS calls it led to, against moto: the Core tests
/// drive the Server's `Application` where the point is the whole way.
@Suite struct AuditTrailEndToEndTests {
    @Test func aTokensSetupIsNamedInItsTransitionsJobsAWSCallsAndTheRoleSession() throws {
        let world = try ProvisioningTests.world(services: ["metrics"])
        let tokens = TokenStore(database: world.store.database)
        let (_, secret) = try tokens.create(name: "team-a-ci", role: .operator, team: "team-a", expiresIn: nil, actor: "cli:test")
        let app = Application(
            catalog: world.catalog, store: world.store, auth: AuthSettings(mode: .tokens), tokens: tokens, logger: Logger(label: "test"))
        let body = JSON.object([
            ("site", "us1"), ("region", "us-east-1"), ("vpc_id", .string(world.net.vpc)), ("subnet_ids", .strings(world.net.subnets)),
            ("security_group_ids", .strings([world.net.securityGroup])), ("services", .strings(["metrics"])),
            ("account_id", "123456789012"), ("role_arn", "arn:aws:iam::123456789012:role/privatelinkd"),
        ]).serialized()
        let requestID = "req-audit-\(UUID().uuidString.prefix(8))"
        let response = app.respond(
            to: Request(
                method: .post, target: "/v1/setups",
                headerFields: [
                    .hostHeader: "localhost", .contentType: "application/json", .authorization: "Bearer \(secret)", .requestID: requestID,
                ], body: body))
        #expect(response.status == 202)
        #expect(response.header(.requestID) == requestID)
        let id = try #require(try JSON.parse(response.body)["id"]?.stringValue)

        world.provisioner.start()
        defer { world.provisioner.stop(timeout: 10) }
        let detail = try ProvisioningTests().settle(world, id)
        #expect(detail.setup.status == .ready, "\(detail.setup.errorMessage ?? "")")
        #expect(detail.setup.createdBy == "token:team-a-ci" && detail.setup.team == "team-a")

        // One query from the request id: the transitions it wrote, the job it queued, and every
        // AWS call that job made.
        let (actors, jobs, calls) = try world.store.database.read { db in
            (
                try db.rows("SELECT DISTINCT actor FROM transitions WHERE api_request_id = ?", [.text(requestID)]) { $0.string(0) },
                try db.rows("SELECT requested_by FROM jobs WHERE api_request_id = ?", [.text(requestID)]) { $0.string(0) },
                try db.rows(
                    """
                    SELECT c.action FROM aws_calls c JOIN jobs j ON c.job_id = j.id
                    WHERE j.api_request_id = ? AND c.api_request_id = j.api_request_id ORDER BY c.id
                    """, [.text(requestID)]
                ) { $0.string(0) }
            )
        }
        #expect(actors == ["token:team-a-ci"])
        #expect(jobs == ["token:team-a-ci"])
        #expect(calls.contains("CreateVpcEndpoint") && calls.contains("DescribeVpcs"), "\(calls)")
        // The customer's CloudTrail sees who asked: the job's role session is named after the token
        // (the poller's shared describes, which no one asked for, use "privatelinkd").
        let sessions = Set(world.proxy.assumeRoles.withLock { $0 }.compactMap { $0["RoleSessionName"] })
        #expect(sessions.contains("plk-token-team-a-ci"))
        #expect(sessions.isSubset(of: ["plk-token-team-a-ci", RoleSessionName.service]), "\(sessions)")
    }
}
