import Foundation
import Logging

/// The `aws_calls` table: one row per attempt, appended. A failed write is logged, never allowed
/// to fail the AWS call it describes.
public final class AWSCallLog: AWSCallRecorder {
    public let database: Database
    private let logger: Logger

    public init(database: Database, logger: Logger = Logger(label: "privatelinkd.aws-calls")) {
        self.database = database
        self.logger = logger
    }

    public func record(_ call: AWSCallRecord) {
        do {
            try database.write { db in
                try db.run(
                    """
                    INSERT INTO aws_calls (at, account_id, region, service, action, attempt, http_status, error_code,
                        error_message, request_id, duration_ms, throttle_wait_ms, setup_id, job_id, api_request_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [
                        .text(Timestamp.string(call.at)), .optional(call.accountID), .text(call.region),
                        .text(call.service.rawValue), .text(call.action), .int(call.attempt),
                        call.httpStatus.map { .int($0) } ?? .null, .optional(call.errorCode), .optional(call.errorMessage),
                        .optional(call.requestID), .real(call.durationMilliseconds), .real(call.throttleWaitMilliseconds),
                        .optional(call.setupID), .optional(call.jobID), .optional(call.apiRequestID),
                    ])
            }
        } catch {
            logger.error("could not record an AWS call", metadata: ["action": "\(call.action)", "error": "\(error)"])
        }
    }

    /// Calls recorded for a setup, oldest first.
    public func calls(setupID: String) throws -> [AWSCallRecord] {
        try database.read { db in
            try db.rows(
                """
                SELECT at, account_id, region, service, action, attempt, http_status, error_code, error_message,
                       request_id, duration_ms, throttle_wait_ms, setup_id, job_id, api_request_id
                FROM aws_calls WHERE setup_id = ? ORDER BY id
                """, [.text(setupID)], Self.record)
        }
    }

    static func record(_ row: Row) throws -> AWSCallRecord {
        AWSCallRecord(
            at: Timestamp.date(row.string("at")) ?? Date(timeIntervalSince1970: 0), accountID: row.optionalString("account_id"),
            region: row.string("region"), service: try StoredValueError.decode(AWSService.self, row.string("service")),
            action: row.string("action"), attempt: row.int("attempt"), httpStatus: row.optionalInt("http_status"),
            errorCode: row.optionalString("error_code"), errorMessage: row.optionalString("error_message"),
            requestID: row.optionalString("request_id"), durationMilliseconds: row.double("duration_ms"),
            throttleWaitMilliseconds: row.double("throttle_wait_ms"), setupID: row.optionalString("setup_id"), jobID: row.optionalString("job_id"),
            apiRequestID: row.optionalString("api_request_id"))
    }
}
