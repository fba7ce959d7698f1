import Foundation
import Logging
import Testing
@testable import Core
@testable import Server

/// The API through the application responder, without sockets.
@Suite struct SetupsAPITests {
    let app: Application

    init() throws {
        app = try Self.makeApplication()
    }

    init(app: Application) { self.app = app }

    /// A fresh API on its own database, for other suites.
    static func make() -> SetupsAPITests { SetupsAPITests(app: try! makeApplication()) }

    static func makeApplication() throws -> Application {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("privatelinkd-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = try Database(path: folder.appendingPathComponent("api.sqlite").path, readers: 2)
        try Migrator(migrations: Migration.load(from: Migrator.locateDirectory(explicit: nil))).migrate(database)
        return Application(
            catalog: try Catalog.bundled(), store: SetupStore(database: database),
            corsOrigins: ["https://dash.example"], logger: Logger(label: "test"))
    }

    func call(_ method: String, _ target: String, body: String? = nil, headers: [(name: String, value: String)] = []) -> (Response, JSON?) {
        let response = app.respond(to: Request(method: method, target: target, headers: headers, body: Array((body ?? "").utf8)))
        return (response, try? JSON.parse(response.body))
    }

    @Test func createAnswers202WithLocationAndPlanThenShowsIt() throws {
        let (response, json) = call("POST", "/v1/setups", body: validSetupJSON)
        #expect(response.status == 202)
        let id = try #require(json?["id"]?.stringValue)
        #expect(response.header("Location") == "/v1/setups/\(id)")
        #expect(json?["status"] == "pending")
        #expect(json?["plan"]?["steps"]?.arrayValue?.count == 8)
        #expect(json?["endpoints"]?.arrayValue?.count == 2)
        let (shown, detail) = call("GET", "/v1/setups/\(id)")
        #expect(shown.status == 200)
        #expect(detail?["jobs"]?.arrayValue?.first?["state"] == "queued")
        #expect(detail?["jobs"]?.arrayValue?.first?["steps"] == json?["plan"]?["steps"]?.arrayValue.map { .array($0.compactMap { $0["name"] }) })
        let (_, events) = call("GET", "/v1/setups/\(id)/events")
        let list = try #require(events?["events"]?.arrayValue)
        #expect(list.first?["entity_type"] == "setup" && list.first?["to_state"] == "pending")
        #expect(list.count == 4)
    }

    @Test func etagAnswers304AndACachedAnswerNeverOutlivesAChange() throws {
        let (_, created) = call("POST", "/v1/setups", body: validSetupJSON)
        let id = try #require(created?["id"]?.stringValue)
        let (first, firstJSON) = call("GET", "/v1/setups/\(id)")
        let etag = try #require(first.header("ETag"))
        let (again, againJSON) = call("GET", "/v1/setups/\(id)")
        #expect(again.header("ETag") == etag)
        #expect(againJSON == firstJSON)
        let (notModified, _) = call("GET", "/v1/setups/\(id)", headers: [(name: "If-None-Match", value: etag)])
        #expect(notModified.status == 304)
        #expect(notModified.body.isEmpty)

        // A change written behind the API's back (as a worker would) shows at once.
        let endpointID = try #require(firstJSON?["endpoints"]?.arrayValue?.first?["id"]?.stringValue)
        _ = try app.store.database.write {
            try TransitionLog.moveEndpoint($0, id: endpointID, to: .available, actor: "worker", reason: nil, now: Timestamp.string(Date()))
        }
        let (changed, changedJSON) = call("GET", "/v1/setups/\(id)", headers: [(name: "If-None-Match", value: etag)])
        #expect(changed.status == 200)
        #expect(changed.header("ETag") != etag)
        #expect(changedJSON?["endpoints"]?.arrayValue?.first?["state"] == "available")
    }

    @Test func deleteQueuesTeardownAndRetryOnlyFitsFailedSetups() throws {
        let (_, created) = call("POST", "/v1/setups", body: validSetupJSON)
        let id = try #require(created?["id"]?.stringValue)
        let (notFailed, notFailedJSON) = call("POST", "/v1/setups/\(id)/retry")
        #expect(notFailed.status == 409 && notFailedJSON?["error"]?["code"] == "conflict")
        let (deleted, deletedJSON) = call("DELETE", "/v1/setups/\(id)")
        #expect(deleted.status == 202)
        #expect(deletedJSON?["status"] == "deleting")
        let jobs = try #require(deletedJSON?["jobs"]?.arrayValue)
        #expect(jobs.map { $0["kind"]?.stringValue } == ["provision", "teardown"])
        #expect(jobs.map { $0["state"]?.stringValue } == ["cancelled", "queued"])
        let (again, _) = call("DELETE", "/v1/setups/\(id)")
        #expect(again.status == 409)
        let (missing, _) = call("DELETE", "/v1/setups/su_nothing")
        #expect(missing.status == 404)
        let (_, events) = call("GET", "/v1/setups/\(id)/events")
        #expect(events?["events"]?.arrayValue?.contains { $0["to_state"] == "cancelled" && $0["reason"] == "setup deletion requested" } == true)
        // A deletion that failed is not undone by a retry (which would provision again): DELETE goes on.
        try app.store.database.write { db in
            let now = Timestamp.string(Date())
            let teardown = try #require(try db.firstRow("SELECT id FROM jobs WHERE setup_id = ? AND kind = 'teardown'", [.text(id)]) { $0.string(0) })
            try TransitionLog.moveJob(db, id: teardown, to: .running, actor: "test", reason: "test", now: now)
            try TransitionLog.moveJob(db, id: teardown, to: .failed, actor: "test", reason: "test", now: now)
            try TransitionLog.moveSetup(db, id: id, to: .failed, actor: "test", reason: "delete_failed", now: now)
        }
        let (retried, retriedJSON) = call("POST", "/v1/setups/\(id)/retry")
        #expect(retried.status == 409 && retriedJSON?["error"]?["message"]?.stringValue?.contains("DELETE it again") == true)
        #expect(call("DELETE", "/v1/setups/\(id)").0.status == 202)
    }

    func created(_ changes: String) throws -> String {
        let body = validSetupJSON.replacingOccurrences(of: "}", with: changes + "}")
        let (response, json) = call("POST", "/v1/setups", body: body)
        #expect(response.status == 202)
        return try #require(json?["id"]?.stringValue)
    }

    @Test func agentConfigInThreeFormatsFollowsTheGuide() throws {
        let unknown = try created("")  // metrics and logs_agent, no agent_version
        let (json, body) = call("GET", "/v1/setups/\(unknown)/agent-config")
        #expect(json.status == 200)
        let settings = try #require(body?["settings"]?.arrayValue)
        #expect(settings.first?["env"] == "DD_SITE" && settings.first?["value"] == "datadoghq.com")
        let force = try #require(settings.first { $0["env"] == "DD_LOGS_CONFIG_FORCE_USE_HTTP" })
        #expect(force["value"] == "true" && force["reason"]?.stringValue?.contains("no agent_version") == true)
        let notes = body?["notes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(notes.contains { $0.contains("Restart the Agent") })
        #expect(notes.contains { $0.contains("Lambda Extension does not need") })
        #expect(notes.contains { $0.contains("DD_API_KEY_SECRET_ARN") && $0.contains("secretsmanager") })

        let (yaml, _) = call("GET", "/v1/setups/\(unknown)/agent-config?format=yaml")
        let yamlText = String(decoding: yaml.body, as: UTF8.self)
        #expect(yaml.header("Content-Type") == "application/yaml; charset=utf-8")
        #expect(yamlText.contains("\nsite: datadoghq.com\n"))
        #expect(yamlText.contains("logs_config:\n  # ") && yamlText.contains("\n  force_use_http: true\n"))

        let (env, _) = call("GET", "/v1/setups/\(unknown)/agent-config?format=env")
        let envText = String(decoding: env.body, as: UTF8.self)
        #expect(envText.contains("\nDD_SITE=datadoghq.com\n") && envText.contains("\nDD_LOGS_CONFIG_FORCE_USE_HTTP=true\n"))
        #expect(envText.split(separator: "\n").allSatisfy { $0.hasPrefix("#") || $0.contains("=") })

        let (bad, badJSON) = call("GET", "/v1/setups/\(unknown)/agent-config?format=toml")
        #expect(bad.status == 400 && badJSON?["error"]?["code"] == "validation_failed")
        #expect(call("GET", "/v1/setups/su_none/agent-config").0.status == 404)
    }

    @Test func forceUseHTTPOnlyForAgentsOlderThan619Or719() throws {
        for (version, required) in [("6.18.1", true), ("6.19.0", false), ("7.18", true), ("7.19.0", false), ("7.60.1", false), ("5.32", true)] {
            let id = try created(#","agent_version":"\#(version)""#)
            let (_, body) = call("GET", "/v1/setups/\(id)/agent-config")
            let hasForce = body?["settings"]?.arrayValue?.contains { $0["env"] == "DD_LOGS_CONFIG_FORCE_USE_HTTP" } ?? false
            #expect(hasForce == required, "agent \(version)")
        }
        // No logs service, no logs setting.
        let body = validSetupJSON.replacingOccurrences(of: #"["metrics","logs_agent"]"#, with: #"["metrics"]"#)
        let (_, json) = call("POST", "/v1/setups", body: body)
        let id = try #require(json?["id"]?.stringValue)
        let (_, config) = call("GET", "/v1/setups/\(id)/agent-config")
        #expect(config?["settings"]?.arrayValue?.count == 1)
    }

    @Test func dryRunStoresNothing() throws {
        let body = validSetupJSON.replacingOccurrences(of: "}", with: #","dry_run":true}"#)
        let (response, json) = call("POST", "/v1/setups", body: body)
        #expect(response.status == 200)
        #expect(json?["dry_run"] == true)
        #expect(json?["plan"]?["endpoints"]?.arrayValue?.count == 2)
        let (_, list) = call("GET", "/v1/setups")
        #expect(list?["setups"]?.arrayValue?.isEmpty == true)
    }

    @Test func errorsHaveStableCodes() throws {
        let cases: [(String, String, String?, Int, String)] = [
            ("POST", "/v1/setups", "{not json", 400, "invalid_json"),
            ("POST", "/v1/setups", "", 400, "invalid_json"),
            ("POST", "/v1/setups", #"{"site":"us1"}"#, 422, "validation_failed"),
            ("POST", "/v1/setups", validSetupJSON.replacingOccurrences(of: "\"us1\"", with: "\"eu1\""), 422, "site_not_supported"),
            ("GET", "/v1/setups/su_nothing", nil, 404, "not_found"),
            ("GET", "/v1/setups/su_nothing/events", nil, 404, "not_found"),
            ("GET", "/v1/sites/zz9", nil, 404, "not_found"),
            ("GET", "/nowhere", nil, 404, "not_found"),
            ("DELETE", "/v1/sites", nil, 405, "method_not_allowed"),
            ("GET", "/v1/setups?limit=0", nil, 400, "validation_failed"),
            ("GET", "/v1/setups?status=sleeping", nil, 400, "validation_failed"),
            ("GET", "/v1/setups?cursor=%%%", nil, 400, "validation_failed"),
            ("GET", "/v1/setups?colour=red", nil, 400, "validation_failed"),
        ]
        for (method, target, body, status, code) in cases {
            let (response, json) = call(method, target, body: body)
            #expect(response.status.code == status, "\(method) \(target)")
            #expect(json?["error"]?["code"]?.stringValue == code, "\(method) \(target)")
            #expect(json?["error"]?["message"]?.stringValue?.isEmpty == false)
            #expect(json?["error"]?["details"]?.arrayValue != nil)
            #expect(response.header("Content-Type") == "application/json; charset=utf-8")
        }
        let (notAllowed, _) = call("DELETE", "/v1/sites")
        #expect(notAllowed.header("Allow") == "GET, HEAD, OPTIONS")
    }

    @Test func unsupportedSiteSaysTheGuideSentenceAndListsSupportedSites() {
        let (response, json) = call("POST", "/v1/setups", body: validSetupJSON.replacingOccurrences(of: "\"us1\"", with: "\"us5\""))
        #expect(response.status == 422)
        #expect(json?["error"]?["message"] == "Datadog PrivateLink does not support the selected Datadog site.")
        #expect(json?["error"]?["supported_sites"] == ["us1", "ap1", "ap2", "uk1"])
    }

    @Test func idempotencyKeyHeader() throws {
        let key = [(name: "Idempotency-Key", value: "deploy-42")]
        let (first, firstJSON) = call("POST", "/v1/setups", body: validSetupJSON, headers: key)
        let (second, secondJSON) = call("POST", "/v1/setups", body: validSetupJSON, headers: key)
        #expect(first.status == 202 && second.status == 202)
        #expect(firstJSON == secondJSON)
        #expect(second.header("Idempotency-Replayed") == "true")
        #expect(second.header("Location") == first.header("Location"))
        let other = validSetupJSON.replacingOccurrences(of: "\"metrics\",", with: "")
        let (conflict, conflictJSON) = call("POST", "/v1/setups", body: other, headers: key)
        #expect(conflict.status == 409)
        #expect(conflictJSON?["error"]?["code"] == "conflict")
        let (_, list) = call("GET", "/v1/setups")
        #expect(list?["setups"]?.arrayValue?.count == 1)
        let (bad, _) = call("POST", "/v1/setups", body: validSetupJSON, headers: [(name: "Idempotency-Key", value: "has space")])
        #expect(bad.status == 400)
    }

    @Test func listPaginatesWithCursorAndFilters() throws {
        var ids: [String] = []
        for i in 0..<5 {
            let body = validSetupJSON.replacingOccurrences(of: "vpc-0123456789abcdef0", with: i % 2 == 0 ? "vpc-0123456789abcdef0" : "vpc-89abcdef")
            let (_, json) = call("POST", "/v1/setups", body: body)
            ids.append(try #require(json?["id"]?.stringValue))
        }
        var seen: [String] = []
        var target = "/v1/setups?limit=2"
        for _ in 0..<5 {
            let (response, json) = call("GET", target)
            #expect(response.status == 200)
            seen += json?["setups"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
            guard let cursor = json?["next_cursor"]?.stringValue else { break }
            target = "/v1/setups?limit=2&cursor=\(cursor)"
        }
        #expect(seen == ids.reversed())
        let (_, filtered) = call("GET", "/v1/setups?vpc_id=vpc-89abcdef&status=pending&site=us1&region=us-east-1")
        #expect(filtered?["setups"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [ids[3], ids[1]])
        #expect(filtered?["next_cursor"] == .null)
    }

    @Test func sitesCatalog() throws {
        let (_, list) = call("GET", "/v1/sites")
        #expect(list?["sites"]?.arrayValue?.count == 9)
        let (_, ap2) = call("GET", "/v1/sites/ap2")
        #expect(ap2?["aws_region"] == "ap-southeast-2")
        #expect(ap2?["services"]?.arrayValue?.count == 10)
        let (_, eu1) = call("GET", "/v1/sites/eu1")
        #expect(eu1?["privatelink_supported"] == false)
        #expect(eu1?["message"] == "Datadog PrivateLink does not support the selected Datadog site.")
    }

    @Test func corsForTheConfiguredDashboardOnly() {
        let preflight = app.respond(
            to: Request(
                method: "OPTIONS", target: "/v1/setups",
                headers: [
                    ("Origin", "https://dash.example"), ("Access-Control-Request-Method", "POST"),
                    ("Access-Control-Request-Headers", "content-type, idempotency-key"),
                ]))
        #expect(preflight.status == 204)
        #expect(preflight.header("Access-Control-Allow-Origin") == "https://dash.example")
        #expect(preflight.header("Access-Control-Allow-Methods")?.contains("POST") == true)
        #expect(preflight.header("Access-Control-Allow-Headers") == "content-type, idempotency-key")

        let stranger = app.respond(
            to: Request(
                method: "OPTIONS", target: "/v1/setups",
                headers: [
                    ("Origin", "https://evil.example"), ("Access-Control-Request-Method", "POST"),
                ]))
        #expect(stranger.header("Access-Control-Allow-Origin") == nil)

        let (get, _) = call("GET", "/v1/sites", headers: [(name: "Origin", value: "https://dash.example")])
        #expect(get.header("Access-Control-Allow-Origin") == "https://dash.example")
        #expect(get.header("Access-Control-Expose-Headers")?.contains("Location") == true)
        let (plain, _) = call("GET", "/v1/sites")
        #expect(plain.header("Access-Control-Allow-Origin") == nil)
    }

    @Test(arguments: ["+5", "-5", "٥", "５", " 5", "5 ", "0x5", "99999999999999999999"])
    func limitIsPlainASCIIDigits(limit: String) {
        let encoded = limit.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? limit
        let (response, json) = call("GET", "/v1/setups?limit=\(encoded)")
        #expect(response.status == 400)
        #expect(json?["error"]?["details"]?.arrayValue?.first?["field"] == "limit")
    }

    @Test func echoedInputInErrorsIsCut() {
        let number = String(repeating: "1", count: 200_000)
        let (badJSON, badJSONBody) = call("POST", "/v1/setups", body: "{\"site\": \(number)}")
        #expect(badJSON.status == 400 || badJSON.status == 422)
        #expect(badJSON.body.count < 2000, "\(badJSON.body.count) bytes")
        #expect(badJSONBody?["error"]?["code"] != nil)
        let id = "su_" + String(repeating: "A", count: 5000)
        let (missing, _) = call("GET", "/v1/setups/\(id)")
        #expect(missing.status == 404)
        #expect(missing.body.count < 600)
        let (method, _) = call(String(repeating: "X", count: 5000), "/v1/setups")
        #expect(method.status == 405)
        #expect(method.body.count < 600)
        let (filters, filtersJSON) = call(
            "GET", "/v1/setups?vpc_id=vpc-%EF%BC%90%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96%EF%BC%97&cursor=" + Cursor.encode("a\u{1}b"))
        #expect(filters.status == 400)
        #expect(Set(filtersJSON?["error"]?["details"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? []) == ["vpc_id", "cursor"])
    }
}
