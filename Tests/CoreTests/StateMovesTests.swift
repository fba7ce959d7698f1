import Foundation
import Testing
@testable import Core

/// The tables of allowed status moves, and the move functions that enforce them.
@Suite struct StateMovesTests {
    @Test(
        arguments: [
            (nil, SetupStatus.pending, true), (nil, .ready, false),
            (.pending, .provisioning, true), (.provisioning, .waiting, true), (.waiting, .ready, true),
            (.ready, .degraded, true), (.degraded, .pending, true), (.failed, .pending, true),
            (.ready, .deleting, true), (.deleting, .deleted, true), (.deleting, .failed, true),
            (.pending, .ready, false), (.deleted, .pending, false), (.deleted, .ready, false), (.deleting, .ready, false),
            (.ready, .provisioning, false), (.failed, .ready, false),
        ] as [(SetupStatus?, SetupStatus, Bool)])
    func setupMoves(from: SetupStatus?, to: SetupStatus, allowed: Bool) {
        #expect(SetupStatus.allows(from: from, to: to) == allowed)
    }

    @Test(
        arguments: [
            (nil, EndpointState.requested, true), (nil, .available, false),
            (.requested, .pending, true), (.requested, .available, true), (.pending, .available, true),
            (.available, .missing, true), (.missing, .requested, true), (.failed, .requested, true),
            (.available, .deleting, true), (.deleting, .deleted, true), (.deleted, .requested, true),
            (.deleting, .available, false), (.deleting, .pending, false), (.deleted, .available, false), (.requested, .requested, false),
        ] as [(EndpointState?, EndpointState, Bool)])
    func endpointMoves(from: EndpointState?, to: EndpointState, allowed: Bool) {
        #expect(EndpointState.allows(from: from, to: to) == allowed)
    }

    @Test(
        arguments: [
            (nil, JobState.queued, true), (nil, .running, false),
            (.queued, .running, true), (.running, .running, true), (.running, .queued, true), (.running, .succeeded, true),
            (.running, .failed, true), (.queued, .cancelled, true), (.failed, .queued, true),
            (.succeeded, .queued, false), (.succeeded, .running, false), (.queued, .succeeded, false), (.cancelled, .running, false),
        ] as [(JobState?, JobState, Bool)])
    func jobMoves(from: JobState?, to: JobState, allowed: Bool) {
        #expect(JobState.allows(from: from, to: to) == allowed)
    }

    @Test func everyStateHasARowOrIsFinal() {
        #expect(Set(SetupStatus.moves.keys) == Set(SetupStatus.allCases).subtracting([.deleted]))
        #expect(Set(EndpointState.moves.keys) == Set(EndpointState.allCases))
        #expect(Set(JobState.moves.keys) == [.queued, .running, .failed, .cancelled])
    }

    @Test func anIllegalMoveIsThrownAndNothingIsWritten() throws {
        let (database, _) = try makeTestDatabase()
        let store = SetupStore(database: database)
        let catalog = try Catalog.bundled()
        let request = try validRequest([])
        guard
            case let .created(detail, _, _) = try store.create(
                request: request, plan: Plan(request: request, site: catalog.site("us1")!),
                idempotency: nil, actor: "test", render: { _ in (202, []) })
        else { Issue.record("not created"); return }
        let id = detail.setup.id
        let endpoint = detail.endpoints[0].id
        try store.transitionEndpoint(endpoint, to: .deleting, actor: "test", reason: nil)
        let before = try #require(try store.events(id)).count
        #expect(throws: IllegalMove.self) { try store.transitionSetup(id, to: .ready, actor: "test", reason: nil) }
        #expect(throws: IllegalMove.self) { try store.transitionEndpoint(endpoint, to: .available, actor: "test", reason: nil) }
        #expect(try store.get(id)?.setup.status == .pending)
        #expect(try store.get(id)?.endpoints.first?.state == .deleting)
        #expect(try store.events(id)?.count == before)
    }
}
