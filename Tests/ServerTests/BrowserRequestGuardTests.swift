import Foundation
import Logging
import Testing
@testable import Core
@testable import Server

/// What only a browser sends is refused; what curl sends is not (issue: a web page must not be able
/// to drive the service through simple cross-site requests or DNS rebinding).
@Suite struct BrowserRequestGuardTests {
    typealias Headers = [(name: String, value: String)]

    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let method: String
        let path: String
        let headers: [(name: String, value: String)]
        let status: Int
        let code: String?
        var testDescription: String { name }
    }

    static let json = ("Content-Type", "application/json")
    static let cases: [Case] = [
        Case(
            name: "curl -d (form type, no browser headers)", method: "POST", path: "/v1/setups",
            headers: [("Host", "localhost:8080"), ("Content-Type", "application/x-www-form-urlencoded")], status: 202, code: nil),
        Case(
            name: "curl with JSON and the IPv6 loopback", method: "POST", path: "/v1/setups",
            headers: [("Host", "[::1]:8080"), json], status: 202, code: nil),
        Case(
            name: "page from another origin", method: "POST", path: "/v1/setups",
            headers: [("Host", "localhost:8080"), ("Origin", "https://evil.example"), json], status: 403, code: "cross_origin_refused"),
        Case(
            name: "opaque origin", method: "POST", path: "/v1/setups",
            headers: [("Host", "localhost:8080"), ("Origin", "null"), json], status: 403, code: "cross_origin_refused"),
        Case(
            name: "another local port is another origin", method: "POST", path: "/v1/setups",
            headers: [("Host", "localhost:8080"), ("Origin", "http://localhost:3000"), json], status: 403, code: "cross_origin_refused"),
        Case(
            name: "cross-site fetch metadata without Origin", method: "POST", path: "/v1/setups",
            headers: [("Host", "localhost:8080"), ("Sec-Fetch-Site", "cross-site"), json], status: 403, code: "cross_origin_refused"),
        Case(
            name: "same-site fetch metadata from an origin not on the list", method: "DELETE", path: "/v1/setups/su_x",
            headers: [("Host", "localhost:8080"), ("Sec-Fetch-Site", "same-site")], status: 403, code: "cross_origin_refused"),
        Case(
            name: "a delete from another origin", method: "DELETE", path: "/v1/setups/su_x",
            headers: [("Host", "127.0.0.1:8080"), ("Origin", "https://evil.example")], status: 403, code: "cross_origin_refused"),
        Case(
            name: "the server's own page", method: "POST", path: "/v1/setups",
            headers: [("Host", "localhost:8080"), ("Origin", "http://localhost:8080"), ("Sec-Fetch-Site", "same-origin"), json], status: 202, code: nil),
        Case(
            name: "own page posting text/plain", method: "POST", path: "/v1/setups",
            headers: [("Host", "localhost:8080"), ("Origin", "http://localhost:8080"), ("Content-Type", "text/plain")], status: 415,
            code: "unsupported_media_type"),
        Case(
            name: "allowed dashboard posting a form", method: "POST", path: "/v1/setups",
            headers: [("Host", "localhost:8080"), ("Origin", "https://dash.example"), ("Content-Type", "application/x-www-form-urlencoded")], status: 415,
            code: "unsupported_media_type"),
        Case(
            name: "no-cors multipart without Origin", method: "POST", path: "/v1/setups",
            headers: [("Host", "localhost:8080"), ("Sec-Fetch-Mode", "no-cors"), ("Content-Type", "multipart/form-data; boundary=x")], status: 415,
            code: "unsupported_media_type"),
        Case(
            name: "allowed dashboard, cross-site, JSON", method: "POST", path: "/v1/setups",
            headers: [
                ("Host", "localhost:8080"), ("Origin", "https://dash.example"), ("Sec-Fetch-Site", "cross-site"),
                ("Content-Type", "application/json; charset=utf-8"),
            ], status: 202, code: nil),
        Case(
            name: "a read from another origin (CORS keeps its answer from the page)", method: "GET", path: "/v1/sites/us1",
            headers: [("Host", "localhost:8080"), ("Origin", "https://evil.example"), ("Sec-Fetch-Site", "cross-site")], status: 200, code: nil),
        Case(
            name: "DNS rebinding: a read under another name", method: "GET", path: "/v1/setups",
            headers: [("Host", "rebind.evil.example:8080")], status: 421, code: "misdirected_request"),
        Case(
            name: "DNS rebinding: a write under another name", method: "POST", path: "/v1/setups",
            headers: [("Host", "rebind.evil.example"), ("Origin", "http://rebind.evil.example"), json], status: 421, code: "misdirected_request"),
        Case(
            name: "a name given with --allowed-host", method: "GET", path: "/v1/sites/us1",
            headers: [("Host", "Privatelinkd.Internal:8080")], status: 200, code: nil),
        Case(
            name: "another loopback address is not a loopback name", method: "GET", path: "/v1/sites/us1",
            headers: [("Host", "127.0.0.2:8080")], status: 421, code: "misdirected_request"),
    ]

    static func application(loopback: Bool) throws -> Application {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("privatelinkd-guard-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = try Database(path: folder.appendingPathComponent("guard.sqlite").path, readers: 2)
        try Migrator(migrations: Migration.load(from: Migrator.locateDirectory(explicit: nil))).migrate(database)
        return Application(
            catalog: try Catalog.bundled(), store: SetupStore(database: database), corsOrigins: ["https://dash.example"],
            loopbackListener: loopback, allowedHosts: ["privatelinkd.internal"], logger: Logger(label: "test"))
    }

    @Test(arguments: cases)
    func onALoopbackListener(_ c: Case) throws {
        let app = try Self.application(loopback: true)
        let body = c.method == "POST" ? Array(validSetupJSON.utf8) : []
        let response = app.respond(to: Request(method: c.method, target: c.path, headers: c.headers, body: body))
        #expect(response.status.code == c.status)
        let json = try? JSON.parse(response.body)
        if let code = c.code {
            #expect(json?["error"]?["code"]?.stringValue == code)
            // Each refusal says what to send instead.
            let message = json?["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("--cors-origin") || message.contains("--allowed-host") || message.contains("application/json"), "\(message)")
        }
    }

    @Test func anyHostOnANonLoopbackListener() throws {
        let app = try Self.application(loopback: false)
        let response = app.respond(to: Request(method: "GET", target: "/v1/sites/us1", headers: [("Host", "privatelinkd.corp.example")]))
        #expect(response.status == 200)
        // The browser rules still hold there.
        let post = app.respond(
            to: Request(
                method: "POST", target: "/v1/setups",
                headers: [("Host", "privatelinkd.corp.example"), ("Origin", "https://evil.example"), ("Content-Type", "text/plain")],
                body: Array(validSetupJSON.utf8)))
        #expect(post.status == 403)
    }

    @Test func refusedRequestsStoreNothing() throws {
        let app = try Self.application(loopback: true)
        _ = app.respond(
            to: Request(
                method: "POST", target: "/v1/setups",
                headers: [("Host", "localhost"), ("Origin", "https://evil.example"), ("Content-Type", "text/plain")],
                body: Array(validSetupJSON.utf8)))
        let list = try JSON.parse(app.respond(to: Request(method: "GET", target: "/v1/setups", headers: [("Host", "localhost")])).body)
        #expect(list["setups"]?.arrayValue?.isEmpty == true)
    }

    @Test func echoedInputIsCutAndKeptOnOneLine() {
        let long = String(repeating: "9", count: 200_000)
        let echoed = Echo.text(long)
        #expect(echoed.count < 100)
        #expect(echoed.hasSuffix("…(+199936 bytes)"))
        #expect(Echo.text("a\nb\r\u{1B}[31m") == "a\\nb\\r\\u{1B}[31m")
    }
}
