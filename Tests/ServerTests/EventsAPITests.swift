import Foundation
import Logging
import Testing
@testable import Core
@testable import Server

/// `GET /v1/events`: transitions across setups, oldest first, resumable with `after`.
@Suite struct EventsAPITests {
    let api = SetupsAPITests.make()

    @Test func eventsPageOldestFirstAndResumeAfterTheLastSeenID() throws {
        let first = try #require(api.call("POST", "/v1/setups", body: validSetupJSON).1?["id"]?.stringValue)
        let second = try #require(api.call("POST", "/v1/setups", body: validSetupJSON).1?["id"]?.stringValue)
        let (response, json) = api.call("GET", "/v1/events?limit=3")
        #expect(response.status == 200)
        let page = try #require(json?["events"]?.arrayValue)
        #expect(page.count == 3)
        let ids = page.compactMap { $0["id"]?.intValue }
        #expect(ids == ids.sorted() && Set(ids).count == 3)
        #expect(page.first?["setup_id"]?.stringValue == first && page.first?["entity_type"]?.stringValue == "setup")
        let next = try #require(json?["next_after"]?.intValue)
        #expect(next == ids.last)
        // Everything after the last one seen, without a gap or a repeat.
        let rest = try #require(api.call("GET", "/v1/events?after=\(next)&limit=1000").1?["events"]?.arrayValue)
        let all = try #require(api.call("GET", "/v1/events?limit=1000").1?["events"]?.arrayValue)
        #expect(page.count + rest.count == all.count)
        #expect(rest.first?["id"]?.intValue.map { $0 > next } == true)
        // Filters: one setup, one entity type.
        let mine = try #require(api.call("GET", "/v1/events?setup_id=\(second)").1?["events"]?.arrayValue)
        #expect(!mine.isEmpty && mine.allSatisfy { $0["setup_id"]?.stringValue == second })
        let jobs = try #require(api.call("GET", "/v1/events?type=job").1?["events"]?.arrayValue)
        #expect(!jobs.isEmpty && jobs.allSatisfy { $0["entity_type"]?.stringValue == "job" })
    }

    @Test func badQueriesAreRefusedWithEveryProblem() {
        let (response, json) = api.call("GET", "/v1/events?after=-1&limit=0&type=zone&bogus=1")
        #expect(response.status == 400)
        let fields = Set(json?["error"]?["details"]?.arrayValue?.compactMap { $0["field"]?.stringValue } ?? [])
        #expect(fields == ["after", "limit", "type", "bogus"])
        #expect(api.call("GET", "/v1/events?setup_id=su_missing").0.status == 404)
    }
}
