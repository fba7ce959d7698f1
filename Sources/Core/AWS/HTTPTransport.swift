import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// One HTTP exchange, as the AWS client sees it.
public struct TransportRequest: Sendable {
    public var method: String
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]
    public var timeout: TimeInterval

    public init(method: String, url: URL, headers: [(name: String, value: String)] = [], body: [UInt8] = [], timeout: TimeInterval = 30) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.timeout = timeout
    }
}

public struct TransportResponse: Sendable {
    public let status: Int
    public let headers: [String: String]
    public let body: [UInt8]

    public init(status: Int, headers: [String: String] = [:], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.key.lowercased() == name.lowercased() }?.value
    }
}

/// Sends HTTP requests; replaced in tests that need no network at all.
public protocol HTTPTransport: Sendable {
    /// Throws `TransportFailure` when no HTTP answer came back.
    func send(_ request: TransportRequest) throws -> TransportResponse
}

/// No HTTP answer: why, and whether it was a timeout.
public struct TransportFailure: Error, Sendable {
    public let reason: String
    public let isTimeout: Bool
}

/// HTTP through Foundation's URLSession (libcurl on Linux), blocking the calling worker thread.
/// The session is made on the first call, not at start: creating one initialises libcurl and
/// OpenSSL, about 4 MB of resident memory that an idle server (or one with no AWS work) never needs.
public final class URLSessionTransport: HTTPTransport {
    /// One session for the process (a `static let` is initialised once, thread-safely, on first use).
    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpShouldSetCookies = false
        configuration.urlCache = nil
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        return URLSession(configuration: configuration)
    }()

    public init() {}

    private var session: URLSession { Self.session }

    public func send(_ request: TransportRequest) throws -> TransportResponse {
        var urlRequest = URLRequest(url: request.url, timeoutInterval: request.timeout)
        urlRequest.httpMethod = request.method
        for (name, value) in request.headers { urlRequest.setValue(value, forHTTPHeaderField: name) }
        if !request.body.isEmpty || request.method == "POST" || request.method == "PUT" {
            urlRequest.httpBody = Data(request.body)
        }
        let done = DispatchSemaphore(value: 0)
        let result = Locked<Result<TransportResponse, TransportFailure>?>(nil)
        let task = session.dataTask(with: urlRequest) { data, response, error in
            if let error {
                let nsError = error as NSError
                let timeout = nsError.domain == NSURLErrorDomain && nsError.code == NSURLErrorTimedOut
                result.withLock { $0 = .failure(TransportFailure(reason: error.localizedDescription, isTimeout: timeout)) }
            } else if let http = response as? HTTPURLResponse {
                var headers: [String: String] = [:]
                for (key, value) in http.allHeaderFields { headers["\(key)"] = "\(value)" }
                result.withLock { $0 = .success(TransportResponse(status: http.statusCode, headers: headers, body: Array(data ?? Data()))) }
            } else {
                result.withLock { $0 = .failure(TransportFailure(reason: "no HTTP response", isTimeout: false)) }
            }
            done.signal()
        }
        task.resume()
        // URLSession enforces the request timeout; this bound only guards against a lost callback.
        if done.wait(timeout: .now() + request.timeout + 5) == .timedOut {
            task.cancel()
            throw TransportFailure(reason: "no answer within \(Int(request.timeout))s", isTimeout: true)
        }
        return try result.withLock { $0! }.get()
    }
}
