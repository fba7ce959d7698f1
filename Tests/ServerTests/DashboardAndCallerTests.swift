import Foundation
import Testing
@testable import Core
@testable import Server

/// The dashboard's files (`/`, `/ui/{file}`) and the two reads it starts with (`/v1/me`,
/// `/v1/setup-counts`), through the responder. The pages themselves are tested in Chromium
/// (`DashboardBrowserTests`).
@Suite struct DashboardAndCallerTests {
    @Test func theDashboardIsServedFromTheBinaryWithItsSecurityHeadersAndETags() throws {
        let api = SetupsAPITests.make()
        let (page, _) = api.call("GET", "/")
        #expect(page.status == 200 && page.header("Content-Type") == "text/html; charset=utf-8")
        let html = String(decoding: page.body, as: UTF8.self)
        #expect(html.contains(#"<script type="module" src="/ui/app.js"></script>"#))
        #expect(page.header("Content-Security-Policy")?.contains("script-src 'self'") == true)
        #expect(page.header("X-Content-Type-Options") == "nosniff")
        // Every file the page and its modules name is there, with its type; nothing from elsewhere.
        var names = Set(html.matches(of: /\/ui\/([a-z\-]+\.(?:js|css|svg))/).map { String($0.1) })
        for module in names.filter({ $0.hasSuffix(".js") }) {
            let text = String(decoding: api.call("GET", "/ui/\(module)").0.body, as: UTF8.self)
            #expect(!text.contains("http://") && !text.contains("https://"), "\(module) names another origin")
            names.formUnion(text.matches(of: /from "\.\/([a-z\-]+\.js)"/).map { String($0.1) })
        }
        #expect(names.isSuperset(of: ["app.js", "api.js", "dom.js", "setups.js", "setup.js", "new-setup.js", "app.css", "favicon.svg"]))
        for name in names {
            let (response, _) = api.call("GET", "/ui/\(name)")
            #expect(response.status == 200, "\(name)")
            #expect(response.header("Content-Type") == DashboardAssets.contentType(of: name), "\(name)")
            let etag = try #require(response.header("ETag"))
            #expect(api.call("GET", "/ui/\(name)", headers: [("If-None-Match", etag)]).0.status == 304)
        }
        let (missing, json) = api.call("GET", "/ui/nope.js")
        #expect(missing.status == 404 && json?["error"]?["code"] == "not_found")
    }

    @Test func theOpenAPIDocumentIsJSONAndNamesEveryRoute() throws {
        let api = SetupsAPITests.make()
        let (response, document) = api.call("GET", "/openapi.json")
        #expect(response.status == 200)
        let paths = try #require(document?["paths"])
        for route in api.app.router.routes {
            let operation = paths[route.pattern]?[route.method.rawValue.lowercased()]
            #expect(operation != nil, "\(route.method.rawValue) \(route.pattern) is not in the OpenAPI document")
        }
    }

    @Test func meNamesTheCallerAndCountsAreTheCallersTeamsOnly() throws {
        let access = try AccessControlTests()
        #expect(access.call("GET", "/v1/me").0.status == 401)
        let me = try #require(access.call("GET", "/v1/me", token: "a-reader").1)
        #expect(me["actor"] == "token:a-reader" && me["role"] == "reader" && me["team"] == "team-a" && me["auth"] == "tokens")
        #expect(access.call("GET", "/v1/me", token: "admin").1?["team"]?.isNull == true)

        _ = try access.create(as: "a-operator")
        _ = try access.create(as: "b-operator")
        _ = try access.create(as: "b-operator")
        let teamA = try #require(access.call("GET", "/v1/setup-counts", token: "a-reader").1)
        #expect(teamA["total"] == 1 && teamA["counts"]?["pending"] == 1 && teamA["counts"]?["ready"] == 0)
        if case let .object(pairs)? = teamA["counts"] {
            #expect(Set(pairs.map(\.0)) == Set(SetupStatus.allCases.map(\.rawValue)))
        } else {
            Issue.record("no counts")
        }
        #expect(access.call("GET", "/v1/setup-counts", token: "reader").1?["total"] == 3)

        let open = SetupsAPITests.make().call("GET", "/v1/me").1
        #expect(open?["actor"] == "api" && open?["role"] == "admin" && open?["auth"] == "none")
    }
}
