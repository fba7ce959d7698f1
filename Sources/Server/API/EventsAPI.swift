import Core
import HTTPTypes

/// `GET /v1/events`: every transition across setups, oldest first, so a dashboard catches up after
/// a gap (`?after=<id>`), optionally one setup's (`setup_id`) or one entity type's (`type`).
struct EventsAPI: Sendable {
    let store: SetupStore

    static let defaultPageSize = 100
    static let maxPageSize = 1000

    func register(_ router: inout Router) {
        router.add(.get, "/v1/events", runs: .inline, needs: .role(.reader), list)
    }

    /// The query, checked: every problem at once, as a 400.
    struct Query {
        var after = 0
        var limit = EventsAPI.defaultPageSize
        var setupID: String?
        var type: TransitionLog.Entity?

        init(_ request: Request) throws {
            var problems = request.unknownQueryParameters(known: ["after", "limit", "setup_id", "type"])
            if let text = request.queryValue("after") {
                if let n = ASCIIDecimal.parse(text, maxDigits: 18) {
                    after = n
                } else {
                    problems.append(.init(field: "after", code: "invalid_value", message: "after must be an event id (a whole number)"))
                }
            }
            if let text = request.queryValue("limit") {
                if let n = ASCIIDecimal.parse(text, maxDigits: 4), (1...EventsAPI.maxPageSize).contains(n) {
                    limit = n
                } else {
                    problems.append(.init(field: "limit", code: "invalid_value", message: "limit must be a whole number from 1 to \(EventsAPI.maxPageSize)"))
                }
            }
            if let text = request.queryValue("type") {
                type = TransitionLog.Entity(rawValue: text)
                if type == nil { problems.append(.init(field: "type", code: "invalid_value", message: "type must be setup, endpoint or job")) }
            }
            setupID = request.queryValue("setup_id")
            guard problems.isEmpty else { throw APIError.validation(problems, status: 400) }
        }
    }

    @Sendable func list(_ context: RequestContext) throws -> Response {
        let query = try Query(context.request)
        if let setupID = query.setupID { try context.requireVisibleSetup(setupID, in: store) }
        let events = try store.database.read { db in
            try TransitionLog.page(
                db, after: query.after, limit: query.limit, setupID: query.setupID, entityType: query.type, team: context.identity.team)
        }
        return .json(
            200,
            .object([
                ("events", .array(events.map(Representation.transition))), ("next_after", .int(events.last?.id ?? query.after)),
            ]))
    }
}
