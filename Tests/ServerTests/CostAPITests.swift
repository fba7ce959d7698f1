import Foundation
import Testing
@testable import Core
@testable import Server

/// `GET /v1/setups/{id}/cost` and the `cost` that plans carry, through the application responder.
@Suite struct CostAPITests {
    let api = SetupsAPITests.make()

    static let tenServices =
        #"{"site":"us1","region":"us-east-1","vpc_id":"vpc-0123456789abcdef0","subnet_ids":["subnet-01234567","subnet-89abcdef"],"security_group_ids":["sg-01234567"]}"#

    /// The trimmed real-format offer file the core tests read too.
    static let offerFile = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("CoreTests/Resources/amazonvpc-offer-us-east-1.json")

    @Test func aSetupsCostIsItsEndpointHoursAndTheImportedRatesChangeIt() throws {
        let (created, json) = api.call("POST", "/v1/setups", body: Self.tenServices)
        #expect(created.status == 202)
        #expect(json?["plan"]?["cost"]?["monthly_usd"]?.doubleValue == 146)
        let id = try #require(json?["id"]?.stringValue)

        let (response, cost) = api.call("GET", "/v1/setups/\(id)/cost")
        #expect(response.status == 200)
        #expect(cost?["setup_id"]?.stringValue == id && cost?["monthly_usd"]?.doubleValue == 146)
        #expect(cost?["items"]?.arrayValue?.first?["description"]?.stringValue == "10 endpoints × 2 AZs × 730 hours")

        let withData = api.call("GET", "/v1/setups/\(id)/cost?gb_per_month=2000").1
        #expect(withData?["monthly_usd"]?.doubleValue == 166)

        let offer = try Data(contentsOf: Self.offerFile)
        _ = try PriceBook(database: api.app.store.database).importOffer(offer, actor: "cli:test")
        let imported = api.call("GET", "/v1/setups/\(id)/cost").1
        #expect(imported?["monthly_usd"]?.doubleValue == 175.2)
        #expect(imported?["rates"]?["publication_date"]?.stringValue == "2026-10-15T18:34:12Z")
    }

    @Test func aDryRunAndAChangePreviewCarryTheCost() throws {
        let dryRun = #"{"dry_run":true,"# + Self.tenServices.dropFirst()
        let (response, json) = api.call("POST", "/v1/setups", body: dryRun)
        #expect(response.status == 200)
        #expect(json?["plan"]?["cost"]?["monthly_usd"]?.doubleValue == 146)

        let id = try #require(api.call("POST", "/v1/setups", body: Self.tenServices).1?["id"]?.stringValue)
        let preview = api.call("PATCH", "/v1/setups/\(id)?dry_run=true", body: #"{"services":["metrics","api"]}"#).1
        #expect(preview?["change"]?["cost"]?["monthly_usd"]?.doubleValue == 29.2)
    }

    @Test func aBadDataVolumeIsRefusedWithItsField() throws {
        let id = try #require(api.call("POST", "/v1/setups", body: Self.tenServices).1?["id"]?.stringValue)
        for bad in ["-1", "lots", "nan"] {
            let (response, json) = api.call("GET", "/v1/setups/\(id)/cost?gb_per_month=\(bad)")
            #expect(response.status == 400)
            #expect(json?["error"]?["details"]?.arrayValue?.first?["field"]?.stringValue == "gb_per_month")
        }
        #expect(api.call("GET", "/v1/setups/su_missing/cost").0.status == 404)
    }
}
