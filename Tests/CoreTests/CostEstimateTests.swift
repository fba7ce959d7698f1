import Foundation
import Testing
@testable import Core

/// Cost estimates: the bundled rates, the tiered data processing price, the hub's saving, and
/// AWS's offer file read into the database.
@Suite struct CostEstimateTests {
    static func offerFile() throws -> Data {
        try Data(contentsOf: #require(Bundle.module.url(forResource: "Resources/amazonvpc-offer-us-east-1", withExtension: "json")))
    }

    @Test func tenServicesInTwoZonesOfUSEast1CostOneHundredFortySixDollars() {
        let estimate = CostEstimate(shape: .init(region: "us-east-1", endpoints: 10, availabilityZones: 2), prices: RegionPrices.bundled["us-east-1"])
        #expect(estimate.monthlyUSD == 146.00)
        let json = estimate.json { RegionPrices.bundled[$0] }
        #expect(json["items"]?.arrayValue?.first?["quantity"]?.doubleValue == 14_600)
        #expect(json["rates"]?["source"]?.stringValue == "bundled")
        #expect(json["rates"]?["publication_date"]?.stringValue == RegionPrices.bundledPublicationDate)
        #expect(json["without_hub"] == nil)
    }

    @Test func everyCatalogRegionHasABundledRate() throws {
        for site in try Catalog.bundled().sites where site.privateLinkSupported {
            #expect(RegionPrices.bundled[site.awsRegion ?? ""] != nil, "no bundled rate for \(site.id)")
        }
    }

    @Test func dataProcessingIsChargedTierByTier() throws {
        let prices = try #require(RegionPrices.bundled["us-east-1"])
        #expect(prices.dataProcessingUSD(gb: 1000) == 10)
        // The first PB at $0.01, 1,000 GB more at $0.006.
        let expected: Double = 10_485.76 + 6
        #expect(abs(prices.dataProcessingUSD(gb: 1_049_576) - expected) < 1e-6)
        let json = CostEstimate(shape: .init(region: "us-east-1", endpoints: 1, availabilityZones: 1), prices: prices, gbPerMonth: 500)
            .json { _ in nil }
        let oneEndpointAndData: Double = 7.3 + 5
        #expect(json["monthly_usd"]?.doubleValue == oneEndpointAndData)
        #expect(json["items"]?.arrayValue?.map { $0["kind"]?.stringValue ?? "" } == ["endpoint_hours", "data_processing"])
    }

    @Test func anUnknownRegionSaysSoInsteadOfGuessing() {
        let json = CostEstimate(shape: .init(region: "me-central-1", endpoints: 3, availabilityZones: 2), prices: nil).json { _ in nil }
        #expect(json["monthly_usd"]?.isNull == true)
        #expect(json["unknown_region"]?.stringValue?.contains("prices import") == true)
    }

    @Test func aHubShowsWhatEndpointsInEverySpokeWouldCost() throws {
        let shape = CostEstimate.Shape(
            region: "us-east-1", endpoints: 10, availabilityZones: 2, hostedZones: 10, spokeRegions: ["us-east-1", "eu-west-1"],
            transitGatewayAttachments: ["tgw-attach-0123456789abcdef0"])
        let json = CostEstimate(shape: shape, prices: RegionPrices.bundled["us-east-1"]).json { RegionPrices.bundled[$0] }
        let hub: Double = 146 + 5
        #expect(json["monthly_usd"]?.doubleValue == hub)
        let tgw = try #require(json["items"]?.arrayValue?.last)
        #expect(tgw["kind"]?.stringValue == "transit_gateway_attachment")
        #expect(tgw["monthly_usd"]?.doubleValue == 0 && tgw["charged"]?.boolValue == false)
        // Hub VPC and us-east-1 spoke at $0.01, the eu-west-1 spoke at $0.011.
        let everywhere: Double = 146 + 146 + 160.6
        #expect(json["without_hub"]?["monthly_usd"]?.doubleValue == everywhere)
        #expect(json["without_hub"]?["saving_usd"]?.doubleValue == everywhere - hub)
    }

    @Test func theOfferFileGivesTheInterfaceEndpointRatesOnly() throws {
        let prices = try PriceListOffer.regionPrices(from: Self.offerFile())
        #expect(prices.map(\.region) == ["us-east-1"])
        let east = try #require(prices.first)
        #expect(east.endpointHourUSD == 0.012)  // not the GWLB endpoint's 0.0035, not the NAT gateway's
        #expect(east.dataTiers.map(\.usdPerGB) == [0.01, 0.006, 0.004])
        let limits: [Double?] = [1_048_576, 5_242_880, nil]
        #expect(east.dataTiers.map(\.upToGB) == limits)
        #expect(east.publicationDate == "2026-10-15T18:34:12Z" && east.source == "imported")
        #expect(throws: PriceListOffer.Invalid.self) { try PriceListOffer.regionPrices(from: Data(#"{"offerCode":"AmazonEC2"}"#.utf8)) }
    }

    @Test func anImportedOfferFileChangesTheEstimate() throws {
        let (database, folder) = try makeTestDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        let book = PriceBook(database: database)
        let shape = CostEstimate.Shape(region: "us-east-1", endpoints: 10, availabilityZones: 2)
        #expect(try book.estimate(shape)["monthly_usd"]?.doubleValue == 146)
        _ = try book.importOffer(Self.offerFile(), actor: "cli:test")
        let after = try book.estimate(shape)
        #expect(after["monthly_usd"]?.doubleValue == 175.2)
        #expect(after["rates"]?["source"]?.stringValue == "imported")
        #expect(after["rates"]?["publication_date"]?.stringValue == "2026-10-15T18:34:12Z")
        #expect(try book.all()["eu-west-2"]?.source == "bundled")  // regions the file does not name keep theirs
    }
}
