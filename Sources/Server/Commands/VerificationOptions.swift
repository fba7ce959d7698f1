import ArgumentParser
import Core
import Foundation

/// `--dns-server` and `--ca-file`, shared by `serve` (its verifications) and `verify`.
struct VerificationOptions: ParsableArguments {
    @Option(help: "DNS server to ask, IPv4 HOST[:PORT], instead of the system's resolv.conf (env PRIVATELINKD_DNS_SERVER).")
    var dnsServer: String?

    @Option(help: "An extra trusted CA certificate file in PEM, as behind a TLS-inspecting proxy (env PRIVATELINKD_CA_FILE).")
    var caFile: String?

    /// The settings with environment defaults applied, checked: a malformed DNS server or an
    /// unreadable CA file stops the command at once rather than failing every verification.
    func settings(environment: [String: String]) throws -> VerificationSettings {
        var settings = VerificationSettings()
        settings.dnsServer = dnsServer ?? environment["PRIVATELINKD_DNS_SERVER"].flatMap { $0.isEmpty ? nil : $0 }
        settings.caFile = caFile ?? environment["PRIVATELINKD_CA_FILE"].flatMap { $0.isEmpty ? nil : $0 }
        if let server = settings.dnsServer, !Self.isDNSServer(server) {
            throw ValidationError("--dns-server must be an IPv4 address with an optional port, such as 10.0.0.2 or 127.0.0.1:5353; got \(server)")
        }
        if let file = settings.caFile {
            do { _ = try TLSProbe(extraCAFile: file) } catch { throw ValidationError("--ca-file: \(error)") }
        }
        return settings
    }

    static func isDNSServer(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return false }
        var address = in_addr()
        guard inet_pton(AF_INET, String(parts[0]), &address) == 1 else { return false }
        guard parts.count == 2 else { return true }
        return Int(parts[1]).map { (1...65535).contains($0) } ?? false
    }
}
