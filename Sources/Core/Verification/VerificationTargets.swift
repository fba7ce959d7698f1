/// Which names a setup's verification checks: for each endpoint, every service's hostname and,
/// where the site uses two-level DNS, the anchor name it is a CNAME to.
public enum VerificationTargets {
    public static func of(_ detail: SetupDetail, site: Site?, addresses: [String: Set<String>]?) -> [VerificationTarget] {
        var targets: [VerificationTarget] = []
        for endpoint in detail.endpoints {
            let expected = addresses?[endpoint.id]
            for service in endpoint.services {
                // A Datadog service's names from the catalog; an AWS service (extra_services) has
                // only the endpoint's private DNS name.
                let names = site?.service(service)?.verificationNames ?? [endpoint.privateDNSName]
                for name in names where !targets.contains(where: { $0.hostname == name }) {
                    targets.append(VerificationTarget(service: service, hostname: name, expectedAddresses: expected))
                }
            }
        }
        return targets
    }
}
