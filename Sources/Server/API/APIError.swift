import Core
import HTTPTypes

/// An error answered as `{"error": {"code", "message", "details"}}`. Codes are stable: clients and
/// dashboards switch on them.
public struct APIError: Error, Sendable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
    public var details: [JSON] = []
    public var extra: [(String, JSON)] = []
    public var headerFields: HTTPFields = [:]

    public var response: Response {
        .error(status, code: code, message: message, details: details, extra: extra, headerFields: headerFields)
    }

    /// `what` names the missing thing and may hold request input (an id, a path): it is cut and
    /// escaped.
    public static func notFound(_ what: String) -> APIError {
        APIError(status: 404, code: "not_found", message: "\(Echo.text(what, limit: 120)) not found")
    }

    public static func invalidJSON(_ reason: String) -> APIError {
        APIError(status: 400, code: "invalid_json", message: "the body is not valid JSON: \(reason)")
    }

    public static func validation(_ problems: [ValidationProblem], status: HTTPResponse.Status = 422) -> APIError {
        APIError(
            status: status, code: "validation_failed",
            message: problems.count == 1 ? problems[0].message : "the request has \(problems.count) problems",
            details: problems.map(\.json))
    }

    public static func internalError() -> APIError {
        APIError(status: 500, code: "internal", message: "an internal error occurred; it was logged")
    }
}
