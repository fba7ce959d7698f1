import Foundation
import Testing
@testable import Core

@Suite struct JobQueueTests {
    func makeSetups(_ store: SetupStore, count: Int) throws -> [String] {
        let request = try validRequest([("services", ["metrics"])])
        let site = try Catalog.bundled().site("us1")!
        return try (0..<count).map { _ in
            guard
                case let .created(detail, _, _) = try store.create(
                    request: request, plan: Plan(request: request, site: site),
                    idempotency: nil, actor: "test", render: { _ in (202, []) })
            else { throw StepFailure("x", "not created") }
            return detail.setup.id
        }
    }

    @Test func twoProcessesNeverClaimTheSameJob() throws {
        let (database, folder) = try makeTestDatabase()
        _ = try makeSetups(SetupStore(database: database), count: 20)
        // A second Database on the same file behaves like a second process.
        let other = try Database(path: folder.appendingPathComponent("test.sqlite").path, readers: 1)
        let queues = [JobQueue(database: database), JobQueue(database: other)]
        let claimed = Locked<[String]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            let queue = queues[i % 2]
            while let job = try? queue.claim(owner: "w\(i)", lease: 60) {
                claimed.withLock { $0.append(job.id) }
            }
        }
        let ids = claimed.withLock { $0 }
        #expect(ids.count == 20)
        #expect(Set(ids).count == 20)
        other.close()
    }

    @Test func anExpiredLeaseIsTakenOverAndTheOldOwnerCannotWrite() throws {
        let time = VirtualClock()
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database, clock: time.clock)
        let setupID = try makeSetups(store, count: 1)[0]
        let queue = JobQueue(database: database, clock: time.clock)
        let first = try #require(try queue.claim(owner: "a", lease: 10))
        #expect(try queue.claim(owner: "b", lease: 10) == nil)  // held
        time.sleep(5)
        #expect(try queue.heartbeat(owner: "a", jobIDs: [first.id], lease: 10).isEmpty)
        time.sleep(8)  // 13 s: still within the renewed lease
        #expect(try queue.claim(owner: "b", lease: 10) == nil)
        time.sleep(3)  // 16 s: expired
        let taken = try #require(try queue.claim(owner: "b", lease: 10))
        #expect(taken.id == first.id && first.attempts == 0 && taken.attempts == 1)  // a takeover is a failed try
        #expect(throws: LeaseLost.self) { try queue.beginStep(first, owner: "a", step: "preflight_vpc") }
        #expect(try queue.heartbeat(owner: "a", jobIDs: [first.id], lease: 10) == [first.id])
        let events = try #require(try store.events(setupID)).filter { $0.entityType == "job" }
        #expect(events.map(\.reason).contains("lease expired; taken over"))
        #expect(events.last?.actor == "b")
    }

    @Test func parkedJobsWaitUntilDueOrWoken() throws {
        let time = VirtualClock()
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database, clock: time.clock)
        let setupID = try makeSetups(store, count: 1)[0]
        let queue = JobQueue(database: database, clock: time.clock)
        let job = try #require(try queue.claim(owner: "a", lease: 30))
        try store.transitionSetup(setupID, to: .provisioning, actor: "a", reason: "provisioning started")  // as the worker does
        try queue.beginStep(job, owner: "a", step: "wait_available")
        try queue.park(job, owner: "a", until: time.clock.now().addingTimeInterval(600), reason: "waiting for AWS")
        #expect(try queue.claim(owner: "a", lease: 30) == nil)
        try queue.wake(setupID: setupID)
        let again = try #require(try queue.claim(owner: "a", lease: 30))
        #expect(again.id == job.id && again.currentStep == "wait_available")
        try queue.finish(again, owner: "a", state: .succeeded, setupStatus: .ready, reason: "done")
        let detail = try #require(try store.get(setupID))
        #expect(detail.setup.status == .ready && detail.jobs[0].state == .succeeded && detail.jobs[0].completedSteps == detail.jobs[0].steps.count)
        let jobStates = try #require(try store.events(setupID)).filter { $0.entityType == "job" }.map(\.toState)
        #expect(jobStates == ["queued", "running", "queued", "running", "succeeded"])
    }
}
