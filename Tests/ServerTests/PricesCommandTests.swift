import Foundation
import Testing
import TestSupport
@testable import Core

/// `privatelinkd prices import` beside a running server: the next estimate uses the imported rates.
@Suite(.serialized) struct PricesCommandTests {
    @Test func importingAnOfferFileChangesARunningServersEstimate() throws {
        let folder = try ProcessTests.temporaryFolder()
        let db = folder.appendingPathComponent("prices.sqlite").path
        let server = try ProcessTests.RunningServer(arguments: ["--port", "0", "--db", db, "--workers", "0"])
        try #require(server.waitForListening() != nil, "stderr: \(server.stderr)")
        let url = "http://127.0.0.1:\(server.port)"
        let created = try JSON.parse(try ProcessTests.curl(["\(url)/v1/setups", "-d", CostAPITests.tenServices]))
        let id = try #require(created["id"]?.stringValue)
        #expect(created["plan"]?["cost"]?["monthly_usd"]?.doubleValue == 146)

        let imported = try TokenProcessTests.command(["prices", "import", CostAPITests.offerFile.path, "--db", db])
        #expect(imported.status == 0, "\(imported.err)")
        #expect(imported.out.contains("us-east-1") && imported.out.contains("2026-10-15T18:34:12Z"))
        let cost = try JSON.parse(try ProcessTests.curl(["\(url)/v1/setups/\(id)/cost"]))
        #expect(cost["monthly_usd"]?.doubleValue == 175.2)

        let listed = try TokenProcessTests.command(["prices", "list", "--db", db])
        #expect(listed.out.contains("us-east-1\t0.012\t0.01\timported") && listed.out.contains("eu-west-2\t0.011\t0.01\tbundled"))

        let notJSON = folder.appendingPathComponent("not-an-offer.json")
        try Data("<html>".utf8).write(to: notJSON)
        let wrong = try TokenProcessTests.command(["prices", "import", notJSON.path, "--db", db])
        #expect(wrong.status != 0 && wrong.err.contains("not JSON"))
    }
}
