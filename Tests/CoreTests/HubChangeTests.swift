import Foundation
import Logging
import Testing
@testable import Core
@testable import Server

/// A hub changed in place (PATCH) carries the change to its spokes: a new service's zone is
/// associated with every spoke, a removed one's zone leaves them first. No spoke job runs beside
/// the change, and no spoke is removed while it runs.
extension ProvisioningTests {
    @Test func aHubGainsAndLosesAServiceAndItsSpokesFollow() throws {
        let world = try Self.world(rules: .init(pendingPolls: 1), services: ["metrics", "api", "logs_agent"])
        world.provisioner.start()
        defer { world.provisioner.stop(timeout: 10) }
        let (hubID, peered, spoke) = try hubWithPeeringSpoke(world)
        let app = Application(catalog: world.catalog, store: world.store, logger: Logger(label: "test"), workQueued: { world.provisioner.notify() })
        let changes = InPlaceChangeTests()
        // While the spoke is on its way in, the hub keeps still.
        let (early, earlyJSON) = changes.patch(app, hubID, #"{"services": ["metrics"]}"#, etag: changes.etag(app, hubID))
        #expect(early.status == 409 && earlyJSON?["error"]?["message"]?.stringValue?.contains(spoke.id) == true, "\(earlyJSON?.serializedString ?? "")")
        world.provisioner.notify()
        try #require(try waitForSpoke(world, spoke.id, [.ready, .failed]).status == .ready)

        let route53 = Route53Client(client: world.fixture.aws)
        func spokeZones() throws -> Set<String> {
            Set(
                try route53.listHostedZonesByVPC(vpcID: peered.vpc, vpcRegion: "us-east-1").map {
                    $0.name.trimmingCharacters(in: CharacterSet(charactersIn: "."))
                })
        }
        #expect(try spokeZones().count == 2)
        let (added, addedJSON) = changes.patch(app, hubID, #"{"services": ["metrics", "api", "logs_agent"]}"#, etag: changes.etag(app, hubID))
        #expect(added.status == 202, "\(addedJSON?.serializedString ?? "")")
        let steps = addedJSON?["change"]?["steps"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(steps.suffix(3) == ["create_hosted_zone:logs_agent", "upsert_alias_record:logs_agent", "associate_spokes:logs_agent"], "\(steps)")
        // No spoke is removed while the hub changes.
        #expect(throws: StateConflict.self) { try world.store.requestSpokeRemoval(spoke.id, actor: "test") }
        let grown = try settle(world, hubID)
        #expect(grown.setup.status == .ready && grown.endpoints.count == 3, "\(grown.setup.errorMessage ?? "")")
        #expect(try spokeZones().contains("agent-http-intake.logs.datadoghq.com"), "the new zone answers in the spoke")
        let logsZone = try #require(
            try world.store.database.read { try ZoneRows.zones($0, setupID: hubID) }.first { $0.name == "agent-http-intake.logs.datadoghq.com" }?.zoneID)
        #expect(try world.store.spoke(spoke.id)?.associatedZones.contains(logsZone) == true, "recorded on the spoke, so its removal undoes it")

        #expect(changes.patch(app, hubID, #"{"services": ["metrics", "api"]}"#, etag: changes.etag(app, hubID)).0.status == 202)
        let shrunk = try settle(world, hubID)
        #expect(shrunk.setup.status == .ready && shrunk.endpoints.count == 2, "\(shrunk.setup.errorMessage ?? "")")
        #expect(try spokeZones().count == 2 && !spokeZones().contains("agent-http-intake.logs.datadoghq.com"))
        #expect(try world.store.spoke(spoke.id)?.associatedZones.contains(logsZone) == false)
        #expect(try world.store.spoke(spoke.id)?.status == .ready)
    }
}

/// A zone made just before a crash (CreateHostedZone answered, the id not yet recorded) is found
/// again by its CallerReference as the setup's own, by the next run and by teardown, which deletes it.
extension ProvisioningTests {
    @Test func aZoneMadeBeforeACrashIsKnownAsOursByItsCallerReference() throws {
        let world = try Self.world(rules: .init(pendingPolls: 1), services: ["metrics"])
        let hubID = try submit(world, try request(world, mode: "hub", services: ["metrics"]))
        let endpoint = try #require(try world.store.get(hubID)?.endpoints.first)
        let route53 = Route53Client(client: world.fixture.aws)
        let made = try route53.createPrivateHostedZone(
            name: endpoint.privateDNSName, vpcID: world.net.vpc, vpcRegion: "us-east-1",
            callerReference: "\(hubID).metrics.g\(endpoint.generation)", comment: "made before the crash")
        world.provisioner.start()
        defer { world.provisioner.stop(timeout: 10) }
        #expect(try settle(world, hubID).setup.status == .ready)
        let zone = try #require(try world.store.database.read { try ZoneRows.zones($0, setupID: hubID) }.first)
        #expect(zone.zoneID == made.id && !zone.adopted)
        // The id lost again (as if CreateHostedZone's answer never came): teardown finds the zone
        // by its name and CallerReference and deletes it all the same.
        try world.store.database.write { try $0.run("UPDATE hosted_zones SET zone_id = NULL WHERE id = ?", [.text(zone.id)]) }
        _ = try world.store.requestTeardown(hubID, deleteAdopted: false, actor: "test")
        world.provisioner.notify()
        #expect(try settle(world, hubID, statuses: [.deleted, .failed]).setup.status == .deleted)
        #expect(try route53.listHostedZonesByVPC(vpcID: world.net.vpc, vpcRegion: "us-east-1").isEmpty, "ours, so deleted")
    }
}
