import Foundation
import Testing
@testable import Core

/// A change to a setup that has never been ready: the changed request's whole plan, with removed
/// services first, kept endpoints brought to the stored subnets and groups after the preflight, and
/// a shared endpoint kept under the key it was made with. Pure: no store, no AWS.
@Suite struct SetupChangeTests {
    static func job(_ kind: JobKind, _ state: JobState) -> JobRecord {
        JobRecord(
            id: "jb_\(kind)", setupID: "su_1", kind: kind, state: state, steps: [], currentStep: nil, completedSteps: 0, attempts: 0, runAfter: "t",
            leaseOwner: nil, leaseExpiresAt: nil, lastError: nil, createdAt: "t", updatedAt: "t")
    }

    static func change(_ request: SetupRequest, current: [(String, String)], jobs: [JobRecord]) throws -> SetupChange {
        let plan = Plan(request: request, site: try #require(try Catalog.bundled().site(request.site)))
        var change = SetupChange(
            current: current.map { (key: $0.0, serviceName: $0.1) }, subnetIDs: request.subnetIDs, securityGroupIDs: request.securityGroupIDs,
            changed: request, plan: plan)
        change.completeProvisioning(plan: plan, jobs: jobs)
        return change
    }

    @Test func removedServicesGoFirstAndKeptOnesAreModifiedAfterThePreflight() throws {
        let request = try validRequest([("services", ["metrics"])])
        let site = try #require(try Catalog.bundled().site("us1"))
        let current = [("metrics", site.service("metrics")!.serviceName!), ("api", site.service("api")!.serviceName!)]
        let change = try Self.change(request, current: current, jobs: [Self.job(.provision, .failed)])
        #expect(change.completesProvisioning)
        let texts = change.steps.texts
        #expect(texts.first == "delete_endpoint:api", "the preflight checks every row: the removed one goes before it")
        let lastPreflight = try #require(texts.lastIndex { $0.hasPrefix("preflight_") })
        #expect(texts[lastPreflight + 1] == "modify_endpoint:metrics" && texts.contains("create_endpoint:metrics") && texts.last == "wait_available")

        // Once the setup has been ready, a change is the difference only.
        let settled = try Self.change(request, current: current, jobs: [Self.job(.provision, .succeeded), Self.job(.update, .failed)])
        #expect(!settled.completesProvisioning && settled.steps.texts == ["delete_endpoint:api"])
    }

    @Test func aSharedEndpointKeepsTheKeyItWasMadeWith() throws {
        // ap2's two logs intakes share one PrivateLink service: the row was made as logs_agent's.
        let site = try #require(try Catalog.bundled().site("ap2"))
        let request = try SetupValidator(catalog: Catalog.bundled()).validate(
            validBody([("site", "ap2"), ("region", .string(site.awsRegion ?? "")), ("services", ["logs_user"])])
        ).get()
        let change = try Self.change(request, current: [("logs_agent", site.service("logs_agent")!.serviceName!)], jobs: [Self.job(.provision, .failed)])
        #expect(change.steps.texts.contains("create_endpoint:logs_agent") && !change.steps.texts.contains { $0.hasSuffix(":logs_user") })
        #expect(change.removed.isEmpty)
    }
}
