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
                        error_message, request_id, duration_ms, throttle_wait_ms, setup_id, job_id)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                    [.text(Timestamp.string(call.at)), .optional(call.accountID), .text(call.region),
                     .text(call.service.rawValue), .text(call.action), .int(call.attempt),
                     call.httpStatus.map { .int($0) } ?? .null, .optional(call.errorCode), .optional(call.errorMessage),
                     .optional(call.requestID), .real(call.durationMilliseconds), .real(call.throttleWaitMilliseconds),
                     .optional(call.setupID), .optional(call.jobID)])
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
                       request_id, duration_ms, throttle_wait_ms, setup_id, job_id
                FROM aws_calls WHERE setup_id = ? ORDER BY id
                """, [.text(setupID)], Self.record)
        }
    }

    static func record(_ row: Row) throws -> AWSCallRecord {
        AWSCallRecord(
            at: Timestamp.date(row.string(0)) ?? Date(timeIntervalSince1970: 0), accountID: row.optionalString(1),
            region: row.string(2), service: try StoredValueError.decode(AWSService.self, row.string(3)), action: row.string(4),
            attempt: row.int(5), httpStatus: row.optionalInt(6), errorCode: row.optionalString(7),
            errorMessage: row.optionalString(8), requestID: row.optionalString(9), durationMilliseconds: row.double(10),
            throttleWaitMilliseconds: row.double(11), setupID: row.optionalString(12), jobID: row.optionalString(13))
    }
}
