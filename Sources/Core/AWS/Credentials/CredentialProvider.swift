import Foundation

/// A source of AWS credentials. Providers of temporary credentials cache them and refresh them
/// before they expire.
public protocol CredentialProvider: Sendable {
    func credentials() throws -> AWSCredentials
}

/// No source in the chain had credentials; says what was tried.
public struct CredentialsNotFound: Error, Sendable, CustomStringConvertible {
    public let tried: [String]
    public var description: String { "no AWS credentials found (tried: \(tried.joined(separator: "; ")))" }
}

/// A source had something but it could not be used (a broken profile, a failed role assumption).
public struct CredentialsError: Error, Sendable, CustomStringConvertible {
    public let source: String
    public let reason: String
    public var description: String { "AWS credentials from \(source): \(reason)" }
}

/// Fixed credentials (tests, or keys handed over explicitly).
public struct StaticCredentialProvider: CredentialProvider {
    public let value: AWSCredentials
    public init(_ value: AWSCredentials) { self.value = value }
    public func credentials() throws -> AWSCredentials { value }
}

/// Caches what `fetch` returns until five minutes before it expires; then fetches again. Fetches
/// are serialized so that many workers needing credentials at once cause one fetch.
public final class CachingCredentialProvider: CredentialProvider {
    private let cache = Locked<AWSCredentials?>(nil)
    private let fetchLock = NSLock()
    private let fetch: @Sendable () throws -> AWSCredentials
    private let clock: Clock
    private let margin: TimeInterval

    public init(clock: Clock = .system, refreshMargin: TimeInterval = 300, fetch: @escaping @Sendable () throws -> AWSCredentials) {
        self.fetch = fetch
        self.clock = clock
        self.margin = refreshMargin
    }

    public func credentials() throws -> AWSCredentials {
        if let cached = cache.withLock({ $0 }), !cached.needsRefresh(at: clock.now(), margin: margin) { return cached }
        fetchLock.lock()
        defer { fetchLock.unlock() }
        if let cached = cache.withLock({ $0 }), !cached.needsRefresh(at: clock.now(), margin: margin) { return cached }
        let fresh = try fetch()
        cache.withLock { $0 = fresh }
        return fresh
    }
}
