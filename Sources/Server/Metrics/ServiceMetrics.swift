import Core
import Foundation
import HTTPTypes
import Prometheus

/// The service's Prometheus metrics (swift-prometheus's registry and text exposition). Counters and
/// histograms are kept in memory as things happen; counts of stored rows (setups, jobs,
/// verifications) are read at each scrape from covering indexes.
public final class ServiceMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    /// Request latency buckets, in seconds: 1 ms to 10 s.
    static let latencyBuckets: [Duration] = [1, 2.5, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 10000].map { .milliseconds($0) }

    /// The per-request counters and timers, made once per label set: swift-prometheus's `make…`
    /// checks names and help text and looks the metric up at every call (about 24,700 instructions
    /// a request, measured with callgrind); the label sets are bounded (route templates).
    /// The request metrics by their labels, so a request costs a lookup, not a registry call.
    private struct RequestLabels: Hashable {
        let method: HTTPRequest.Method
        let route: String
        let status: Int
    }
    private let requestCounters = Locked<[RequestLabels: Counter]>([:])
    private let requestTimers = Locked<[RequestLabels: DurationHistogram]>([:])

    public init() {}

    /// `privatelinkd_<metric>[_<unit>]` with its help text (swift-prometheus's descriptor is not
    /// Sendable, so these are made where used).
    private static func name(_ metric: String, unit: String = "", _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "privatelinkd", metricName: metric, unitName: unit, helpText: help)
    }

    static var requests: MetricNameDescriptor { name("http_requests", unit: "total", "HTTP requests by method, route template and status.") }
    static var denied: MetricNameDescriptor { name("denied_requests", unit: "total", "Requests refused by authentication or for want of a role, by reason.") }
    static var awsCalls: MetricNameDescriptor { name("aws_calls", unit: "total", "AWS call attempts by service, action and outcome.") }
    static var awsRetries: MetricNameDescriptor { name("aws_retries", unit: "total", "AWS call attempts after the first, by service and action.") }
    static var limiterWait: MetricNameDescriptor {
        name("aws_rate_limiter_wait_seconds", unit: "total", "Time AWS calls waited for the client-side rate limiter.")
    }
    static var setups: MetricNameDescriptor { name("setups", "Setups by status.") }
    static var spokes: MetricNameDescriptor { name("spokes", "Spokes by status: hubs' spokes and vpc_peering setups' peers.") }
    static var jobs: MetricNameDescriptor { name("jobs", "Jobs by kind and state.") }
    static var oldestQueued: MetricNameDescriptor { name("oldest_queued_job_age", unit: "seconds", "Age of the oldest queued job; 0 when none is queued.") }
    static var verifications: MetricNameDescriptor { name("verifications", "Verification runs by state.") }
    static var checks: MetricNameDescriptor { name("verification_checks", "Verification checks by result code.") }
    static var streams: MetricNameDescriptor { name("sse_streams_open", "Open event streams.") }

    /// One answered request: counted by method, route template (never the raw path) and status.
    func recordRequest(method: HTTPRequest.Method, route: String, status: Int, seconds: Double) {
        Self.made(in: requestCounters, RequestLabels(method: method, route: route, status: status)) {
            registry.makeCounter(descriptor: Self.requests, labels: [("method", method.rawValue), ("route", route), ("status", String(status))])
        }.increment()
        let timer = Self.made(in: requestTimers, RequestLabels(method: method, route: route, status: 0)) {
            registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(
                    namespace: "privatelinkd", metricName: "http_request_duration", unitName: "seconds",
                    helpText: "Time from a complete request to its response, by route template."),
                labels: [("method", method.rawValue), ("route", route)], buckets: Self.latencyBuckets)
        }
        timer.recordNanoseconds(Int64(seconds * 1e9))
    }

    /// The metric kept under `key`, made (once) when missing.
    private static func made<Key: Hashable, Metric>(in cache: Locked<[Key: Metric]>, _ key: Key, _ make: () -> Metric) -> Metric {
        if let known = cache.withLock({ $0[key] }) { return known }
        return cache.withLock { metrics in
            if let known = metrics[key] { return known }
            let metric = make()
            metrics[key] = metric
            return metric
        }
    }

    /// A request refused by authentication or for want of a role.
    func recordDenied(_ reason: String) {
        registry.makeCounter(descriptor: Self.denied, labels: [("reason", reason)]).increment()
    }

    /// One attempt of one AWS call, classified by outcome.
    public func recordAWSCall(_ call: AWSCallRecord) {
        let labels = [("service", call.service.rawValue), ("action", call.action), ("outcome", Self.outcome(call))]
        registry.makeCounter(descriptor: Self.awsCalls, labels: labels).increment()
        if call.attempt > 1 {
            registry.makeCounter(descriptor: Self.awsRetries, labels: [("service", call.service.rawValue), ("action", call.action)])
                .increment()
        }
        if call.throttleWaitMilliseconds > 0 {
            registry.makeCounter(descriptor: Self.limiterWait, labels: [("service", call.service.rawValue)])
                .increment(by: call.throttleWaitMilliseconds / 1000)
        }
    }

    /// ok, throttled, client_error, server_error or network (no HTTP answer).
    static func outcome(_ call: AWSCallRecord) -> String {
        guard let status = call.httpStatus else { return "network" }
        if (200..<300).contains(status) { return "ok" }
        if status == 429 || AWSError.throttlingCodes.contains(call.errorCode ?? "") { return "throttled" }
        return status >= 500 ? "server_error" : "client_error"
    }

    /// Sets the gauges read from the database, then renders everything in the text format.
    func exposition(_ snapshot: MetricsRows.Snapshot, openStreams: Int) -> [UInt8] {
        for status in SetupStatus.allCases {
            registry.makeGauge(descriptor: Self.setups, labels: [("status", status.rawValue)])
                .set(Double(snapshot.setupsByStatus[status.rawValue] ?? 0))
        }
        for status in SpokeStatus.allCases {
            registry.makeGauge(descriptor: Self.spokes, labels: [("status", status.rawValue)])
                .set(Double(snapshot.spokesByStatus[status.rawValue] ?? 0))
        }
        for kind in JobKind.allCases {
            for state in JobState.allCases {
                registry.makeGauge(descriptor: Self.jobs, labels: [("kind", kind.rawValue), ("state", state.rawValue)])
                    .set(Double(snapshot.jobsByKindAndState[.init(kind: kind.rawValue, state: state.rawValue)] ?? 0))
            }
        }
        registry.makeGauge(descriptor: Self.oldestQueued).set(snapshot.oldestQueuedJobAge ?? 0)
        for (state, count) in snapshot.verificationsByState {
            registry.makeGauge(descriptor: Self.verifications, labels: [("state", state)]).set(Double(count))
        }
        for (code, count) in snapshot.checksByCode {
            registry.makeGauge(descriptor: Self.checks, labels: [("code", code)]).set(Double(count))
        }
        registry.makeGauge(descriptor: Self.streams).set(Double(openStreams))
        var buffer: [UInt8] = []
        registry.emit(into: &buffer)
        return buffer
    }
}

/// Records every AWS call attempt in the audit table and in the metrics.
public struct MeteredAWSCallRecorder: AWSCallRecorder {
    let inner: any AWSCallRecorder
    let metrics: ServiceMetrics

    public init(_ inner: any AWSCallRecorder, metrics: ServiceMetrics) {
        self.inner = inner
        self.metrics = metrics
    }

    public func record(_ call: AWSCallRecord) {
        inner.record(call)
        metrics.recordAWSCall(call)
    }
}
