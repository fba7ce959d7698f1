import Foundation
import Testing
@testable import Core
@testable import Server

/// The spokes routes through the application responder (no AWS: the spoke's job is only queued).
@Suite struct SpokesAPITests {
    let api = SetupsAPITests.make()

    static let hub =
        #"{"site":"us1","mode":"hub","region":"us-east-1","vpc_id":"vpc-0123456789abcdef0","subnet_ids":["subnet-01234567","subnet-89abcdef"],"security_group_ids":["sg-01234567"],"services":["metrics","api"]}"#
    static let spoke = #"{"vpc_id":"vpc-0aaaaaaaaaaaaaaaa","region":"us-east-1","transport":"transit_gateway","transit_gateway_id":"tgw-0bbbbbbbbbbbbbbbb"}"#

    /// A hub moved to ready as its workers would have moved it (its provisioning job done).
    func readyHub() throws -> String {
        let id = try #require(api.call("POST", "/v1/setups", body: Self.hub).1?["id"]?.stringValue)
        try api.app.store.database.write { db in
            try db.run("UPDATE jobs SET state = 'succeeded' WHERE setup_id = ? AND kind = 'provision'", [.text(id)])
            for status in [SetupStatus.provisioning, .ready] {
                try TransitionLog.moveSetup(db, id: id, to: status, actor: "test", reason: "test", now: Timestamp.string(Date()))
            }
        }
        return id
    }

    @Test func aSpokeIsPlannedPricedQueuedListedAndRemoved() throws {
        let hub = try readyHub()
        let (preview, previewJSON) = api.call("POST", "/v1/setups/\(hub)/spokes", body: #"{"dry_run":true,"# + Self.spoke.dropFirst())
        #expect(preview.status == 200)
        let steps = previewJSON?["plan"]?["steps"]?.arrayValue?.compactMap { $0["name"]?.stringValue }
        #expect(steps == ["preflight_peer_vpc", "check_routes", "associate_zone:metrics", "associate_zone:api"])
        let cost = previewJSON?["plan"]?["cost"]
        #expect(cost?["without_hub"]?["vpcs"]?.intValue == 2)
        #expect(cost?["items"]?.arrayValue?.contains { $0["kind"]?.stringValue == "transit_gateway_attachment" } == true)
        #expect(try api.app.store.spokes(of: hub).isEmpty)

        let headers = [(name: "Idempotency-Key", value: "spoke-1")]
        let (created, json) = api.call("POST", "/v1/setups/\(hub)/spokes", body: Self.spoke, headers: headers)
        #expect(created.status == 202)
        let spokeID = try #require(json?["id"]?.stringValue)
        #expect(created.headerFields[.location] == "/v1/setups/\(hub)/spokes/\(spokeID)")
        #expect(json?["status"]?.stringValue == "pending" && json?["plan"]?["steps"]?.arrayValue?.count == 4)
        let replayed = api.call("POST", "/v1/setups/\(hub)/spokes", body: Self.spoke, headers: headers)
        #expect(replayed.0.status == 202 && replayed.1?["id"]?.stringValue == spokeID)
        #expect(api.call("POST", "/v1/setups/\(hub)/spokes", body: Self.spoke).0.status == 409)  // already a live spoke

        // /metrics counts spokes by status and their jobs by kind.
        let families = try #require(try MetricsTests.parse(api.call("GET", "/metrics").0.body).arrayValue)
        func sample(_ family: String, _ labels: [String: String]) -> Double? {
            families.first { $0["name"]?.stringValue == family }?["samples"]?.arrayValue?
                .first { sample in labels.allSatisfy { sample["labels"]?[$0.key]?.stringValue == $0.value } }?["value"]?.doubleValue
        }
        #expect(sample("privatelinkd_spokes", ["status": "pending"]) == 1 && sample("privatelinkd_spokes", ["status": "ready"]) == 0)
        #expect(sample("privatelinkd_jobs", ["kind": "add_spoke", "state": "queued"]) == 1)

        let list = api.call("GET", "/v1/setups/\(hub)/spokes").1
        #expect(list?["spokes"]?.arrayValue?.map { $0["id"]?.stringValue } == [spokeID])
        let shown = api.call("GET", "/v1/setups/\(hub)/spokes/\(spokeID)").1
        #expect(shown?["jobs"]?.arrayValue?.first?["kind"]?.stringValue == "add_spoke")
        let config = api.call("GET", "/v1/setups/\(hub)/spokes/\(spokeID)/agent-config").1
        #expect(config?["vpc_id"]?.stringValue == "vpc-0aaaaaaaaaaaaaaaa" && config?["site"]?.stringValue == "us1")
        #expect(config?["region"]?.stringValue == "us-east-1")
        #expect(config?["settings"]?.arrayValue?.contains { $0["value"]?.stringValue == "datadoghq.com" } == true)
        #expect(api.call("POST", "/v1/setups/\(hub)/spokes/\(spokeID)/retry").0.status == 409)
        // A spoke is verified once it is ready: the run names it.
        #expect(api.call("POST", "/v1/setups/\(hub)/spokes/\(spokeID)/verify").0.status == 409)
        try api.app.store.database.write { db in
            for status in [SpokeStatus.provisioning, .ready] {
                try TransitionLog.moveSpoke(db, id: spokeID, to: status, actor: "test", reason: "test", now: Timestamp.string(Date()))
            }
        }
        let (verifying, run) = api.call("POST", "/v1/setups/\(hub)/spokes/\(spokeID)/verify")
        #expect(verifying.status == 202 && run?["spoke_id"]?.stringValue == spokeID && run?["state"]?.stringValue == "queued")
        let runs = api.call("GET", "/v1/setups/\(hub)/verifications").1?["verifications"]?.arrayValue
        #expect(runs?.first?["spoke_id"]?.stringValue == spokeID)

        // While a spoke is on its way in or out, the hub keeps still (its change reaches every spoke).
        let etag = try #require(api.call("GET", "/v1/setups/\(hub)").0.headerFields[.eTag])
        let (refused, refusal) = api.call("PATCH", "/v1/setups/\(hub)", body: #"{"services":["metrics"]}"#, headers: [(name: "If-Match", value: etag)])
        #expect(refused.status == 409 && refusal?["error"]?["message"]?.stringValue?.contains(spokeID) == true)

        let (removed, removedJSON) = api.call("DELETE", "/v1/setups/\(hub)/spokes/\(spokeID)")
        #expect(removed.status == 202 && removedJSON?["status"]?.stringValue == "deleting")
        // While its removal job is open, retry has nothing to do; left deleting without one (a hub
        // teardown that failed), retry queues the removal again.
        #expect(api.call("POST", "/v1/setups/\(hub)/spokes/\(spokeID)/retry").0.status == 409)
        try api.app.store.database.write { db in
            for job in try SpokeRows.jobs(db, spokeID: spokeID) where job.state == .queued {
                try TransitionLog.moveJob(db, id: job.id, to: .cancelled, actor: "test", reason: "a failed hub teardown", now: Timestamp.string(Date()))
            }
        }
        #expect(api.call("POST", "/v1/setups/\(hub)/spokes/\(spokeID)/retry").0.status == 202)
        let again = try api.app.store.database.read { try SpokeRows.jobs($0, spokeID: spokeID) }
        #expect(again.first?.kind == .removeSpoke && again.first?.state == .queued)
        let events = try api.app.store.events(hub) ?? []
        #expect(events.filter { $0.entityType == "spoke" }.map(\.toState) == ["pending", "provisioning", "ready", "deleting"])
        #expect(api.call("GET", "/v1/setups/\(hub)/spokes/sp_missing").0.status == 404)
    }

    /// A failed spoke is retried whole against the hub as it is now: an add planned again with the
    /// hub's current zones; a removal whole.
    @Test func aFailedSpokeIsRetriedAgainstTheHubAsItIsNow() throws {
        let hub = try readyHub()
        let spokeID = try #require(api.call("POST", "/v1/setups/\(hub)/spokes", body: Self.spoke).1?["id"]?.stringValue)
        let store = api.app.store
        func fail(_ kind: JobKind, completed: Int, from: [SpokeStatus]) throws {
            try store.database.write { db in
                let now = Timestamp.string(Date())
                let job = try #require(try SpokeRows.jobs(db, spokeID: spokeID).first { $0.kind == kind })
                try db.run("UPDATE jobs SET completed_steps = ? WHERE id = ?", [.int(completed), .text(job.id)])
                try TransitionLog.moveJob(db, id: job.id, to: .running, actor: "test", reason: "test", now: now)
                try TransitionLog.moveJob(db, id: job.id, to: .failed, actor: "test", reason: "test", now: now)
                for status in from { try TransitionLog.moveSpoke(db, id: spokeID, to: status, actor: "test", reason: "test", now: now) }
            }
        }
        // The add failed after its preflight and routes; the hub has gained a zone since.
        try fail(.addSpoke, completed: 2, from: [.provisioning, .failed])
        try store.database.write { db in
            let endpoint = PlannedEndpoint(services: ["logs_agent"], serviceName: "com.amazonaws.vpce.us-east-1.vpce-svc-logs", privateDNSName: "l")
            try SetupStore.insertPlanned(db, endpoint, setupID: hub, actor: "test", now: Timestamp.string(Date()))
        }
        #expect(api.call("POST", "/v1/setups/\(hub)/spokes/\(spokeID)/retry").0.status == 202)
        let again = try store.database.read { try SpokeRows.jobs($0, spokeID: spokeID) }.first
        #expect(
            again?.steps == ["preflight_peer_vpc", "check_routes", "associate_zone:metrics", "associate_zone:api", "associate_zone:logs_agent"],
            "\(again?.steps ?? [])")

        // A removal that failed half-way runs whole again.
        try store.database.write { db in
            try TransitionLog.moveJob(db, id: again!.id, to: .cancelled, actor: "test", reason: "test", now: Timestamp.string(Date()))
        }
        #expect(api.call("DELETE", "/v1/setups/\(hub)/spokes/\(spokeID)").0.status == 202)
        try fail(.removeSpoke, completed: 1, from: [.failed])
        #expect(api.call("POST", "/v1/setups/\(hub)/spokes/\(spokeID)/retry").0.status == 202)
        let removal = try store.database.read { try SpokeRows.jobs($0, spokeID: spokeID) }.first
        #expect(removal?.kind == .removeSpoke && removal?.steps == ["disassociate_zones", "delete_routes"])
    }

    @Test func spokesAreRefusedOnAnythingButAReadyHub() throws {
        let plain = try #require(api.call("POST", "/v1/setups", body: validSetupJSON).1?["id"]?.stringValue)
        let (notHub, json) = api.call("POST", "/v1/setups/\(plain)/spokes", body: Self.spoke)
        #expect(notHub.status == 422 && json?["error"]?["details"]?.arrayValue?.first?["code"]?.stringValue == "not_a_hub")
        let pendingHub = try #require(api.call("POST", "/v1/setups", body: Self.hub).1?["id"]?.stringValue)
        #expect(api.call("POST", "/v1/setups/\(pendingHub)/spokes", body: Self.spoke).0.status == 409)
        let hub = try readyHub()
        for (body, field) in [
            (#"{"vpc_id":"vpc-0aaaaaaaaaaaaaaaa","region":"eu-west-1","transport":"transit_gateway"}"#, "transit_gateway_id"),
            (#"{"vpc_id":"vpc-0aaaaaaaaaaaaaaaa","region":"eu-west-1","transport":"carrier_pigeon"}"#, "transport"),
            (#"{"vpc_id":"vpc-0aaaaaaaaaaaaaaaa","region":"eu-west-1","transport":"transit_gateway","transit_gateway_id":"tgw-0bbbbbbbbbbbbbbbb"}"#, "region"),
            (#"{"vpc_id":"vpc-0123456789abcdef0","region":"us-east-1","transport":"peering"}"#, "vpc_id"),
            (#"{"vpc_id":"vpc-0aaaaaaaaaaaaaaaa","region":"eu-west-1","transport":"peering","colour":"blue"}"#, "colour"),
        ] {
            let (response, refusal) = api.call("POST", "/v1/setups/\(hub)/spokes", body: body)
            #expect(response.status == 422, "\(body)")
            #expect(refusal?["error"]?["details"]?.arrayValue?.contains { $0["field"]?.stringValue == field } == true, "\(body)")
        }
    }
}
