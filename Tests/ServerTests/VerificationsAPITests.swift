import Foundation
import Logging
import Testing
@testable import Core
@testable import Server

/// `POST …/verify` and `GET …/verifications` through the application responder, with the verify
/// job run by the real runner on a resolver and prober that answer from tables (no network).
@Suite struct VerificationsAPITests {
    let api = SetupsAPITests.make()

    struct TableResolver: DNSResolver {
        func resolveA(_ name: String) -> DNSAnswer {
            name == "metrics.agent.datadoghq.com"
                ? DNSAnswer(outcome: .noError, records: [DNSRecord(name: name, type: "A", ttl: 60, value: "10.0.1.5")], resolver: "127.0.0.1:53")
                : DNSAnswer(outcome: .nxDomain, records: [], resolver: "127.0.0.1:53")
        }
    }

    struct OpenProber: AddressProber {
        func probe(address: String, hostname: String) -> ProbeOutcome {
            ProbeOutcome(
                address: address, tcp: .connected,
                tls: TLSOutcome(status: .ok, detail: "", subject: "/CN=\(hostname)", issuer: "/CN=ca", protocolVersion: "TLSv1.3"))
        }
    }

    /// Claims the queued verify job and runs it, as the worker thread would.
    func runVerifyJob() throws {
        let store = api.app.store
        let runner = VerificationJobRunner(
            store: store, aws: nil, catalog: try Catalog.bundled(),
            verifier: Verifier(resolver: TableResolver(), prober: OpenProber()),
            settings: VerificationSettings(), logger: Logger(label: "test"))
        let job = try #require(try JobQueue(database: store.database).claim(owner: "test#0", lease: 30, kinds: [.verify]))
        runner.run(job, owner: "test#0")
    }

    @Test func verifyAnswers202ThenTheResultIsListedAndShownOnTheSetup() throws {
        let (_, created) = api.call("POST", "/v1/setups", body: validSetupJSON)
        let id = try #require(created?["id"]?.stringValue)
        #expect(created?["latest_verification"] == .null)

        let (queued, run) = api.call("POST", "/v1/setups/\(id)/verify")
        let vid = try #require(run?["id"]?.stringValue)
        #expect(queued.status == 202 && queued.header("Location") == "/v1/setups/\(id)/verifications/\(vid)")
        #expect(run?["state"] == "queued" && run?["trigger"] == "manual" && run?["passed"] == .null)
        #expect(api.call("POST", "/v1/setups/\(id)/verify").1?["id"]?.stringValue == vid)  // one open run at a time

        // Provisioning is mid-way (as a worker would have it): the verification leaves its step alone.
        try api.app.store.database.write { try $0.run("UPDATE setups SET current_step = 'wait_available' WHERE id = ?", [.text(id)]) }
        try runVerifyJob()
        #expect(api.call("GET", "/v1/setups/\(id)").1?["current_step"] == "wait_available")
        let (shown, done) = api.call("GET", "/v1/setups/\(id)/verifications/\(vid)")
        #expect(shown.status == 200 && done?["state"] == "failed" && done?["passed"] == .bool(false))
        #expect(done?["endpoint_addresses_known"] == .bool(false) && done?["note"]?.stringValue?.contains("no AWS access") == true)
        let results = try #require(done?["results"]?.arrayValue)
        let metrics = try #require(results.first { $0["hostname"] == "metrics.agent.datadoghq.com" })
        #expect(metrics["passed"] == .bool(true) && metrics["code"] == "ok")
        #expect(metrics["answers"]?.arrayValue?.first?["value"] == "10.0.1.5" && metrics["probes"]?.arrayValue?.first?["tls"]?["status"] == "ok")
        #expect(results.count == 2 && results.first { $0["hostname"] == "agent-http-intake.logs.datadoghq.com" }?["code"] == "dns_nxdomain")

        let setup = api.call("GET", "/v1/setups/\(id)").1
        #expect(setup?["latest_verification"]?["id"]?.stringValue == vid && setup?["latest_verification"]?["results"] == nil)
        #expect(setup?["links"]?["verifications"] == .string("/v1/setups/\(id)/verifications"))

        // A second run: newest first, one per page with a cursor.
        let second = try #require(api.call("POST", "/v1/setups/\(id)/verify").1?["id"]?.stringValue)
        #expect(second != vid)
        let (_, page1) = api.call("GET", "/v1/setups/\(id)/verifications?limit=1")
        #expect(page1?["verifications"]?.arrayValue?.map { $0["id"] } == [.string(second)])
        let cursor = try #require(page1?["next_cursor"]?.stringValue)
        let (_, page2) = api.call("GET", "/v1/setups/\(id)/verifications?limit=1&cursor=\(cursor)")
        #expect(page2?["verifications"]?.arrayValue?.map { $0["id"] } == [.string(vid)] && page2?["next_cursor"] == .null)
    }

    @Test func errorsHaveStableCodes() throws {
        #expect(api.call("POST", "/v1/setups/st_nope/verify").1?["error"]?["code"] == "not_found")
        #expect(api.call("GET", "/v1/setups/st_nope/verifications").0.status == 404)
        let id = try #require(api.call("POST", "/v1/setups", body: validSetupJSON).1?["id"]?.stringValue)
        #expect(api.call("GET", "/v1/setups/\(id)/verifications/vf_nope").0.status == 404)
        #expect(api.call("GET", "/v1/setups/\(id)/verifications?limit=0").1?["error"]?["code"] == "validation_failed")
        #expect(api.call("GET", "/v1/setups/\(id)/verifications?cursor=zzz").0.status == 400)
        _ = api.call("DELETE", "/v1/setups/\(id)")
        let (conflict, body) = api.call("POST", "/v1/setups/\(id)/verify")
        #expect(conflict.status == 409 && body?["error"]?["code"] == "conflict")
    }
}
