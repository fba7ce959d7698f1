import Foundation

/// An error AWS answered: its code, message and request id, as the service sent them.
public struct AWSError: Error, Sendable, Equatable, CustomStringConvertible {
    public let service: String
    public let action: String
    public let httpStatus: Int
    public let code: String
    public let message: String
    public let requestID: String?

    public var description: String {
        "\(service):\(action) failed with \(httpStatus) \(code): \(message)" + (requestID.map { " (request id \($0))" } ?? "")
    }

    /// Throttling codes across EC2, Route53 and STS (botocore's standard retry list).
    public static let throttlingCodes: Set<String> = [
        "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
        "TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
        "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
        "SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
    ]
    /// Errors AWS documents as transient.
    static let transientCodes: Set<String> = [
        "RequestTimeout", "RequestTimeoutException", "PriorRequestNotComplete", "InternalError", "InternalFailure",
        "ServiceUnavailable", "Unavailable",
    ]

    public var isThrottling: Bool { AWSError.throttlingCodes.contains(code) || httpStatus == 429 }
    public var isRetryable: Bool {
        isThrottling || AWSError.transientCodes.contains(code) || [500, 502, 503, 504].contains(httpStatus)
    }
    public var isNotFound: Bool { code.hasSuffix(".NotFound") || code.hasPrefix("NoSuch") || code == "NotFound" }

    /// Upstream text kept in a message: enough to diagnose, too little to flood a log or a row.
    static let maxMessageCharacters = 300

    /// Reads an AWS error document: EC2's `<Response><Errors><Error>` or the query/REST-XML
    /// `<ErrorResponse><Error>` form. Falls back to the HTTP status when the body is not XML.
    /// Whatever the upstream sent is cut and kept on one line (an HTML error page, or a proxy
    /// in the way, could otherwise write lines of its own into our logs).
    public static func parse(service: String, action: String, status: Int, body: [UInt8]) -> AWSError {
        if let tree = try? XMLTree.parse(Data(body)), let error = tree.find("Error") {
            let requestID = tree.text("RequestID") ?? tree.text("RequestId") ?? tree.find("RequestId")?.text
            return AWSError(
                service: service, action: action, httpStatus: status,
                code: Echo.text(error.text("Code") ?? "HTTP\(status)", limit: 64),
                message: Echo.text((error.text("Message") ?? "").trimmingCharacters(in: .whitespacesAndNewlines), limit: maxMessageCharacters),
                requestID: requestID.map { Echo.text($0.trimmingCharacters(in: .whitespacesAndNewlines), limit: 64) })
        }
        let snippet = Echo.text(String(decoding: body.prefix(4 * maxMessageCharacters), as: UTF8.self), limit: maxMessageCharacters)
        return AWSError(
            service: service, action: action, httpStatus: status, code: "HTTP\(status)",
            message: snippet.isEmpty ? "HTTP status \(status) with no body" : "a \(body.count)-byte body that is not an AWS error: \(snippet)",
            requestID: nil)
    }
}

/// The request never got an HTTP answer: connection refused or reset, timeout, TLS failure.
public struct AWSTransportError: Error, Sendable, CustomStringConvertible {
    public let service: String
    public let action: String
    public let reason: String
    public let isTimeout: Bool
    public var description: String { "\(service):\(action) got no answer: \(reason)" }
}

/// A success response that did not have the shape the API model promises.
public struct AWSResponseError: Error, Sendable, CustomStringConvertible {
    public let action: String
    public let reason: String
    public var description: String { "\(action): unexpected response: \(reason)" }
}
