import Foundation
import Testing
@testable import Core

/// The failure policy as a table: (error, attempts so far) → what the job does.
@Suite struct FailurePolicyTests {
    struct Row: Sendable, CustomTestStringConvertible {
        let name: String
        let error: any Error & Sendable
        let attempts: Int
        let expected: FailurePolicy.Decision
        var testDescription: String { name }
    }

    static func aws(_ status: Int, _ code: String) -> AWSError {
        AWSError(service: "ec2", action: "CreateVpcEndpoint", httpStatus: status, code: code, message: "m", requestID: nil)
    }

    struct Unreachable: Error, CustomStringConvertible { var description: String { "no answer" } }

    static let rows: [Row] = [
        Row(name: "lease lost", error: LeaseLost(jobID: "jb_1"), attempts: 0, expected: .abandon),
        Row(
            name: "a problem the user must fix", error: StepFailure("security_group_blocks_443", "add the rule"), attempts: 0,
            expected: .fail(code: "security_group_blocks_443", message: "add the rule")),
        Row(
            name: "no credentials", error: CredentialsNotFound(tried: ["environment"]), attempts: 0,
            expected: .fail(
                code: "aws_credentials_missing",
                message: "no AWS credentials found (tried: environment); configure credentials (see README, AWS access) and retry the setup")),
        Row(
            name: "AWS says no", error: aws(400, "UnauthorizedOperation"), attempts: 0,
            expected: .fail(code: "aws_UnauthorizedOperation", message: aws(400, "UnauthorizedOperation").description)),
        Row(
            name: "throttled, first time", error: aws(400, "RequestLimitExceeded"), attempts: 0,
            expected: .retry(delay: 2, error: aws(400, "RequestLimitExceeded").description)),
        Row(
            name: "5xx, third time", error: aws(503, "ServiceUnavailable"), attempts: 2,
            expected: .retry(delay: 8, error: aws(503, "ServiceUnavailable").description)),
        Row(name: "no answer, back-off capped", error: Unreachable(), attempts: 4, expected: .retry(delay: 32, error: "no answer")),
        Row(
            name: "transient, out of attempts", error: Unreachable(), attempts: 5,
            expected: .fail(code: "transient_errors", message: "gave up after 6 attempts: no answer")),
    ]

    @Test(arguments: rows)
    func decision(_ row: Row) {
        #expect(FailurePolicy.decide(row.error, attempts: row.attempts, maxAttempts: 6) == row.expected)
    }

    @Test func backOffNeverExceedsFiveMinutesWhateverTheAttempts() {
        for attempts in [8, 9, 64, 1000, 1 << 40] {
            guard case let .retry(delay, _) = FailurePolicy.decide(Unreachable(), attempts: attempts, maxAttempts: Int.max) else {
                Issue.record("no retry at \(attempts)")
                continue
            }
            #expect(delay == FailurePolicy.maxDelay)
        }
    }
}
