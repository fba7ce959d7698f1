import Foundation

/// What a job does when a step throws: a pure function of the error and the attempts so far, so
/// every case is a row in a table test and the worker only carries the decision out.
public enum FailurePolicy {
    public enum Decision: Sendable, Equatable {
        /// Another worker holds the job now: touch nothing.
        case abandon
        /// The setup fails with this code and message (the message names the fix).
        case fail(code: String, message: String)
        /// Transient: park the job and try the same step again after `delay` seconds.
        case retry(delay: TimeInterval, error: String)
    }

    /// Longest back-off between two tries of a job.
    public static let maxDelay: TimeInterval = 300

    /// - Parameters:
    ///   - attempts: failed tries of the job before this one.
    ///   - maxAttempts: tries after which a transient failure fails the setup.
    public static func decide(_ error: any Error, attempts: Int, maxAttempts: Int) -> Decision {
        switch error {
        case is LeaseLost:
            return .abandon
        case let failure as StepFailure:
            return .fail(code: failure.code, message: failure.message)
        case let missing as CredentialsNotFound:
            return .fail(
                code: "aws_credentials_missing",
                message: "\(missing.description); configure credentials (see README, AWS access) and retry the setup")
        case let aws as AWSError where !aws.isRetryable:
            return .fail(code: "aws_" + aws.code, message: aws.description)
        default:
            // Throttling or 5xx beyond the client's retries, no answer, a credentials service down:
            // again later, with back-off (2 s, 4 s, 8 s, … at most 5 minutes), a bounded number of times.
            if attempts + 1 >= maxAttempts {
                return .fail(code: "transient_errors", message: "gave up after \(attempts + 1) attempts: \(error)")
            }
            return .retry(delay: min(maxDelay, 2 * pow(2, Double(min(attempts, 30)))), error: "\(error)")
        }
    }
}
