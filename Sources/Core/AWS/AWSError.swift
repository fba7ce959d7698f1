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
    static let throttlingCodes: Set<String> = [
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

    /// Reads an AWS error document: EC2's `<Response><Errors><Error>` or the query/REST-XML
    /// `<ErrorResponse><Error>` form. Falls back to the HTTP status when the body is not XML.
    public static func parse(service: String, action: String, status: Int, body: [UInt8]) -> AWSError {
        if let tree = try? XMLTree.parse(Data(body)), let error = tree.find("Error") {
            let requestID = tree.text("RequestID") ?? tree.text("RequestId") ?? tree.find("RequestId")?.text
            return AWSError(service: service, action: action, httpStatus: status,
                            code: error.text("Code") ?? "HTTP\(status)", message: error.text("Message") ?? "",
                            requestID: requestID?.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        let snippet = String(decoding: body.prefix(200), as: UTF8.self)
        return AWSError(service: service, action: action, httpStatus: status, code: "HTTP\(status)",
                        message: snippet.isEmpty ? "HTTP status \(status) with no body" : snippet, requestID: nil)
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
