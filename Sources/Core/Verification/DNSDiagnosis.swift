/// What a DNS answer means for PrivateLink, in the guide's terms, with a stable code.
public struct DNSDiagnosis: Sendable, Equatable {
    public let passed: Bool
    public let code: String
    public let message: String

    /// RFC 1918 private IPv4 addresses.
    public static func isPrivate(_ address: String) -> Bool {
        let octets = address.split(separator: ".").compactMap { Int($0) }
        guard octets.count == 4 else { return false }
        return octets[0] == 10 || (octets[0] == 172 && (16...31).contains(octets[1])) || (octets[0] == 192 && octets[1] == 168)
    }

    /// Judges an answer. `endpointIPs`, when known (from the endpoint's network interfaces), must
    /// contain every address; without them, private is all that can be checked.
    public static func judge(_ answer: DNSAnswer, endpointIPs: Set<String>?) -> DNSDiagnosis {
        switch answer.outcome {
        case .timeout:
            return DNSDiagnosis(
                passed: false, code: "dns_timeout",
                message: "the resolver \(answer.resolver) did not answer; check the VPC's DNS resolver (enableDnsSupport) or --dns-server")
        case .nxDomain:
            return DNSDiagnosis(
                passed: false, code: "dns_nxdomain",
                message: "the name does not exist (NXDOMAIN); check the hostname, and for VPC peering that the private hosted zone holds its record")
        case .servFail:
            return DNSDiagnosis(passed: false, code: "dns_servfail", message: "the resolver \(answer.resolver) failed (SERVFAIL)")
        case .refused, .other:
            return DNSDiagnosis(passed: false, code: "dns_error", message: "the resolver \(answer.resolver) answered \(answer.outcome.rawValue)")
        case .noError:
            break
        }
        let addresses = answer.addresses
        guard !addresses.isEmpty else {
            return DNSDiagnosis(passed: false, code: "dns_no_answer", message: "the name has no A record")
        }
        let publicOnes = addresses.filter { !isPrivate($0) }
        if !publicOnes.isEmpty || answer.cnameChain.contains(where: { $0.hasSuffix(".elb.amazonaws.com") || $0.hasSuffix(".elb.amazonaws.com.") }) {
            return DNSDiagnosis(
                passed: false, code: "dns_public",
                message:
                    "DNS resolves to public IP addresses: private DNS is not enabled on the endpoint, or the Route53 private hosted zone is not associated with this VPC, or its A record is missing"
            )
        }
        if let endpointIPs, let stranger = addresses.first(where: { !endpointIPs.contains($0) }) {
            return DNSDiagnosis(
                passed: false, code: "dns_other_endpoint",
                message: "\(stranger) is private but not one of the endpoint's addresses: another endpoint or private zone answers for this name")
        }
        return DNSDiagnosis(
            passed: true, code: "ok",
            message: endpointIPs == nil
                ? "resolves to private addresses (not compared with the endpoint's: no AWS access)" : "resolves to the endpoint's private addresses")
    }
}
