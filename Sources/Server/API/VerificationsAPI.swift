import Core
import HTTPTypes
import HTTPTypes
import Foundation

/// `POST /v1/setups/{id}/verify`, `GET /v1/setups/{id}/verifications[/{vid}]`: checks that the
/// setup's names resolve to its endpoints and that TCP 443 and TLS connect, and the kept results.
struct VerificationsAPI: Sendable {
    let store: SetupStore
    /// Wakes the workers when a verification was queued.
    let workQueued: @Sendable () -> Void

    func register(_ router: inout Router) {
        router.add(.post, "/v1/setups/{id}/verify", runs: .worker, needs: .role(.operator), verify)
        router.add(.get, "/v1/setups/{id}/verifications", runs: .inline, needs: .role(.reader), list)
        router.add(.get, "/v1/setups/{id}/verifications/{vid}", runs: .inline, needs: .role(.reader), show)
    }

    /// Queues a verification (202, `Location` of the run); asking while one is open returns it.
    @Sendable func verify(_ context: RequestContext) throws -> Response {
        let id = try context.parameter("id")
        try context.requireVisibleSetup(id, in: store)
        let record = try store.requestVerification(id, actor: context.actor)
        workQueued()
        return .json(202, Representation.verification(record), headerFields: [.location: "/v1/setups/\(id)/verifications/\(record.id)"])
    }

    @Sendable func show(_ context: RequestContext) throws -> Response {
        let id = try context.parameter("id"), vid = try context.parameter("vid")
        try context.requireVisibleSetup(id, in: store)
        guard let record = try store.verification(vid, setupID: id) else { throw APIError.notFound("verification \(vid) of setup \(id)") }
        return .json(200, Representation.verification(record))
    }

    /// Newest first, `limit` (1–50, default 10) per page, `cursor` from the previous page.
    @Sendable func list(_ context: RequestContext) throws -> Response {
        let id = try context.parameter("id")
        var problems = context.request.unknownQueryParameters(known: ["limit", "cursor"])
        var limit = 10
        if let text = context.request.queryValue("limit") {
            if let n = ASCIIDecimal.parse(text, maxDigits: 3), (1...50).contains(n) {
                limit = n
            } else {
                problems.append(.init(field: "limit", code: "invalid_value", message: "limit must be a whole number from 1 to 50"))
            }
        }
        var before: (String, String)?
        if let cursor = context.request.queryValue("cursor") {
            let parts = Cursor.decode(cursor)?.split(separator: "|", maxSplits: 1).map(String.init)
            if let parts, parts.count == 2 {
                before = (parts[0], parts[1])
            } else {
                problems.append(.init(field: "cursor", code: "invalid_value", message: "cursor is not one this server gave out"))
            }
        }
        guard problems.isEmpty else { throw APIError.validation(problems, status: 400) }
        try context.requireVisibleSetup(id, in: store)
        guard let page = try store.verifications(setupID: id, limit: limit + 1, before: before) else { throw APIError.notFound("setup \(id)") }
        let shown = page.prefix(limit)
        let next = page.count > limit ? shown.last.map { Cursor.encode("\($0.createdAt)|\($0.id)") } : nil
        return .json(
            200,
            .object([
                ("setup_id", .string(id)),
                ("verifications", .array(shown.map(Representation.verification))),
                ("next_cursor", .optional(next)),
            ]))
    }
}
