import Foundation

/// Which token bucket a call draws from (AWS throttles per account and region, by action class).
public struct RateLimitKey: Hashable, Sendable {
    public let account: String
    public let region: String
    public let actionClass: ActionClass

    public init(account: String, region: String, actionClass: ActionClass) {
        self.account = account
        self.region = region
        self.actionClass = actionClass
    }
}

/// AWS's throttling classes, with their documented bucket sizes and refill rates.
public enum ActionClass: String, Sendable, CaseIterable {
    /// EC2 CreateVpcEndpoint, ModifyVpcEndpoint, DeleteVpcEndpoints: burst 4, 0.3 per second.
    case ec2VpcEndpointMutating
    /// EC2 Describe* and other non-mutating calls: burst 100, 20 per second.
    case ec2NonMutating
    /// Other EC2 mutating calls (peering, routes): burst 200, 5 per second.
    case ec2Mutating
    /// Route53: five requests per second per account, every action. The client's burst is 4 of
    /// AWS's 5: the token kept in hand absorbs a request the scheduler sent late, which would
    /// otherwise meet an AWS bucket that lost that token to its cap (seen under full CPU load).
    case route53
    /// STS: a per-account, per-region quota far above what privatelinkd needs; paced at 50/s.
    case sts

    public var capacity: Double {
        switch self {
        case .ec2VpcEndpointMutating: return 4
        case .ec2NonMutating: return 100
        case .ec2Mutating: return 200
        case .route53: return 4
        case .sts: return 50
        }
    }

    public var refillPerSecond: Double {
        switch self {
        case .ec2VpcEndpointMutating: return 0.3
        case .ec2NonMutating: return 20
        case .ec2Mutating: return 5
        case .route53: return 5
        case .sts: return 50
        }
    }

    /// The class of an EC2 action.
    public static func ec2(_ action: String) -> ActionClass {
        if ["CreateVpcEndpoint", "ModifyVpcEndpoint", "DeleteVpcEndpoints"].contains(action) { return .ec2VpcEndpointMutating }
        if action.hasPrefix("Describe") || action.hasPrefix("Get") || action.hasPrefix("List") { return .ec2NonMutating }
        return .ec2Mutating
    }
}

/// Client-side token buckets, so that many setups in one account are paced below AWS's own limits
/// and draw no throttling at all. A caller beyond the burst reserves the next token (the bucket
/// goes negative) and sleeps until it is due: first come, first served, and never early.
///
/// Buckets refill at AWS's documented rate, and a call that had to wait for a token waits
/// `margin` (3%) of one refill interval more: our bucket and AWS's start at different moments and
/// requests take varying time to arrive, so sending at the very instant the token exists draws an
/// occasional throttle (measured: one in twenty creates). The margin is per wait, not cumulative:
/// pacing at 97% of the rate instead cost 3% of every run (0.6 s of 20 s for ten endpoints).
public final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Date
    }

    private let buckets = Locked<[RateLimitKey: Bucket]>([:])
    /// Extra wait after a token, as a fraction of one refill interval.
    public static let margin = 0.03
    private let clock: Clock
    private let sleep: @Sendable (TimeInterval) -> Void

    public init(clock: Clock = .system, sleep: @escaping @Sendable (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) }) {
        self.clock = clock
        self.sleep = sleep
    }

    /// Blocks until a call of this key may be sent; returns how long it waited.
    @discardableResult
    public func acquire(_ key: RateLimitKey) -> TimeInterval {
        let wait = buckets.withLock { buckets -> TimeInterval in
            let now = clock.now()
            var bucket = buckets[key] ?? Bucket(tokens: key.actionClass.capacity, updated: now)
            let elapsed = max(0, now.timeIntervalSince(bucket.updated))
            let rate = key.actionClass.refillPerSecond
            bucket.tokens = min(key.actionClass.capacity, bucket.tokens + elapsed * rate)
            bucket.updated = now
            bucket.tokens -= 1
            buckets[key] = bucket
            return bucket.tokens >= 0 ? 0 : (-bucket.tokens + RateLimiter.margin) / rate
        }
        if wait > 0 { sleep(wait) }
        return wait
    }
}
