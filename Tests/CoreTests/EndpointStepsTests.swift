import Foundation
import Logging
import Testing
@testable import Core

/// The endpoint steps against a fake EC2 (the `EndpointEC2` calls they make, answered from memory):
/// what each step asks AWS, and what it records, without an emulator.
@Suite struct EndpointStepsTests {
    /// Answers from fixed state and records every call.
    final class FakeEC2: EndpointEC2, @unchecked Sendable {
        let calls = Locked<[String]>([])
        var dnsAttributes: [String: Bool] = ["enableDnsSupport": true, "enableDnsHostnames": true]
        var endpoints: [VpcEndpoint] = []
        var onCreate: (EC2Client.CreateEndpointInput) -> Void = { _ in }

        private func note(_ call: String) { calls.withLock { $0.append(call) } }

        func describeVpcs(ids: [String]) throws -> [Vpc] {
            note("DescribeVpcs")
            return try ids.map { Vpc(try XMLTree.parse(Data("<item><vpcId>\($0)</vpcId><cidrBlock>10.0.0.0/16</cidrBlock></item>".utf8))) }
        }
        func describeVpcAttribute(vpcID: String, attribute: String) throws -> Bool {
            note("DescribeVpcAttribute \(attribute)")
            return dnsAttributes[attribute] ?? false
        }
        func describeSubnets(ids: [String], filters: [EC2Filter]) throws -> [Subnet] { note("DescribeSubnets"); return [] }
        func describeSecurityGroups(ids: [String]) throws -> [SecurityGroup] { note("DescribeSecurityGroups"); return [] }
        func describeVpcEndpointServices(serviceNames: [String], serviceRegions: [String]) throws -> [EndpointServiceDetail] {
            note("DescribeVpcEndpointServices"); return []
        }
        func describeVpcEndpoints(ids: [String], filters: [EC2Filter]) throws -> [VpcEndpoint] { note("DescribeVpcEndpoints"); return endpoints }
        func createVpcEndpoint(_ input: EC2Client.CreateEndpointInput) throws -> VpcEndpoint {
            note("CreateVpcEndpoint \(input.serviceName)")
            onCreate(input)
            return try FakeEC2.endpoint("vpce-0aaaaaaaaaaaaaaa1", service: input.serviceName, tags: input.tags)
        }
        func deleteVpcEndpoints(ids: [String]) throws -> [(id: String, reason: String)] { note("DeleteVpcEndpoints \(ids)"); return [] }
        func modifyVpcEndpoint(
            id: String, addSubnetIDs: [String], removeSubnetIDs: [String], addSecurityGroupIDs: [String], removeSecurityGroupIDs: [String]
        ) throws { note("ModifyVpcEndpoint \(id) +\(addSubnetIDs) -\(removeSubnetIDs) +\(addSecurityGroupIDs) -\(removeSecurityGroupIDs)") }

        static func endpoint(_ id: String, service: String, state: String = "available", tags: [(String, String)] = []) throws -> VpcEndpoint {
            let tagXML = tags.map { "<item><key>\($0.0)</key><value>\($0.1)</value></item>" }.joined()
            return VpcEndpoint(
                try XMLTree.parse(
                    Data(
                        "<item><vpcEndpointId>\(id)</vpcEndpointId><serviceName>\(service)</serviceName><state>\(state)</state><tagSet>\(tagXML)</tagSet></item>"
                            .utf8)))
        }
    }

    struct Harness {
        let store: SetupStore
        let steps: EndpointSteps
        let setupID: String
        let serviceName: String
    }

    static func harness(_ ec2: FakeEC2) throws -> Harness {
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        let request = try validRequest([("services", ["metrics"])])
        let site = try Catalog.bundled().site("us1")!
        guard
            case let .created(detail, _, _) = try store.create(
                request: request, plan: Plan(request: request, site: site),
                idempotency: nil, actor: "test", render: { _ in (202, []) })
        else { throw StepFailure("test", "not created") }
        let queue = JobQueue(database: database)
        let job = try #require(try queue.claim(owner: "w", lease: 60))
        let steps = EndpointSteps(
            setup: detail.setup, job: job, owner: "w", queue: queue, store: store, ec2: ec2,
            endpointTimeout: 60, clock: .system)
        return Harness(store: store, steps: steps, setupID: detail.setup.id, serviceName: detail.endpoints[0].serviceName)
    }

    @Test func aVPCWithoutDNSHostnamesFailsBeforeAnythingIsCreated() throws {
        let ec2 = FakeEC2()
        ec2.dnsAttributes["enableDnsHostnames"] = false
        let h = try Self.harness(ec2)
        #expect(throws: StepFailure("vpc_dns_disabled", Preflight.dnsAttributes(vpcID: h.steps.setup.vpcID, off: ["enableDnsHostnames"])!.message)) {
            try h.steps.preflightVPC()
        }
        #expect(ec2.calls.withLock { $0 } == ["DescribeVpcs", "DescribeVpcAttribute enableDnsSupport", "DescribeVpcAttribute enableDnsHostnames"])
    }

    @Test func anotherSetupsEndpointIsAdoptedWithItsCreatorAndNothingIsCreated() throws {
        let ec2 = FakeEC2()
        let h = try Self.harness(ec2)
        ec2.endpoints = [try FakeEC2.endpoint("vpce-0bbbbbbbbbbbbbbb2", service: h.serviceName, tags: [("privatelinkd:setup", "su_creator")])]
        #expect(try h.steps.adoptExisting() == .done)
        let row = try #require(try h.store.get(h.setupID)?.endpoints.first)
        #expect(row.vpcEndpointID == "vpce-0bbbbbbbbbbbbbbb2" && row.adopted && row.createdBy == "su_creator" && row.state == .available)
        #expect(!ec2.calls.withLock { $0 }.contains { $0.hasPrefix("CreateVpcEndpoint") })
    }

    @Test func aCreatePersistsItsClientTokenFirstAndTagsTheEndpoint() throws {
        let ec2 = FakeEC2()
        let h = try Self.harness(ec2)
        let tokenAtCreate = Locked<String?>(nil)
        ec2.onCreate = { input in
            // The token is in the database before the call goes out: a crash here resumes with it.
            tokenAtCreate.withLock { $0 = try? h.store.get(h.setupID)?.endpoints.first?.clientToken }
            #expect(input.clientToken == tokenAtCreate.withLock { $0 })
            #expect(input.tags.contains { $0 == ("privatelinkd:setup", h.setupID) })
        }
        try h.steps.createEndpoint(key: "metrics")
        #expect(tokenAtCreate.withLock { $0 } == "\(h.setupID).metrics.g1")
        let row = try #require(try h.store.get(h.setupID)?.endpoints.first)
        #expect(row.vpcEndpointID == "vpce-0aaaaaaaaaaaaaaa1" && !row.adopted && row.createdBy == h.setupID)
        // Created already: a second run of the step calls nothing.
        let before = ec2.calls.withLock { $0.count }
        try EndpointSteps(
            setup: h.steps.setup, job: h.steps.job, owner: "w", queue: h.steps.queue, store: h.store, ec2: ec2,
            endpointTimeout: 60, clock: .system
        ).createEndpoint(key: "metrics")
        #expect(ec2.calls.withLock { $0.count } == before)
    }
}
