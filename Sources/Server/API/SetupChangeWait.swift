import Core

/// A long poll on one setup (`GET /v1/setups/{id}?wait=` with `If-None-Match`): the event loop asks
/// it at every sweep (100 ms); it answers with the changed setup, or with the 304 at the deadline.
final class SetupChangeWait: PendingResponse, @unchecked Sendable {
    private let deadline: Double
    private let unchanged: Response
    /// The new answer once the setup changed, nil while it has not.
    private let changed: @Sendable () throws -> Response?

    init(deadline: Double, unchanged: Response, changed: @escaping @Sendable () throws -> Response?) {
        self.deadline = deadline
        self.unchanged = unchanged
        self.changed = changed
    }

    func poll(now: Double) -> Response? {
        do {
            if let response = try changed() { return response }
        } catch let error as HTTPResponseError {
            return error.response  // deleted meanwhile, for instance
        } catch {
            return APIError.internalError().response
        }
        return now >= deadline ? unchanged : nil
    }
}
