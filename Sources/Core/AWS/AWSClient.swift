import Foundation

/// Who a call is made for: the account (for pacing and the log), the setup and job it serves, and
/// the credentials to use when not the default chain's (an assumed role).
public struct CallContext: Sendable {
    public var accountID: String?
    public var setupID: String?
    public var jobID: String?
    public var credentials: (any CredentialProvider)?
    /// The `X-Request-Id` of the API request the job came from, recorded on every call.
    public var apiRequestID: String?

    public init(
        accountID: String? = nil, setupID: String? = nil, jobID: String? = nil, credentials: (any CredentialProvider)? = nil,
        apiRequestID: String? = nil
    ) {
        self.accountID = accountID
        self.setupID = setupID
        self.jobID = jobID
        self.credentials = credentials
        self.apiRequestID = apiRequestID
    }
}

/// One AWS API request before signing.
public struct AWSRequest: Sendable {
    public var service: AWSService
    public var action: String
    public var region: String
    public var method = "POST"
    /// Percent-encoded path below the endpoint (`/2013-04-01/hostedzone`).
    public var path = "/"
    /// Query parameters, unencoded.
    public var query: [(String, String)] = []
    public var headers: [(name: String, value: String)] = []
    public var body: [UInt8] = []
    public var actionClass: ActionClass
    /// Sent without a signature (STS AssumeRoleWithWebIdentity, which is how credentials are obtained).
    public var unsigned = false

    public init(service: AWSService, action: String, region: String, actionClass: ActionClass) {
        self.service = service
        self.action = action
        self.region = region
        self.actionClass = actionClass
    }
}

/// Sends signed AWS requests: paced by the rate limiter, retried per the standard retry mode,
/// and recorded attempt by attempt. Blocking: it runs on worker threads, never holding a database
/// transaction.
public final class AWSClient: Sendable {
    public let environment: AWSEnvironment
    public let credentials: any CredentialProvider
    let transport: any HTTPTransport
    public let limiter: RateLimiter
    let retry: RetryPolicy
    let quota: RetryQuota
    let recorder: (any AWSCallRecorder)?
    let clock: Clock
    let sleep: @Sendable (TimeInterval) -> Void
    let timeout: TimeInterval

    public init(
        environment: AWSEnvironment = AWSEnvironment(), credentials: any CredentialProvider,
        transport: any HTTPTransport = URLSessionTransport(), limiter: RateLimiter = RateLimiter(),
        retry: RetryPolicy = RetryPolicy(), quota: RetryQuota = RetryQuota(),
        recorder: (any AWSCallRecorder)? = nil, clock: Clock = .system,
        sleep: @escaping @Sendable (TimeInterval) -> Void = { Thread.sleep(forTimeInterval: $0) },
        timeout: TimeInterval = 30
    ) {
        self.environment = environment
        self.credentials = credentials
        self.transport = transport
        self.limiter = limiter
        self.retry = retry
        self.quota = quota
        self.recorder = recorder
        self.clock = clock
        self.sleep = sleep
        self.timeout = timeout
    }

    /// Sends `request`, retrying what the standard mode retries. Returns a 2xx response; throws
    /// `AWSError` (AWS said no), `AWSTransportError` (no answer) or a credentials error.
    public func send(_ request: AWSRequest, context: CallContext = CallContext()) throws -> TransportResponse {
        let endpoint = environment.endpoint(request.service, region: request.region)
        var components = URLComponents(url: endpoint, resolvingAgainstBaseURL: false)!
        let basePath = components.percentEncodedPath.hasSuffix("/") ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        components.percentEncodedPath = basePath + (request.path.hasPrefix("/") ? request.path : "/" + request.path)
        if !request.query.isEmpty { components.percentEncodedQuery = AWSURIEncoding.form(request.query) }
        guard let url = components.url else {
            throw AWSTransportError(service: request.service.rawValue, action: request.action, reason: "bad endpoint URL \(endpoint)", isTimeout: false)
        }
        let signer = SigV4Signer(service: request.service.rawValue, region: request.service.signingRegion(for: request.region))
        let provider = context.credentials ?? credentials
        let limitRegion = request.service == .route53 ? "global" : request.region
        let key = RateLimitKey(account: context.accountID ?? "default", region: limitRegion, actionClass: request.actionClass)

        var attempt = 0
        var retryCostsTaken = 0
        while true {
            attempt += 1
            let waited = limiter.acquire(key)
            let sentAt = clock.now()
            var headers = request.headers
            if !request.unsigned {
                let signature = signer.sign(
                    method: request.method, url: url, headers: request.headers, body: request.body,
                    credentials: try provider.credentials(), date: sentAt)
                headers += signature.headers
            }
            let transportRequest = TransportRequest(
                method: request.method, url: url, headers: headers,
                body: request.body, timeout: timeout)
            let started = DispatchTime.now()
            let outcome: Result<TransportResponse, TransportFailure>
            do { outcome = .success(try transport.send(transportRequest)) } catch let failure as TransportFailure {
                outcome = .failure(failure)
            }
            let duration = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e6

            let failure: Error
            switch outcome {
            case let .success(response) where (200..<300).contains(response.status):
                record(
                    request, context, attempt: attempt, at: sentAt, status: response.status, error: nil,
                    requestID: Self.requestID(response), duration: duration, waited: waited)
                quota.release(retryCostsTaken > 0 ? retryCostsTaken : 1)
                return response
            case let .success(response):
                let error = AWSError.parse(service: request.service.rawValue, action: request.action, status: response.status, body: response.body)
                record(
                    request, context, attempt: attempt, at: sentAt, status: response.status, error: (error.code, error.message),
                    requestID: error.requestID ?? Self.requestID(response), duration: duration, waited: waited)
                failure = error
            case let .failure(transportFailure):
                record(
                    request, context, attempt: attempt, at: sentAt, status: nil,
                    error: (transportFailure.isTimeout ? "Timeout" : "ConnectionError", transportFailure.reason),
                    requestID: nil, duration: duration, waited: waited)
                failure = AWSTransportError(
                    service: request.service.rawValue, action: request.action,
                    reason: transportFailure.reason, isTimeout: transportFailure.isTimeout)
            }

            let retryable: Bool
            let isTimeout: Bool
            switch failure {
            case let error as AWSError: (retryable, isTimeout) = (error.isRetryable, false)
            case let error as AWSTransportError: (retryable, isTimeout) = (true, error.isTimeout)
            default: (retryable, isTimeout) = (false, false)
            }
            guard retryable, attempt < retry.maxAttempts, let cost = quota.acquire(timeout: isTimeout) else { throw failure }
            retryCostsTaken += cost
            sleep(retry.delay(afterAttempt: attempt))
        }
    }

    private func record(
        _ request: AWSRequest, _ context: CallContext, attempt: Int, at: Date, status: Int?,
        error: (String, String)?, requestID: String?, duration: Double, waited: TimeInterval
    ) {
        recorder?.record(
            AWSCallRecord(
                at: at, accountID: context.accountID, region: request.service == .route53 ? "global" : request.region,
                service: request.service, action: request.action, attempt: attempt, httpStatus: status,
                errorCode: error?.0, errorMessage: error.map { String($0.1.prefix(1000)) }, requestID: requestID,
                durationMilliseconds: duration, throttleWaitMilliseconds: waited * 1000,
                setupID: context.setupID, jobID: context.jobID, apiRequestID: context.apiRequestID))
    }

    static func requestID(_ response: TransportResponse) -> String? {
        response.header("x-amzn-RequestId") ?? response.header("x-amz-request-id") ?? response.header("x-amzn-requestid")
    }

    // MARK: Query protocol (EC2, STS)

    /// A Query-protocol call (`Action=…&Version=…` as a form body); returns the parsed XML answer.
    public func query(
        _ service: AWSService, action: String, version: String, region: String,
        parameters: [(String, String)], actionClass: ActionClass, context: CallContext
    ) throws -> XMLTree {
        var request = AWSRequest(service: service, action: action, region: region, actionClass: actionClass)
        request.headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        request.body = Array(AWSURIEncoding.form([("Action", action), ("Version", version)] + parameters).utf8)
        let response = try send(request, context: context)
        do { return try XMLTree.parse(Data(response.body)) } catch {
            throw AWSResponseError(action: action, reason: "not XML: \(error)")
        }
    }
}
