import Foundation
import Logging
import Testing
@testable import Core
@testable import Server

/// `GET /metrics`, read by Prometheus's own Python text parser (prometheus_client, installed by
/// `.ci/run`).
@Suite struct MetricsTests {
    let api = SetupsAPITests.make()

    /// The families and samples prometheus_client parses out of an exposition, as JSON.
    static func parse(_ exposition: [UInt8]) throws -> JSON {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("metrics-\(UUID().uuidString).txt")
        try Data(exposition).write(to: file)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            out = [{"name": f.name, "type": f.type, "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
                   for f in text_string_to_metric_families(open(sys.argv[1]).read())]
            print(json.dumps(out))
            """, file.path,
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "prometheus_client could not parse the exposition (is it installed?)")
        return try JSON.parse(data)
    }

    @Test func theExpositionParsesAndCountsWhatHappened() throws {
        _ = api.call("POST", "/v1/setups", body: validSetupJSON)
        _ = api.call("GET", "/v1/setups/su_nothing")
        _ = api.call("GET", "/v1/setups?limit=5")
        let (response, _) = api.call("GET", "/metrics")
        #expect(response.status == 200)
        #expect(response.header("Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
        let families = try #require(try Self.parse(response.body).arrayValue)
        func samples(_ family: String) -> [JSON] {
            families.first { $0["name"]?.stringValue == family }?["samples"]?.arrayValue ?? []
        }
        // Requests by route template, never the raw path.
        let requests = samples("privatelinkd_http_requests")
        let routes = Set(requests.compactMap { $0["labels"]?["route"]?.stringValue })
        #expect(routes.isSuperset(of: ["/v1/setups", "/v1/setups/{id}"]))
        #expect(!routes.contains { $0.contains("su_") })
        #expect(requests.contains { $0["labels"]?["route"]?.stringValue == "/v1/setups/{id}" && $0["labels"]?["status"]?.stringValue == "404" })
        #expect(families.first { $0["name"]?.stringValue == "privatelinkd_http_request_duration_seconds" }?["type"]?.stringValue == "histogram")
        // Rows by status, read at the scrape.
        let pending = samples("privatelinkd_setups").first { $0["labels"]?["status"]?.stringValue == "pending" }
        #expect(pending?["value"]?.doubleValue == 1)
        let queued = samples("privatelinkd_jobs").first { $0["labels"]?["kind"]?.stringValue == "provision" && $0["labels"]?["state"]?.stringValue == "queued" }
        #expect(queued?["value"]?.doubleValue == 1)
        // In-place changes are counted too: the updating status and update jobs are always there.
        #expect(samples("privatelinkd_setups").contains { $0["labels"]?["status"]?.stringValue == "updating" && $0["value"]?.doubleValue == 0 })
        #expect(samples("privatelinkd_jobs").contains { $0["labels"]?["kind"]?.stringValue == "update" })
        #expect(samples("privatelinkd_oldest_queued_job_age_seconds").first?["value"]?.doubleValue.map { $0 >= 0 } == true)
    }

    @Test func awsCallsAreCountedByOutcome() {
        let metrics = ServiceMetrics()
        func call(_ status: Int?, _ code: String?, attempt: Int = 1) -> AWSCallRecord {
            AWSCallRecord(
                at: Date(), accountID: nil, region: "us-east-1", service: .ec2, action: "CreateVpcEndpoint", attempt: attempt,
                httpStatus: status, errorCode: code, errorMessage: nil, requestID: nil, durationMilliseconds: 1,
                throttleWaitMilliseconds: 250, setupID: nil, jobID: nil)
        }
        #expect(ServiceMetrics.outcome(call(200, nil)) == "ok")
        #expect(ServiceMetrics.outcome(call(400, "RequestLimitExceeded")) == "throttled")
        #expect(ServiceMetrics.outcome(call(400, "InvalidParameter")) == "client_error")
        #expect(ServiceMetrics.outcome(call(503, "Unavailable")) == "server_error")
        #expect(ServiceMetrics.outcome(call(nil, "timeout")) == "network")
        metrics.recordAWSCall(call(200, nil, attempt: 2))
        let text = metrics.registry.emitToString()
        #expect(text.contains(#"privatelinkd_aws_calls_total{service="ec2",action="CreateVpcEndpoint",outcome="ok"} 1"#))
        #expect(text.contains(#"privatelinkd_aws_retries_total{service="ec2",action="CreateVpcEndpoint"} 1"#))
        #expect(text.contains(#"privatelinkd_aws_rate_limiter_wait_seconds_total{service="ec2"} 0.25"#))
    }
}
