import Foundation

/// AWS's "standard" retry mode: at most `maxAttempts` attempts, capped exponential backoff with full
/// jitter, and a shared retry quota so that a failing AWS is not hammered. Terminal errors are
/// never retried.
public struct RetryPolicy: Sendable {
    public var maxAttempts = 3
    public var baseDelay: TimeInterval = 1
    public var maxBackoff: TimeInterval = 20
    /// A number in [0, 1); injected so backoff bounds are tested exactly.
    public var random: @Sendable () -> Double = { Double.random(in: 0..<1) }

    public init() {}

    /// The wait before attempt `attempt + 1`, after attempt `attempt` (1-based) failed:
    /// uniform in [0, min(maxBackoff, baseDelay × 2^(attempt − 1))).
    public func delay(afterAttempt attempt: Int) -> TimeInterval {
        let ceiling = min(maxBackoff, baseDelay * pow(2, Double(max(0, attempt - 1))))
        return random() * ceiling
    }
}

/// The retry quota of the standard mode: 500 tokens; a retry costs 5 (a timeout 10); a success
/// returns what its retries took, or 1 when it needed none.
public final class RetryQuota: Sendable {
    public static let initialTokens = 500
    public static let retryCost = 5
    public static let timeoutCost = 10
    private let tokens = Locked(RetryQuota.initialTokens)

    public init() {}

    public var available: Int { tokens.withLock { $0 } }

    /// Takes the cost of a retry; false when the quota is spent (then do not retry).
    public func acquire(timeout: Bool) -> Int? {
        let cost = timeout ? RetryQuota.timeoutCost : RetryQuota.retryCost
        return tokens.withLock { available -> Int? in
            guard available >= cost else { return nil }
            available -= cost
            return cost
        }
    }

    public func release(_ amount: Int) {
        tokens.withLock { $0 = min(RetryQuota.initialTokens, $0 + amount) }
    }
}
