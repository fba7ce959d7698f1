import Foundation

/// How verifications are run: the resolver (`--dns-server`), the extra CA (`--ca-file`) and the
/// probe's port and timeouts.
public struct VerificationSettings: Sendable {
    /// `HOST:PORT` of the DNS server to ask; `nil` for the system's resolver configuration.
    public var dnsServer: String?
    /// An extra trusted CA in PEM (as behind a TLS-inspecting proxy).
    public var caFile: String?
    public var port = 443
    public var connectTimeout: TimeInterval = 3
    public var dnsTimeout = 2
    /// A setup that becomes `ready` is verified once automatically.
    public var verifyOnReady = true

    public init() {}

    /// The label stored with each run: `system` or the server asked.
    public var resolverLabel: String { dnsServer ?? "system" }

    /// The real resolver and prober; throws when the CA file cannot be used.
    public func makeVerifier() throws -> Verifier {
        Verifier(
            resolver: SystemDNSResolver(server: dnsServer, timeout: dnsTimeout),
            prober: NetworkProber(port: port, timeout: connectTimeout, tls: try TLSProbe(extraCAFile: caFile)))
    }
}
