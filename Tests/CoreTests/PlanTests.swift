import Testing
@testable import Core

@Suite struct PlanTests {
    let catalog = try! Catalog.bundled()

    @Test func sharedLogsServiceGetsOneEndpoint() throws {
        let request = try validRequest([("site", "ap2"), ("region", "ap-southeast-2")])
        let plan = Plan(request: request, site: try #require(catalog.site("ap2")))
        #expect(plan.endpoints.count == 9)
        let logs = try #require(plan.endpoints.first { $0.services.contains("logs_agent") })
        #expect(logs.services == ["logs_agent", "logs_user"])
        #expect(logs.privateDNSName == "gold.intake.ap2.datadoghq.com")
        #expect(Set(plan.endpoints.map(\.serviceName)).count == plan.endpoints.count)
        #expect(plan.stepNames.filter { $0.hasPrefix("create_endpoint:") }.count == 9)
    }

    @Test func sameRegionPlanOrder() throws {
        let request = try validRequest([("services", ["metrics", "traces"])])
        let plan = Plan(request: request, site: try #require(catalog.site("us1")))
        #expect(
            plan.stepNames == [
                "preflight_vpc", "preflight_subnets", "preflight_services", "preflight_security_groups",
                "preflight_existing_endpoints", "create_endpoint:metrics", "create_endpoint:traces", "wait_available",
            ])
        #expect(plan.steps[5].description.contains("private DNS on"))
    }

    @Test func crossRegionNamesTheServiceRegion() throws {
        let request = try validRequest([("mode", "cross_region"), ("region", "eu-west-1"), ("services", ["metrics"])])
        let plan = Plan(request: request, site: try #require(catalog.site("us1")))
        let create = try #require(plan.steps.first { $0.name == "create_endpoint:metrics" })
        #expect(create.description.contains("ServiceRegion us-east-1"))
    }

    @Test func peeringAcrossAccountsAuthorizesEachZone() throws {
        let request = try validRequest([
            ("mode", "vpc_peering"), ("account_id", "111111111111"), ("services", ["metrics", "api"]),
            ("peer", .object([("vpc_id", "vpc-89abcdef"), ("region", "eu-west-1"), ("account_id", "222222222222")])),
        ])
        let plan = Plan(request: request, site: try #require(catalog.site("us1")))
        let names = plan.stepNames
        #expect(names.contains("create_hosted_zone:metrics"))
        #expect(names.contains("upsert_alias_record:api"))
        #expect(names.contains("create_peering") && names.contains("accept_peering"))
        #expect(names.filter { $0.hasPrefix("authorize_association:") }.count == 2)
        #expect(names.firstIndex(of: "authorize_association:metrics")! < names.firstIndex(of: "associate_zone:metrics")!)
        #expect(names.firstIndex(of: "wait_available")! < names.firstIndex(of: "upsert_alias_record:metrics")!)
        let sameAccount = try validRequest([
            ("mode", "vpc_peering"), ("services", ["metrics"]),
            ("peer", .object([("vpc_id", "vpc-89abcdef"), ("region", "eu-west-1"), ("peering_connection_id", "pcx-0123456789abcdef0")])),
        ])
        let names2 = Plan(request: sameAccount, site: try #require(catalog.site("us1"))).stepNames
        #expect(!names2.contains { $0.hasPrefix("authorize_association:") })
        #expect(names2.contains("check_peering") && !names2.contains("create_peering"))
    }
}
