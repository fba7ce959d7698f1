import Foundation
import Testing
@testable import Core

/// Time that only moves when someone sleeps: pacing is checked exactly, and instantly.
final class VirtualClock: @unchecked Sendable {
    private let now = Locked(Date(timeIntervalSince1970: 1_800_000_000))
    var clock: Clock { Clock { [self] in self.now.withLock { $0 } } }
    var sleep: @Sendable (TimeInterval) -> Void { { [self] seconds in self.now.withLock { $0 = $0.addingTimeInterval(seconds) } } }
    var elapsed: TimeInterval { now.withLock { $0.timeIntervalSince1970 - 1_800_000_000 } }
}

/// Answers from a script, one entry per request; records what was sent.
final class ScriptedTransport: HTTPTransport, @unchecked Sendable {
    enum Step { case status(Int, String), fail(timeout: Bool) }
    private let steps: Locked<[Step]>
    let sent = Locked<[TransportRequest]>([])

    init(_ steps: [Step]) { self.steps = Locked(steps) }

    func send(_ request: TransportRequest) throws -> TransportResponse {
        sent.withLock { $0.append(request) }
        let step = steps.withLock { $0.isEmpty ? Step.status(200, "<DescribeVpcsResponse><vpcSet/></DescribeVpcsResponse>") : $0.removeFirst() }
        switch step {
        case let .status(code, body): return TransportResponse(status: code, headers: ["x-amzn-RequestId": "req-\(code)"], body: Array(body.utf8))
        case let .fail(timeout): throw TransportFailure(reason: timeout ? "timed out" : "connection reset by peer", isTimeout: timeout)
        }
    }
}

final class MemoryRecorder: AWSCallRecorder, @unchecked Sendable {
    let calls = Locked<[AWSCallRecord]>([])
    func record(_ call: AWSCallRecord) { calls.withLock { $0.append(call) } }
}

func ec2Error(_ code: String) -> String {
    "<Response><Errors><Error><Code>\(code)</Code><Message>\(code) happened</Message></Error></Errors><RequestID>rid-\(code)</RequestID></Response>"
}

@Suite struct RetryTests {
    func client(
        _ transport: ScriptedTransport, recorder: MemoryRecorder, quota: RetryQuota = RetryQuota(),
        sleeps: Locked<[TimeInterval]>, random: Double = 0.999
    ) -> EC2Client {
        var policy = RetryPolicy()
        policy.random = { random }
        let aws = AWSClient(
            environment: AWSEnvironment(variables: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9"]),
            credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "AKID", secretAccessKey: "s")),
            transport: transport, retry: policy, quota: quota, recorder: recorder,
            sleep: { s in sleeps.withLock { $0.append(s) } })
        return EC2Client(client: aws, region: "us-east-1")
    }

    @Test func throttlingAnd5xxAreRetriedWithCappedJitteredBackoff() throws {
        let transport = ScriptedTransport([.status(503, ec2Error("Unavailable")), .status(400, ec2Error("RequestLimitExceeded"))])
        let recorder = MemoryRecorder()
        let sleeps = Locked<[TimeInterval]>([])
        let vpcs = try client(transport, recorder: recorder, sleeps: sleeps).describeVpcs(ids: [])
        #expect(vpcs.isEmpty)
        let calls = recorder.calls.withLock { $0 }
        #expect(calls.map(\.attempt) == [1, 2, 3])
        #expect(calls.map(\.httpStatus) == [503, 400, 200])
        #expect(calls.map(\.errorCode) == ["Unavailable", "RequestLimitExceeded", nil])
        #expect(calls[1].requestID == "rid-RequestLimitExceeded")
        // Full jitter below min(20 s, 1 s × 2^(attempt−1)): attempt 1 → < 1 s, attempt 2 → < 2 s.
        let waits = sleeps.withLock { $0 }
        #expect(waits.count == 2)
        #expect(waits[0] < 1 && waits[0] > 0.99 && waits[1] < 2 && waits[1] > 1.99)
    }

    @Test func terminalErrorsAreNeverRetried() {
        let transport = ScriptedTransport([.status(400, ec2Error("InvalidParameterValue")), .status(200, "<x/>")])
        let recorder = MemoryRecorder()
        #expect(throws: AWSError.self) {
            try client(transport, recorder: recorder, sleeps: Locked([])).describeVpcs(ids: [])
        }
        #expect(recorder.calls.withLock { $0.count } == 1)
        #expect(transport.sent.withLock { $0.count } == 1)
    }

    @Test func connectionFailuresAreRetriedUpToTheAttemptLimit() {
        let transport = ScriptedTransport([.fail(timeout: false), .fail(timeout: true), .fail(timeout: false), .status(200, "<x/>")])
        let recorder = MemoryRecorder()
        #expect(throws: AWSTransportError.self) {
            try client(transport, recorder: recorder, sleeps: Locked([])).describeVpcs(ids: [])
        }
        let calls = recorder.calls.withLock { $0 }
        #expect(calls.map(\.errorCode) == ["ConnectionError", "Timeout", "ConnectionError"])
        #expect(calls.allSatisfy { $0.httpStatus == nil })
    }

    @Test func anEmptyRetryQuotaStopsRetries() {
        let quota = RetryQuota()
        while quota.acquire(timeout: false) != nil {}
        #expect(quota.available < RetryQuota.retryCost)
        let transport = ScriptedTransport([.status(500, ec2Error("InternalError"))])
        let recorder = MemoryRecorder()
        #expect(throws: AWSError.self) {
            try client(transport, recorder: recorder, quota: quota, sleeps: Locked([])).describeVpcs(ids: [])
        }
        #expect(recorder.calls.withLock { $0.count } == 1)
    }

    @Test func backoffBounds() {
        var policy = RetryPolicy()
        for attempt in 1...8 {
            policy.random = { 0.999999 }
            let ceiling = min(20, pow(2, Double(attempt - 1)))
            #expect(policy.delay(afterAttempt: attempt) < ceiling)
            #expect(policy.delay(afterAttempt: attempt) > ceiling * 0.99)
            policy.random = { 0 }
            #expect(policy.delay(afterAttempt: attempt) == 0)
        }
    }

    @Test func classification() {
        let make = { (status: Int, code: String) in AWSError(service: "ec2", action: "A", httpStatus: status, code: code, message: "", requestID: nil) }
        #expect(make(400, "RequestLimitExceeded").isRetryable)
        #expect(make(400, "Throttling").isThrottling)
        #expect(make(400, "PriorRequestNotComplete").isRetryable)
        #expect(make(503, "HTTP503").isRetryable)
        #expect(make(429, "HTTP429").isThrottling)
        #expect(!make(400, "InvalidVpcID.NotFound").isRetryable)
        #expect(!make(403, "UnauthorizedOperation").isRetryable)
        #expect(!make(400, "IdempotentParameterMismatch").isRetryable)
        let parsed = AWSError.parse(
            service: "route53", action: "GetChange", status: 400,
            body: Array(
                "<ErrorResponse xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
                    .utf8))
        #expect(parsed.code == "Throttling" && parsed.message == "Rate exceeded" && parsed.requestID == "r-1" && parsed.isThrottling)
    }

    @Test func aRealRefusedConnectionIsRetriedAndRecorded() throws {
        // Port 9 (discard) on loopback: nothing listens there, the kernel refuses at once.
        let recorder = MemoryRecorder()
        let aws = AWSClient(
            environment: AWSEnvironment(variables: ["AWS_ENDPOINT_URL": "http://127.0.0.1:9"]),
            credentials: StaticCredentialProvider(MotoServer.credentials), recorder: recorder,
            sleep: { _ in }, timeout: 5)
        #expect(throws: AWSTransportError.self) { try EC2Client(client: aws, region: "us-east-1").describeAvailabilityZones() }
        #expect(recorder.calls.withLock { $0.map(\.attempt) } == [1, 2, 3])
    }
}

@Suite struct RateLimiterTests {
    @Test func bucketsRefillAtTheirRateAndAreSeparatePerKey() {
        let time = VirtualClock()
        let limiter = RateLimiter(clock: time.clock, sleep: time.sleep)
        let describe = RateLimitKey(account: "1", region: "us-east-1", actionClass: .ec2NonMutating)
        for _ in 0..<100 { #expect(limiter.acquire(describe) == 0) }
        #expect(abs(limiter.acquire(describe) - (1 + RateLimiter.margin) / 20) < 1e-9)  // 20 per second, and the margin
        let otherRegion = RateLimitKey(account: "1", region: "eu-west-1", actionClass: .ec2NonMutating)
        #expect(limiter.acquire(otherRegion) == 0)
        let otherAccount = RateLimitKey(account: "2", region: "us-east-1", actionClass: .ec2VpcEndpointMutating)
        for _ in 0..<4 { #expect(limiter.acquire(otherAccount) == 0) }
        #expect(limiter.acquire(otherAccount) > 3.3)
    }

    /// 40 creates in one account and region through the real client to moto: the first four go
    /// at once (the burst), then one every 1/0.3 s (plus a margin that does not add up), and none is sent
    /// before its token exists.
    @Test func fortyCreatesArePacedByTheBucketAndNoneIsSentEarly() throws {
        let time = VirtualClock()
        let limiter = RateLimiter(clock: time.clock, sleep: time.sleep)
        let moto = try MotoServer.shared()
        let sendTimes = Locked<[TimeInterval]>([])
        struct Timing: HTTPTransport {
            let inner = URLSessionTransport()
            let time: VirtualClock
            let sendTimes: Locked<[TimeInterval]>
            func send(_ request: TransportRequest) throws -> TransportResponse {
                if String(decoding: request.body, as: UTF8.self).contains("Action=CreateVpcEndpoint") {
                    sendTimes.withLock { $0.append(time.elapsed) }
                }
                return try inner.send(request)
            }
        }
        let fixture = try MotoFixture(region: "eu-west-2")
        let net = try fixture.network(cidr: "10.51.0.0/16")
        let aws = AWSClient(
            environment: moto.environment(region: "eu-west-2"), credentials: StaticCredentialProvider(MotoServer.credentials),
            transport: Timing(time: time, sendTimes: sendTimes), limiter: limiter, clock: time.clock, sleep: time.sleep)
        let ec2 = EC2Client(client: aws, region: "eu-west-2", context: CallContext(accountID: "123456789012"))
        for i in 0..<40 {
            _ = try ec2.createVpcEndpoint(
                .init(
                    vpcID: net.vpc, serviceName: "com.amazonaws.vpce.eu-west-2.vpce-svc-\(String(format: "%017x", i))",
                    subnetIDs: [net.subnets[0]], securityGroupIDs: [net.securityGroup], privateDNSEnabled: true))
        }
        let times = sendTimes.withLock { $0 }
        #expect(times.count == 40)
        for (i, t) in times.enumerated() {
            let due = i < 4 ? 0 : (Double(i - 3) + RateLimiter.margin) / 0.3  // token i exists at (i − burst + 1) / rate
            #expect(t >= max(0, Double(i - 3) / 0.3) - 1e-6, "create \(i) sent faster than AWS's own bucket allows")
            #expect(t >= due - 1e-6, "create \(i) sent at \(t)s, before its token at \(due)s")
            #expect(t <= due + 1e-6, "create \(i) waited longer than the bucket requires")
        }
        #expect(abs(times.last! - (36 + RateLimiter.margin) / 0.3) < 1e-6)
    }
}
