import Foundation
import Testing
@testable import Core

/// How a name's check reads from a spoke: its zone not associated, a route missing, or nothing in
/// the way (the check stands as privatelinkd saw it). Pure: no AWS, no network.
@Suite struct SpokePathTests {
    static func check(_ service: String, _ hostname: String, passed: Bool = true) -> VerificationCheck {
        VerificationCheck(
            target: VerificationTarget(service: service, hostname: hostname, expectedAddresses: ["10.1.1.5"]),
            answer: VerifierTests.answer(hostname, ["10.1.1.5"]), probes: [], passed: passed, code: passed ? "ok" : "tcp_timeout", message: "m")
    }

    static let zones = [
        SpokePath.Zone(name: "metrics.agent.datadoghq.com", zoneID: "Z1", services: ["metrics"], associated: true),
        SpokePath.Zone(name: "orchid.intake.datadoghq.com", zoneID: "Z2", services: ["api"], associated: false),
    ]

    @Test func aNameIsJudgedByItsZoneOrItsServicesZone() {
        let path = SpokePath(spokeVPC: "vpc-spoke", zones: Self.zones, broken: nil)
        #expect(path.zone(for: Self.check("metrics", "metrics.agent.datadoghq.com").target)?.zoneID == "Z1")
        #expect(path.zone(for: Self.check("metrics", "x.metrics.agent.datadoghq.com").target)?.zoneID == "Z1")
        // api.datadoghq.com is a CNAME to the anchor: the api endpoint's zone answers for it.
        #expect(path.zone(for: Self.check("api", "api.datadoghq.com").target)?.zoneID == "Z2")
        #expect(path.zone(for: Self.check("logs", "logs.datadoghq.com").target) == nil)

        #expect(path.judge(Self.check("metrics", "metrics.agent.datadoghq.com")) == Self.check("metrics", "metrics.agent.datadoghq.com"))
        let api = path.judge(Self.check("api", "api.datadoghq.com"))
        #expect(!api.passed && api.code == "spoke_zone_not_associated")
        #expect(api.message.contains("vpc-spoke") && api.message.contains("Z2") && api.message.contains("public addresses"))
        #expect(api.answer == Self.check("api", "api.datadoghq.com").answer, "what privatelinkd saw is kept")
    }

    @Test func aBrokenWayFailsEveryNameAndTheZoneComesFirst() {
        let broken = StepFailure("spoke_route_missing", "rtb-1 has no route")
        let path = SpokePath(spokeVPC: "vpc-spoke", zones: Self.zones, broken: broken)
        #expect(path.judge(Self.check("metrics", "metrics.agent.datadoghq.com")).code == "spoke_route_missing")
        #expect(path.judge(Self.check("api", "orchid.intake.datadoghq.com")).code == "spoke_zone_not_associated")
        #expect(path.judge(Self.check("metrics", "metrics.agent.datadoghq.com", passed: false)).code == "spoke_route_missing")
    }

    @Test func aRouteMustCoverEachDestinationThroughTheTarget() throws {
        let tables = [
            try SpokeRoutesTests.table("rtb-wide", routes: [("10.0.0.0/8", "pcx-ours")]),
            try SpokeRoutesTests.table("rtb-exact", routes: [("10.2.0.0/16", "pcx-ours")]),
        ]
        let ours = { (route: RouteTable.Route) in route.vpcPeeringConnectionID == "pcx-ours" }
        #expect(SpokePath.missingRoute(in: tables, destinations: ["10.2.0.0/16"], goes: ours, side: "s", target: "pcx-ours") == nil)
        let missing = SpokePath.missingRoute(in: tables, destinations: ["10.3.0.0/16"], goes: ours, side: "vpc-1, the spoke", target: "pcx-ours")
        #expect(missing?.code == "spoke_route_missing" && missing?.message.contains("rtb-exact") == true && missing?.message.contains("10.3.0.0/16") == true)
        let theirs = { (route: RouteTable.Route) in route.vpcPeeringConnectionID == "pcx-theirs" }
        #expect(SpokePath.missingRoute(in: tables, destinations: ["10.2.0.0/16"], goes: theirs, side: "s", target: "pcx-theirs")?.code == "spoke_route_missing")
    }
}
