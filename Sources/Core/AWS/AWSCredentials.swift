import Foundation

/// An access key pair, with a session token and expiry when temporary. `description` never shows
/// the secret or the token, so credentials can be logged by mistake without leaking.
public struct AWSCredentials: Sendable, Equatable, CustomStringConvertible {
    public let accessKeyID: String
    public let secretAccessKey: String
    public let sessionToken: String?
    public let expiration: Date?
    /// Which provider produced them (`environment`, `profile:dev`, `imds`, …).
    public let source: String

    public init(
        accessKeyID: String, secretAccessKey: String, sessionToken: String? = nil,
        expiration: Date? = nil, source: String = "static"
    ) {
        self.accessKeyID = accessKeyID
        self.secretAccessKey = secretAccessKey
        self.sessionToken = sessionToken
        self.expiration = expiration
        self.source = source
    }

    /// Whether they should be replaced: expired, or expiring within `margin` seconds.
    public func needsRefresh(at now: Date, margin: TimeInterval = 300) -> Bool {
        guard let expiration else { return false }
        return expiration.timeIntervalSince(now) < margin
    }

    public var description: String {
        "AWSCredentials(\(accessKeyID.prefix(4))…, source: \(source)\(expiration.map { ", expires \(Timestamp.string($0))" } ?? ""))"
    }
}
