import HTTPTypes
/// The server's limits; each one answers with a clear status when crossed.
public struct HTTPLimits: Sendable {
    /// Request line alone (414 above it).
    public var maxRequestLineBytes = 8 * 1024
    /// Request line and headers together (431 above it).
    public var maxHeadBytes = 16 * 1024
    public var maxHeaderCount = 100
    /// Body, after chunked decoding (413 above it).
    public var maxBodyBytes = 1024 * 1024
    /// Open connections; at the cap the longest-idle keep-alive connection is closed for a new one.
    public var maxConnections = 4096
    /// From a request's first byte to its last (408 after it): a slow client cannot hold anything.
    public var requestTimeout: Double = 10
    /// A keep-alive connection with no request in progress.
    public var idleTimeout: Double = 60
    /// A client that does not read its response.
    public var writeTimeout: Double = 30
    /// A streaming client that leaves this many bytes unread is dropped.
    public var maxStreamBufferBytes = 1024 * 1024

    public init() {}
}

/// A request that cannot be served, found while reading it: answered, then the connection closes.
public struct HTTPParseError: Error, Sendable, Equatable {
    public let status: HTTPResponse.Status
    public let code: String
    public let message: String
}
