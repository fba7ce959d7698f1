import Core
import HTTPTypes

/// `GET /v1/events`: every transition across setups, oldest first, so a dashboard catches up after
/// a gap (`?after=<id>`), optionally one setup's (`setup_id`) or one entity type's (`type`).
struct EventsAPI: Sendable {
    let store: SetupStore
    let feed: TransitionFeed
    let slots: StreamSlots

    static let defaultPageSize = 100
    static let maxPageSize = 1000

    func register(_ router: inout Router) {
        router.add(.get, "/v1/events", runs: .inline, needs: .role(.reader), list)
        router.add(.get, "/v1/events/stream", runs: .inline, needs: .role(.reader), stream)
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

    /// Server-Sent Events of the same rows as they are written, from `Last-Event-ID` (or `?after=`)
    /// on, else from now; `?setup_id=` follows one setup.
    @Sendable func stream(_ context: RequestContext) throws -> Response {
        let request = context.request
        var problems = request.unknownQueryParameters(known: ["after", "setup_id"])
        var after: Int?
        // Both are checked; Last-Event-ID (a reconnecting EventSource) wins over ?after=.
        for (field, text) in [("Last-Event-ID", request.header(.lastEventID)), ("after", request.queryValue("after"))] {
            guard let text else { continue }
            guard let id = ASCIIDecimal.parse(text, maxDigits: 18) else {
                problems.append(.init(field: field, code: "invalid_value", message: "\(field) must be an event id (a whole number)"))
                continue
            }
            if after == nil { after = id }
        }
        guard problems.isEmpty else { throw APIError.validation(problems, status: 400) }
        let setupID = request.queryValue("setup_id")
        if let setupID { try context.requireVisibleSetup(setupID, in: store) }
        guard slots.take() else {
            var error = APIError(
                status: 503, code: "service_unavailable",
                message: "\(slots.capacity) event streams are open already; retry shortly, or poll GET /v1/events?after=")
            error.headerFields[.retryAfter] = "5"
            throw error
        }
        let now = monotonicSeconds()
        let cursor: Int
        do { cursor = try after ?? feed.latestID(now: now) } catch {
            slots.release()
            throw error
        }
        var response = Response(
            status: .ok, headerFields: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-cache"])
        response.stream = EventStream(feed: feed, after: cursor, setupID: setupID, team: context.identity.team, slots: slots, now: now)
        return response
    }
}
