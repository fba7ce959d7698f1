import Foundation
import Logging
import Testing
@testable import Core
@testable import Server

/// `extra_services`: AWS's own Secrets Manager endpoint beside the Datadog ones.
@Suite struct ExtraServicesAPITests {
    let api = SetupsAPITests.make()

    @Test func secretsManagerIsPlannedInTheSetupsRegionAndNamedInTheAgentNotes() throws {
        let body = validSetupJSON.replacingOccurrences(of: "}", with: #","extra_services":["secretsmanager"]}"#)
        let (response, json) = api.call("POST", "/v1/setups", body: body)
        #expect(response.status == 202)
        let id = try #require(json?["id"]?.stringValue)
        #expect(json?["extra_services"] == .strings(["secretsmanager"]))
        let endpoint = try #require(json?["endpoints"]?.arrayValue?.first { $0["services"] == .strings(["secretsmanager"]) })
        #expect(endpoint["service_name"] == "com.amazonaws.us-east-1.secretsmanager")
        #expect(endpoint["private_dns_name"] == "secretsmanager.us-east-1.amazonaws.com")
        #expect(json?["plan"]?["steps"]?.arrayValue?.contains { $0["name"] == "create_endpoint:secretsmanager" } == true)
        let notes = api.call("GET", "/v1/setups/\(id)/agent-config").1?["notes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(notes.contains { $0.contains("com.amazonaws.us-east-1.secretsmanager") && $0.hasSuffix("this setup includes it.") })

        let plain = try #require(api.call("POST", "/v1/setups", body: validSetupJSON).1?["id"]?.stringValue)
        let plainNotes = api.call("GET", "/v1/setups/\(plain)/agent-config").1?["notes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(plainNotes.contains { $0.contains(#"add "extra_services": ["secretsmanager"]"#) })
    }

    @Test func unknownOrRepeatedExtraServicesAreRefusedAndNothingIsStored() throws {
        let body = validSetupJSON.replacingOccurrences(of: "}", with: #","extra_services":["secretsmanager","s3","secretsmanager"]}"#)
        let (response, json) = api.call("POST", "/v1/setups", body: body)
        #expect(response.status == 422)
        let fields = json?["error"]?["details"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []
        #expect(fields.contains("extra_services[1]") && fields.contains { $0.hasPrefix("extra_services") && $0 != "extra_services[1]" })
        #expect(api.call("GET", "/v1/setups").1?["setups"]?.arrayValue?.isEmpty == true)
    }
}
