import Foundation

/// One attempt of one AWS call, as the audit log keeps it.
public struct AWSCallRecord: Sendable, Equatable {
    public let at: Date
    public let accountID: String?
    public let region: String
    public let service: AWSService
    public let action: String
    public let attempt: Int
    public let httpStatus: Int?
    public let errorCode: String?
    public let errorMessage: String?
    public let requestID: String?
    public let durationMilliseconds: Double
    public let throttleWaitMilliseconds: Double
    public let setupID: String?
    public let jobID: String?
    /// The `X-Request-Id` of the API request whose job made the call.
    public var apiRequestID: String? = nil
}

/// Where the client reports each attempt (the SQLite `aws_calls` table in the service).
public protocol AWSCallRecorder: Sendable {
    func record(_ call: AWSCallRecord)
}
