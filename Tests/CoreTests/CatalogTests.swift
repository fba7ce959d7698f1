import Foundation
import Testing
@testable import Core

@Suite struct CatalogTests {
    let catalog = try! Catalog.bundled()

    @Test func bundledCatalogHasEveryCheckedSite() throws {
        #expect(catalog.problems().isEmpty)
        #expect(catalog.sites.map(\.id) == ["us1", "us3", "us5", "eu1", "ap1", "ap2", "uk1", "us1_fed", "us2_fed"])
        #expect(catalog.supportedSites.map(\.id) == ["us1", "ap1", "ap2", "uk1"])
        for site in catalog.supportedSites {
            #expect(site.services.map(\.id) == Catalog.serviceIDs)
        }
        for id in ["us3", "us5", "eu1", "us1_fed", "us2_fed"] {
            let site = try #require(catalog.site(id))
            #expect(!site.privateLinkSupported)
            #expect(site.awsRegion == nil)
        }
    }

    @Test func laterDocumentationCorrectionsAreApplied() throws {
        let ap2 = try #require(catalog.site("ap2"))
        #expect(ap2.service("metrics")?.serviceName == "com.amazonaws.vpce.ap-southeast-2.vpce-svc-06a30d6a016b746ff")
        #expect(ap2.service("metrics")?.serviceName != ap2.service("process")?.serviceName)
        let us1 = try #require(catalog.site("us1"))
        #expect(us1.service("api")?.serviceName == "com.amazonaws.vpce.us-east-1.vpce-svc-07895350fd0109264")
        #expect(us1.service("api")?.privateDNSName == "orchid.intake.datadoghq.com")
        #expect(us1.service("api")?.hostname == "api.datadoghq.com")
        #expect(us1.service("traces")?.serviceName == "com.amazonaws.vpce.us-east-1.vpce-svc-0ee865cd1c0a7ba32")
        let uk1 = try #require(catalog.site("uk1"))
        #expect(uk1.awsRegion == "eu-west-2")
        #expect(uk1.service("metrics")?.hostname == "metrics.agent.uk1.datadoghq.com")
        #expect(uk1.service("metrics")?.usesAnchor == true)
    }

    @Test func operatorCatalogFileReplacesTheBundledOne() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("catalog.json")
        let original = try Data(contentsOf: Catalog.bundledURL!)
        let changed = String(decoding: original, as: UTF8.self)
            .replacingOccurrences(of: "vpce-svc-09a8006e245d1e7b8", with: "vpce-svc-0aaaaaaaaaaaaaaaa")
        try Data(changed.utf8).write(to: url)
        let loaded = try Catalog.load(from: url)
        #expect(loaded.site("us1")?.service("metrics")?.serviceName == "com.amazonaws.vpce.us-east-1.vpce-svc-0aaaaaaaaaaaaaaaa")
    }

    @Test func brokenCatalogIsRefusedWithItsProblems() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let url = folder.appendingPathComponent("catalog.json")
        let original = try Data(contentsOf: Catalog.bundledURL!)
        // A us1 service name pointing at another region is a catalog mistake.
        let broken = String(decoding: original, as: UTF8.self)
            .replacingOccurrences(
                of: "com.amazonaws.vpce.us-east-1.vpce-svc-09a8006e245d1e7b8", with: "com.amazonaws.vpce.eu-west-1.vpce-svc-09a8006e245d1e7b8")
        try Data(broken.utf8).write(to: url)
        #expect {
            try Catalog.load(from: url)
        } throws: { error in
            "\(error)".contains("site us1 service metrics")
        }
        try Data("{\"not\": \"a catalog\"}".utf8).write(to: url)
        #expect(throws: CatalogError.self) { try Catalog.load(from: url) }
    }
}
