import Foundation
import Logging
import Testing
@testable import Core

@Suite struct SetupStoreTests {
    let catalog = try! Catalog.bundled()

    func create(_ store: SetupStore, _ changes: [(String, JSON)] = [], key: String? = nil) throws -> CreateOutcome {
        let request = try validRequest(changes)
        let plan = Plan(request: request, site: catalog.site(request.site)!)
        let idempotency = key.map { IdempotencyKey(scope: "POST /v1/setups", key: $0, request: request.json) }
        return try store.create(request: request, plan: plan, idempotency: idempotency, actor: "test") { detail in
            (202, Array(JSON.object([("id", .string(detail.setup.id))]).serializedString.utf8))
        }
    }

    func createdID(_ outcome: CreateOutcome) -> String? {
        if case let .created(detail, _, _) = outcome { return detail.setup.id }
        return nil
    }

    func count(_ database: Database, _ table: String) throws -> Int {
        try database.read { try $0.firstRow("SELECT count(*) FROM \(table)", [], { $0.int(0) }) ?? -1 }
    }

    @Test func createStoresSetupEndpointsJobAndTransitionsTogether() throws {
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        let id = try #require(createdID(try create(store, [("services", ["metrics", "api", "traces"])])))
        let detail = try #require(try store.get(id))
        #expect(detail.setup.status == .pending)
        #expect(detail.endpoints.map(\.state) == [.requested, .requested, .requested])
        #expect(detail.endpoints.flatMap(\.services) == ["metrics", "api", "traces"])
        #expect(detail.jobs.count == 1)
        #expect(detail.jobs[0].state == .queued)
        #expect(detail.jobs[0].steps.last == "wait_available")
        let events = try #require(try store.events(id))
        #expect(events.map(\.entityType) == ["setup", "endpoint", "endpoint", "endpoint", "job"])
        #expect(events.allSatisfy { $0.fromState == nil && $0.actor == "test" })
        #expect(try store.get("su_missing") == nil)
        #expect(try store.events("su_missing") == nil)
    }

    @Test func transitionsAreWrittenWithEachChangeAndOnlyForChanges() throws {
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        let id = try #require(createdID(try create(store)))
        #expect(try store.transitionSetup(id, to: .provisioning, actor: "worker:1", reason: "claimed"))
        #expect(try store.transitionSetup(id, to: .provisioning, actor: "worker:1", reason: "again") == false)
        #expect(try store.transitionSetup(id, to: .failed, actor: "worker:1", reason: nil, error: (code: "vpc_not_found", message: "no such VPC")))
        let endpoint = try #require(try store.get(id)?.endpoints.first)
        #expect(try store.transitionEndpoint(endpoint.id, to: .pending, actor: "worker:1", reason: "created"))
        let events = try #require(try store.events(id)).filter { $0.actor == "worker:1" }
        #expect(
            events.map { "\($0.entityType):\($0.fromState ?? "-")>\($0.toState)" } == [
                "setup:pending>provisioning", "setup:provisioning>failed", "endpoint:requested>pending",
            ])
        #expect(events[1].reason == "no such VPC")
        let setup = try #require(try store.get(id)?.setup)
        #expect(setup.errorCode == "vpc_not_found")
        #expect(throws: NotFound.self) { try store.transitionSetup("su_nope", to: .ready, actor: "x", reason: nil) }
    }

    @Test func revisionMovesWithEveryChangeToTheSetupItsEndpointsAndJobs() throws {
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        let id = try #require(createdID(try create(store)))
        let r0 = try #require(try store.revision(id))
        try store.transitionSetup(id, to: .provisioning, actor: "t", reason: nil)
        let r1 = try #require(try store.revision(id))
        #expect(r1 > r0)
        #expect(try store.transitionSetup(id, to: .provisioning, actor: "t", reason: nil) == false)
        #expect(try store.revision(id) == r1)  // no change, no new revision
        let endpoint = try #require(try store.get(id)?.endpoints.first)
        try store.transitionEndpoint(endpoint.id, to: .pending, actor: "t", reason: nil)
        let r2 = try #require(try store.revision(id))
        #expect(r2 > r1)
        // A job changed by another writer (any process) moves it too.
        try database.write { try $0.run("UPDATE jobs SET attempts = attempts + 1 WHERE setup_id = ?", [.text(id)]) }
        #expect(try #require(try store.revision(id)) > r2)
        #expect(try store.get(id)?.setup.revision == store.revision(id))
        #expect(try store.revision("su_none") == nil)
    }

    @Test func transitionLogIsAppendOnly() throws {
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        _ = try create(store)
        #expect(throws: SQLiteError.self) { try database.write { try $0.run("UPDATE transitions SET actor = 'someone else'") } }
        #expect(throws: SQLiteError.self) { try database.write { try $0.run("DELETE FROM transitions") } }
        #expect(try count(database, "transitions") > 0)
    }

    @Test func failureBetweenTwoWritesLeavesNoHalfWrittenSetup() throws {
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        // The job row is written after the setup, its endpoints and their transitions: make it fail.
        try database.write { try $0.execute("CREATE TRIGGER fail_job_insert BEFORE INSERT ON jobs BEGIN SELECT RAISE(ABORT, 'disk gone'); END") }
        #expect(throws: SQLiteError.self) { try create(store, key: "k-1") }
        for table in ["setups", "endpoints", "jobs", "transitions", "idempotency_keys"] {
            #expect(try count(database, table) == 0, "\(table) kept a row")
        }
        try database.write { try $0.execute("DROP TRIGGER fail_job_insert") }
        #expect(createdID(try create(store, key: "k-1")) != nil)
        #expect(try count(database, "setups") == 1)
    }

    @Test func idempotencyKeyReplaysTheFirstAnswerAndRefusesAnotherBody() throws {
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        let first = try create(store, key: "abc")
        guard case let .created(detail, _, body) = first else { Issue.record("not created"); return }
        let again = try create(store, key: "abc")
        guard case let .replayed(status, replayedBody) = again else { Issue.record("not replayed"); return }
        #expect(status == 202)
        #expect(replayedBody == body)
        #expect(throws: IdempotencyConflict.self) { try create(store, [("services", ["metrics"])], key: "abc") }
        #expect(createdID(try create(store, key: "other")) != detail.setup.id)
        #expect(try count(database, "setups") == 2)
    }

    @Test func concurrentRequestsWithOneKeyCreateOneSetup() throws {
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        let outcomes = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            let outcome = try? create(store, key: "same")
            outcomes.withLock { list in
                switch outcome {
                case .created?: list.append("created")
                case .replayed?: list.append("replayed")
                case nil: list.append("error")
                }
            }
        }
        let list = outcomes.withLock { $0 }
        #expect(list.filter { $0 == "created" }.count == 1)
        #expect(list.filter { $0 == "replayed" }.count == 15)
        #expect(try count(database, "setups") == 1)
    }

    @Test func listPagesNewestFirstWithFilters() throws {
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        var ids: [String] = []
        for i in 0..<7 {
            let vpc: JSON = .string(i % 2 == 0 ? "vpc-0123456789abcdef0" : "vpc-89abcdef")
            ids.append(try #require(createdID(try create(store, [("vpc_id", vpc)]))))
        }
        var seen: [String] = []
        var cursor: String?
        var pages = 0
        repeat {
            let page = try store.list(filter: SetupFilter(), limit: 3, after: cursor)
            seen += page.setups.map(\.id)
            cursor = page.nextCursor
            pages += 1
        } while cursor != nil && pages < 10
        #expect(pages == 3)
        #expect(seen == ids.reversed())
        let odd = try store.list(filter: SetupFilter(vpcID: "vpc-89abcdef"), limit: 50, after: nil)
        #expect(odd.setups.map(\.id) == [ids[5], ids[3], ids[1]])
        #expect(odd.nextCursor == nil)
        try store.transitionSetup(ids[2], to: .provisioning, actor: "test", reason: nil)
        try store.transitionSetup(ids[2], to: .ready, actor: "test", reason: nil)
        #expect(try store.list(filter: SetupFilter(status: .ready), limit: 50, after: nil).setups.map(\.id) == [ids[2]])
        #expect(try store.list(filter: SetupFilter(site: "ap1"), limit: 50, after: nil).setups.isEmpty)
        #expect(try store.list(filter: SetupFilter(region: "us-east-1"), limit: 50, after: nil).setups.count == 7)
    }

    // MARK: Idempotency keys expire

    @Test func anIdempotencyKeyReplaysForItsLifetimeThenIsFreeAgain() throws {
        let (database, _) = try makeTestDatabase()
        let time = VirtualClock()
        let store = SetupStore(database: database, clock: time.clock, idempotencyTTL: 24 * 3600)
        let first = try #require(createdID(try create(store, key: "team-a-1")))
        time.sleep(23 * 3600)
        guard case let .replayed(_, body) = try create(store, key: "team-a-1") else { Issue.record("not replayed"); return }
        #expect(try JSON.parse(body)["id"]?.stringValue == first)
        #expect(throws: IdempotencyConflict.self) { try create(store, [("services", ["metrics"])], key: "team-a-1") }
        time.sleep(2 * 3600)  // 25 hours after the first answer
        let second = try #require(createdID(try create(store, [("services", ["metrics"])], key: "team-a-1")))
        #expect(second != first)
        #expect(try count(database, "idempotency_keys") == 1)  // the expired row was replaced
    }

    @Test func theJanitorDeletesExpiredKeysInSmallBatches() throws {
        let (database, _) = try makeTestDatabase()
        let time = VirtualClock()
        let store = SetupStore(database: database, clock: time.clock, idempotencyTTL: 3600)
        for i in 0..<7 { _ = try create(store, key: "old-\(i)") }
        time.sleep(3000)
        _ = try create(store, key: "young")
        time.sleep(700)  // the seven are 3,700 s old, the young one 700 s
        var logger = Logger(label: "test")
        logger.logLevel = .error
        let janitor = IdempotencyJanitor(store: store, batchSize: 3, logger: logger)
        #expect(try janitor.sweep() == 7)
        #expect(try count(database, "idempotency_keys") == 1)
        #expect(try janitor.sweep() == 0)
        #expect(try count(database, "setups") == 8)  // only the keys go; the setups stay
        // A sweep bounded to two batches leaves the rest for the next one.
        time.sleep(3600)
        for i in 0..<7 { _ = try create(store, key: "later-\(i)") }
        time.sleep(3601)
        #expect(try janitor.sweep(maxBatches: 2) == 6)
        #expect(try janitor.sweep() == 2)
    }
}
