import Core

/// An error that knows its HTTP answer. Handlers and middleware throw them; `Application` renders
/// them in one place, and anything else is a logged 500.
public protocol HTTPResponseError: Error {
    var response: Response { get }
}

extension APIError: HTTPResponseError {}

extension NotFound: HTTPResponseError {
    public var response: Response { APIError.notFound("\(kind) \(id)").response }
}

extension StateConflict: HTTPResponseError {
    public var response: Response { APIError(status: 409, code: "conflict", message: message).response }
}

extension IdempotencyConflict: HTTPResponseError {
    public var response: Response {
        APIError(status: 409, code: "conflict", message: "Idempotency-Key \(Echo.text(key)) was already used with a different request").response
    }
}
