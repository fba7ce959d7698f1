import Foundation
import HTTPTypes
import Logging
import Testing
@testable import Core
@testable import Server

/// Tokens, roles and teams through the application responder, without sockets.
@Suite struct AccessControlTests {
    let app: Application
    let tokens: TokenStore
    /// Secrets by name: reader, operator, admin (platform-wide), and team-scoped ones.
    let secrets: [String: String]

    init() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("privatelinkd-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let database = try Database(path: folder.appendingPathComponent("auth.sqlite").path, readers: 2)
        try Migrator(migrations: Migration.load(from: Migrator.locateDirectory(explicit: nil))).migrate(database)
        tokens = TokenStore(database: database)
        var secrets: [String: String] = [:]
        for (name, role, team) in [
            ("reader", Role.reader, nil), ("operator", .operator, nil), ("admin", .admin, nil),
            ("a-operator", .operator, "team-a"), ("b-operator", .operator, "team-b"), ("b-admin", .admin, "team-b"), ("a-reader", .reader, "team-a"),
        ] as [(String, Role, String?)] {
            secrets[name] = try tokens.create(name: name, role: role, team: team, expiresIn: nil, actor: "cli:test").1
        }
        self.secrets = secrets
        let proxy = AuthSettings.TrustedProxy(
            networks: [NetworkBlock("127.0.0.1/32")!], identityHeader: HTTPField.Name("X-Forwarded-Email")!,
            groupsHeader: HTTPField.Name("X-Forwarded-Groups")!,
            access: AccessFile(users: ["alice@example.com": .init(role: .admin, team: nil)], groups: ["a-devs": .init(role: .operator, team: "team-a")]))
        app = Application(
            catalog: try Catalog.bundled(), store: SetupStore(database: database), auth: AuthSettings(mode: .tokens, proxy: proxy),
            tokens: tokens, logger: Logger(label: "test"))
    }

    func call(_ method: String, _ target: String, token: String? = nil, body: String? = nil, headers: [(String, String)] = [], peer: String = "10.1.2.3")
        -> (Response, JSON?)
    {
        var fields = [("Host", "localhost"), ("Content-Type", "application/json")] + headers
        if let token { fields.append(("Authorization", "Bearer \(secrets[token] ?? token)")) }
        var request = Request(method: method, target: target, headers: fields, body: Array((body ?? "").utf8))
        request.peerHost = peer
        let response = app.respond(to: request)
        return (response, try? JSON.parse(response.body))
    }

    func create(as token: String) throws -> String {
        let (response, json) = call("POST", "/v1/setups", token: token, body: validSetupJSON)
        #expect(response.status == 202)
        return try #require(json?["id"]?.stringValue)
    }

    /// Every registered route, with its path parameters filled from a real setup.
    func concreteRoutes(setupID: String) -> [(method: String, path: String, needs: Router.Access)] {
        app.router.routes.map { route in
            let path = route.pattern.replacingOccurrences(of: "{id}", with: setupID).replacingOccurrences(of: "{vid}", with: "vf_none")
                .replacingOccurrences(of: "{spoke_id}", with: "sp_none")
                .replacingOccurrences(of: "{file}", with: "app.js")
            return (route.method.rawValue, path, route.access)
        }
    }

    @Test func everyRouteAnswersEachRoleAsItsTableSays() throws {
        let id = try create(as: "admin")
        let routes = concreteRoutes(setupID: id)
        #expect(routes.count >= 14)
        for route in routes {
            let body = route.method == "POST" ? validSetupJSON : nil
            let anonymous = call(route.method, route.path, body: body).0
            guard case let .role(needed) = route.needs else {
                #expect(anonymous.status.code < 400, "\(route.method) \(route.path) is open")
                continue
            }
            #expect(anonymous.status == 401, "\(route.method) \(route.path) without a token")
            #expect(anonymous.header("WWW-Authenticate") == #"Bearer realm="privatelinkd""#)
            for role in Role.allCases {
                let response = call(route.method, route.path, token: role.rawValue, body: body).0
                if role >= needed {
                    #expect(response.status != 401 && response.status != 403, "\(role) on \(route.method) \(route.path): \(response.status)")
                } else {
                    #expect(response.status == 403, "\(role) on \(route.method) \(route.path)")
                    let json = try? JSON.parse(response.body)
                    #expect(json?["error"]?["code"]?.stringValue == "forbidden")
                    #expect(json?["error"]?["message"]?.stringValue?.contains("needs the \(needed.rawValue) role") == true)
                }
            }
        }
        // The table itself: reads for readers, changes for operators, deletion for admins.
        for route in routes where route.needs != .open {
            let expected: Role = route.method == "GET" ? .reader : route.method == "DELETE" ? .admin : .operator
            #expect(route.needs == .role(expected), "\(route.method) \(route.path)")
        }
    }

    @Test func aTeamSeesAndChangesOnlyItsOwnSetups() throws {
        let id = try create(as: "a-operator")
        #expect(call("GET", "/v1/setups/\(id)", token: "a-reader").0.status == 200)
        for (method, path, token) in [
            ("GET", "/v1/setups/\(id)", "b-operator"), ("GET", "/v1/setups/\(id)/events", "b-operator"),
            ("GET", "/v1/setups/\(id)/agent-config", "b-operator"), ("GET", "/v1/setups/\(id)/verifications", "b-operator"),
            ("POST", "/v1/setups/\(id)/retry", "b-operator"), ("POST", "/v1/setups/\(id)/verify", "b-operator"),
            ("POST", "/v1/setups/\(id)/reconcile", "b-operator"), ("DELETE", "/v1/setups/\(id)", "b-admin"),
        ] {
            let (response, json) = call(method, path, token: token)
            #expect(response.status == 404, "\(method) \(path) by \(token)")
            #expect(json?["error"]?["message"]?.stringValue == "setup \(id) not found", "another team's setup looks missing")
        }
        let listed = { (token: String) in call("GET", "/v1/setups", token: token).1?["setups"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? [] }
        #expect(!listed("b-operator").contains(id))
        #expect(listed("a-reader").contains(id))
        #expect(listed("reader").contains(id))  // platform-wide
        #expect(call("POST", "/v1/setups/\(id)/verify", token: "operator").0.status == 202)
        // It belongs to team A and names its creator.
        let owner = try #require(try app.store.owner(of: id))
        #expect(owner.team == "team-a" && owner.createdBy == "token:a-operator")
    }

    @Test func revokedAndExpiredTokensAreRefusedAtTheNextRequest() throws {
        #expect(call("GET", "/v1/sites", token: "reader").0.status == 200)
        _ = try tokens.revoke(name: "reader", actor: "cli:test")
        let (revoked, json) = call("GET", "/v1/sites", token: "reader")
        #expect(revoked.status == 401)
        #expect(json?["error"]?["code"]?.stringValue == "unauthenticated")
        #expect(json?["error"]?["message"]?.stringValue == "token reader was revoked")

        let (_, expiredSecret) = try tokens.create(name: "short-lived", role: .reader, team: nil, expiresIn: -1, actor: "cli:test")
        let (expired, expiredJSON) = call("GET", "/v1/sites", token: expiredSecret)
        #expect(expired.status == 401)
        #expect(expiredJSON?["error"]?["message"]?.stringValue?.hasPrefix("token short-lived expired at") == true)
        tokens.flush()
        let token = try #require(try tokens.list().first { $0.name == "short-lived" })
        let events = try tokens.database.read { try TokenRows.events($0, tokenID: token.id) }.map(\.event)
        #expect(events == ["created", "expired_use_refused"])

        #expect(call("GET", "/v1/sites", token: "plk_aaaaaaaaaaaaaaaa_" + String(repeating: "A", count: 43)).0.status == 401)
        #expect(call("GET", "/v1/sites", headers: [("Authorization", "Basic dXNlcjpwYXNz")]).0.status == 401)
        #expect(app.denied.snapshot["revoked"] == 1 && app.denied.snapshot["expired"] == 1)
    }

    @Test func lastUsedIsWrittenAtMostOncePerInterval() throws {
        for _ in 0..<20 { #expect(call("GET", "/v1/sites", token: "operator").0.status == 200) }
        tokens.flush()
        let used = try #require(try tokens.list().first { $0.name == "operator" }?.lastUsedAt)
        for _ in 0..<5 { _ = call("GET", "/v1/sites", token: "operator") }
        tokens.flush()
        #expect(try tokens.list().first { $0.name == "operator" }?.lastUsedAt == used)
    }

    @Test func lastUsedIsWrittenAgainOnceTheIntervalHasPassed() throws {
        let database = app.store.database
        let now = Locked(Date(timeIntervalSince1970: 1_800_000_000))
        let clocked = TokenStore(database: database, clock: Clock { now.withLock { $0 } })
        let (_, text) = try clocked.create(name: "clocked", role: .reader, team: nil, expiresIn: nil, actor: "cli:test")
        func lastUsed() throws -> String? { try clocked.list().first { $0.name == "clocked" }?.lastUsedAt }
        #expect(try clocked.check(text) != .unknown)
        clocked.flush()
        let first = try #require(try lastUsed())
        now.withLock { $0 += TokenStore.touchInterval - 1 }
        _ = try clocked.check(text)
        clocked.flush()
        #expect(try lastUsed() == first)
        now.withLock { $0 += 2 }
        _ = try clocked.check(text)
        clocked.flush()
        #expect(try lastUsed() != first)
    }

    @Test func theBearerSchemeIsReadInAnyCaseWithSpacesAround() {
        #expect(Authenticator.bearerToken("Bearer plk_x") == "plk_x")
        #expect(Authenticator.bearerToken("bEaReR \t plk_x \t") == "plk_x")
        #expect(Authenticator.bearerToken("Bearer ") == nil)
        #expect(Authenticator.bearerToken("Bearer") == nil)
        #expect(Authenticator.bearerToken("Basic dXNlcjpwYXNz") == nil)
        #expect(Authenticator.bearerToken("Bearerx plk_x") == nil)
    }

    @Test func theProxysIdentityHeaderCountsOnlyFromATrustedPeer() throws {
        let person = [("X-Forwarded-Email", "alice@example.com")]
        let trusted = call("POST", "/v1/setups", body: validSetupJSON, headers: person, peer: "127.0.0.1")
        #expect(trusted.0.status == 202)
        let id = try #require(trusted.1?["id"]?.stringValue)
        #expect(try app.store.owner(of: id)?.createdBy == "user:alice@example.com")
        // From anyone else the header is ignored: no token, no entry.
        #expect(call("GET", "/v1/sites", headers: person, peer: "10.1.2.3").0.status == 401)
        #expect(call("GET", "/v1/sites", headers: person, peer: "::ffff:127.0.0.1").0.status == 200)  // IPv4-mapped
        // A group grants a role and a team; someone the file does not name is refused.
        let dev = call(
            "POST", "/v1/setups", body: validSetupJSON, headers: [("X-Forwarded-Email", "dev@example.com"), ("X-Forwarded-Groups", "x, a-devs")],
            peer: "127.0.0.1")
        #expect(dev.0.status == 202)
        #expect(try app.store.owner(of: try #require(dev.1?["id"]?.stringValue))?.team == "team-a")
        let stranger = call("GET", "/v1/sites", headers: [("X-Forwarded-Email", "eve@example.com")], peer: "127.0.0.1")
        #expect(stranger.0.status == 403)
    }

    @Test func healthAndPreflightNeedNoToken() {
        #expect(call("GET", "/healthz").0.status == 200)
        let preflight = call("OPTIONS", "/v1/setups", headers: [("Origin", "https://dash.example"), ("Access-Control-Request-Method", "POST")])
        #expect(preflight.0.status == 204)
    }

    @Test func tokenTextHasItsShapeAndOnlyItsHashIsStored() throws {
        let (record, text) = try tokens.create(name: "shape", role: .reader, team: nil, expiresIn: nil, actor: "cli:test")
        #expect(text.hasPrefix("plk_") && text.utf8.count == 64)
        #expect(APIToken.lookupID(text) == record.id)
        #expect(record.secretSHA256 == APIToken.digest(text) && record.secretSHA256.count == 64)
        #expect(APIToken.matches(text, storedDigest: record.secretSHA256))
        #expect(!APIToken.matches(text + "x", storedDigest: record.secretSHA256))
        #expect(throws: StateConflict.self) { try tokens.create(name: "shape", role: .admin, team: nil, expiresIn: nil, actor: "cli:test") }
    }

    @Test func roleSessionNamesFollowAWSsPattern() {
        #expect(RoleSessionName.forActor("user:alice@example.com") == "plk-alice@example.com")
        #expect(RoleSessionName.forActor("token:team-a-ci") == "plk-token-team-a-ci")
        #expect(RoleSessionName.forActor(nil) == "privatelinkd")
        let long = RoleSessionName.forActor("user:" + String(repeating: "x", count: 100) + " é/")
        #expect(long.utf8.count == 64 && long.utf8.allSatisfy { $0 < 128 && $0 != UInt8(ascii: " ") })
    }
}
