import Foundation
import Testing
@testable import Core
@testable import Server

/// PATCH /v1/setups/{id} at the API: preconditions, immutable fields, validation, conflicts and the
/// dry run, through the responder (the AWS side is `InPlaceChangeTests`, on moto).
@Suite struct SetupChangesAPITests {
    let api = SetupsAPITests.make()

    /// A setup as if its provisioning had finished (the workers do not run here).
    func readySetup() throws -> (id: String, etag: String) {
        let id = try #require(api.call("POST", "/v1/setups", body: validSetupJSON).1?["id"]?.stringValue)
        try api.app.store.database.write { db in
            try db.run("UPDATE jobs SET state = 'succeeded' WHERE setup_id = ?", [.text(id)])
            try db.run("UPDATE setups SET status = 'ready' WHERE id = ?", [.text(id)])
        }
        return (id, try #require(api.call("GET", "/v1/setups/\(id)").0.header("ETag")))
    }

    func patch(_ id: String, _ body: String, etag: String?, query: String = "") -> (Response, JSON?) {
        var headers: [(name: String, value: String)] = [("Content-Type", "application/merge-patch+json")]
        if let etag { headers.append(("If-Match", etag)) }
        return api.call("PATCH", "/v1/setups/\(id)\(query)", body: body, headers: headers)
    }

    @Test func aChangeNeedsTheETagItWasMadeAgainst() throws {
        let (id, etag) = try readySetup()
        let (missing, missingJSON) = patch(id, #"{"services": ["metrics"]}"#, etag: nil)
        #expect(missing.status == 428 && missingJSON?["error"]?["code"] == "precondition_required")
        for stale in ["\"\(id).0\"", "*", "\"su_other.3\"", "garbage"] {
            let (response, json) = patch(id, #"{"services": ["metrics"]}"#, etag: stale)
            #expect(response.status == 412 && json?["error"]?["code"] == "precondition_failed", "\(stale)")
        }
        #expect(try api.app.store.get(id)?.setup.services == ["metrics", "logs_agent"], "nothing changed")
        let (applied, json) = patch(id, #"{"services": ["metrics"]}"#, etag: etag)
        #expect(applied.status == 202 && json?["status"] == "updating" && json?["change"]?["delete"] == ["logs_agent"])
        #expect(applied.header("ETag") != etag)
        // The same ETag again: the setup has changed since.
        #expect(patch(id, #"{"services": ["metrics", "api"]}"#, etag: etag).0.status == 412)
    }

    @Test func whileAJobRunsAChangeIsAConflict() throws {
        let id = try #require(api.call("POST", "/v1/setups", body: validSetupJSON).1?["id"]?.stringValue)
        let etag = try #require(api.call("GET", "/v1/setups/\(id)").0.header("ETag"))
        let (response, json) = patch(id, #"{"services": ["metrics"]}"#, etag: etag)
        #expect(response.status == 409 && json?["error"]?["code"] == "conflict")
    }

    @Test func immutableFieldsAndInvalidValuesAreNamed() throws {
        let (id, etag) = try readySetup()
        let (immutable, json) = patch(id, #"{"site": "eu1", "vpc_id": "vpc-89abcdef", "region": "us-east-1", "services": ["metrics"]}"#, etag: etag)
        #expect(immutable.status == 422)
        let fields = json?["error"]?["details"]?.arrayValue?.map { "\($0["field"]?.stringValue ?? "")/\($0["code"]?.stringValue ?? "")" }
        #expect(fields.map(Set.init) == ["site/immutable_field", "vpc_id/immutable_field"], "region is unchanged, so it may be sent")
        let (invalid, invalidJSON) = patch(id, #"{"subnet_ids": ["subnet-1"], "services": ["nope"]}"#, etag: etag)
        #expect(invalid.status == 422)
        let invalidFields = Set(invalidJSON?["error"]?["details"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? [])
        #expect(invalidFields.isSuperset(of: ["subnet_ids[0]", "services[0]"]), "\(invalidFields)")
        #expect(patch(id, "[1]", etag: etag).0.status == 422)
        #expect(patch(id, "{", etag: etag).0.status == 400)
        #expect(try api.app.store.get(id)?.setup.status == .ready)
    }

    @Test func aPeeringSetupChangesOnlyItsPeersRouteTables() throws {
        let body =
            #"{"site":"us1","mode":"vpc_peering","region":"us-east-1","vpc_id":"vpc-0123456789abcdef0","subnet_ids":["subnet-01234567"],"security_group_ids":["sg-01234567"],"services":["metrics"],"peer":{"vpc_id":"vpc-89abcdef","region":"us-east-1"}}"#
        let id = try #require(api.call("POST", "/v1/setups", body: body).1?["id"]?.stringValue)
        try api.app.store.database.write { db in
            try db.run("UPDATE jobs SET state = 'succeeded' WHERE setup_id = ?", [.text(id)])
            try db.run("UPDATE setups SET status = 'ready' WHERE id = ?", [.text(id)])
        }
        let (preview, json) = patch(id, #"{"peer": {"route_table_ids": ["rtb-01234567"]}}"#, etag: nil, query: "?dry_run=true")
        #expect(preview.status == 200 && json?["change"]?["steps"] == ["check_routes"])
        #expect(json?["request"]?["peer"]?["route_table_ids"] == ["rtb-01234567"] && json?["request"]?["peer"]?["vpc_id"] == "vpc-89abcdef")
        let (refused, refusedJSON) = patch(id, #"{"peer": {"vpc_id": "vpc-11111111"}}"#, etag: nil, query: "?dry_run=true")
        #expect(refused.status == 422 && refusedJSON?["error"]?["details"]?.arrayValue?.first?["field"] == "peer.vpc_id")
        let etag = try #require(api.call("GET", "/v1/setups/\(id)").0.header("ETag"))
        let (applied, appliedJSON) = patch(id, #"{"peer": {"route_table_ids": ["rtb-01234567"]}}"#, etag: etag)
        #expect(applied.status == 202 && appliedJSON?["peer"]?["route_table_ids"] == ["rtb-01234567"])
        // The peer is the setup's spoke: it routes through the tables the setup now names.
        let peer = try api.app.store.database.read { try SpokeRows.setupPeer($0, setupID: id) }
        #expect(peer?.request.vpc.routeTableIDs == ["rtb-01234567"] && peer?.request.vpc.vpcID == "vpc-89abcdef")
    }

    @Test func aHubsChangeIsPlannedForItsSpokes() throws {
        let body =
            #"{"site":"us1","mode":"hub","region":"us-east-1","vpc_id":"vpc-0123456789abcdef0","subnet_ids":["subnet-01234567","subnet-89abcdef"],"security_group_ids":["sg-01234567"],"services":["metrics"]}"#
        let id = try #require(api.call("POST", "/v1/setups", body: body).1?["id"]?.stringValue)
        try api.app.store.database.write { db in
            try db.run("UPDATE jobs SET state = 'succeeded' WHERE setup_id = ?", [.text(id)])
            try db.run("UPDATE setups SET status = 'ready' WHERE id = ?", [.text(id)])
        }
        let (grown, grownJSON) = patch(id, #"{"services": ["metrics", "api"]}"#, etag: nil, query: "?dry_run=true")
        #expect(grown.status == 200)
        #expect(
            grownJSON?["change"]?["steps"]?.arrayValue?.compactMap(\.stringValue).suffix(3)
                == ["create_hosted_zone:api", "upsert_alias_record:api", "associate_spokes:api"])
        let (moved, movedJSON) = patch(id, #"{"subnet_ids": ["subnet-01234567"]}"#, etag: nil, query: "?dry_run=true")
        #expect(moved.status == 200 && movedJSON?["change"]?["steps"]?.arrayValue?.last == "spoke_routes", "\(movedJSON?.serializedString ?? "")")
    }

    @Test func aDryRunAnswersTheDifferenceAndStoresNothing() throws {
        let (id, etag) = try readySetup()
        let revision = try api.app.store.revision(id)
        for (body, query) in [
            (#"{"services": ["metrics", "api"], "subnet_ids": ["subnet-89abcdef"]}"#, "?dry_run=true"),
            (#"{"services": ["metrics", "api"], "subnet_ids": ["subnet-89abcdef"], "dry_run": true}"#, ""),
        ] {
            let (response, json) = patch(id, body, etag: nil, query: query)
            #expect(response.status == 200 && json?["dry_run"] == true)
            #expect(json?["change"]?["create"] == ["api"] && json?["change"]?["delete"] == ["logs_agent"] && json?["change"]?["modify"] == ["metrics"])
            let steps = json?["change"]?["steps"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(steps.first == "preflight_subnets" && steps.contains("modify_endpoint:metrics") && steps.last == "wait_available")
        }
        #expect(try api.app.store.revision(id) == revision)
        // Only the Agent version: nothing for AWS, so no job and the setup stays ready.
        let (agentOnly, json) = patch(id, #"{"agent_version": "7.60.0"}"#, etag: etag)
        #expect(agentOnly.status == 200 && json?["status"] == "ready" && json?["agent_version"] == "7.60.0")
    }
}
