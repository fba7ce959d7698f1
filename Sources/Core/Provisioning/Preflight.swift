/// The preflight judgements as pure functions of what AWS described: each answers the failure to
/// report (its code, and a message that names the fix) or nil. The steps only describe and pass the
/// answers here, so every rule is a row of a table test, with no AWS behind it.
public enum Preflight {
    /// `enableDnsSupport` and `enableDnsHostnames` must both be on for private DNS.
    public static func dnsAttributes(vpcID: String, off: [String], code: String = "vpc_dns_disabled") -> StepFailure? {
        guard !off.isEmpty else { return nil }
        return StepFailure(
            code,
            "\(off.joined(separator: " and ")) must be on for \(vpcID) so that private DNS works; "
                + off.map { "aws ec2 modify-vpc-attribute --vpc-id \(vpcID) --\($0.camelToKebab) '{\"Value\":true}'" }.joined(separator: "; "))
    }

    /// Every requested subnet exists, belongs to the VPC, and no two share an Availability Zone.
    public static func subnets(_ subnets: [Subnet], requested: [String], vpcID: String, region: String) -> StepFailure? {
        for id in requested where !subnets.contains(where: { $0.id == id }) {
            return StepFailure("subnet_not_found", "\(id) was not found in \(region)")
        }
        for subnet in subnets where subnet.vpcID != vpcID {
            return StepFailure("subnet_wrong_vpc", "\(subnet.id) belongs to \(subnet.vpcID), not \(vpcID); choose subnets of \(vpcID)")
        }
        var byZone: [String: String] = [:]
        for subnet in subnets {
            let zone = subnet.availabilityZoneID ?? subnet.availabilityZone
            if let other = byZone[zone] {
                return StepFailure(
                    "subnets_share_zone", "\(other) and \(subnet.id) are both in \(zone); an endpoint takes at most one subnet per Availability Zone")
            }
            byZone[zone] = subnet.id
        }
        return nil
    }

    /// Every service was found, and offers every subnet's zone. Zone ids are compared where AWS gives
    /// them (zone names differ between accounts), else names; the zones of a cross-region Datadog
    /// service are in another region, so only AWS's own services are compared then.
    public static func services(
        found: [EndpointServiceDetail], required: [String], subnets: [Subnet], crossRegion: Bool,
        region: String, serviceRegion: String
    ) -> StepFailure? {
        for name in required where !found.contains(where: { $0.serviceName == name }) {
            if AWSServiceEndpoints.isAWSService(name) { return StepFailure("service_not_found", "\(name) is not offered in \(region)") }
            return StepFailure(
                "service_not_found",
                "\(name) was not found" + (crossRegion ? " in service region \(serviceRegion)" : "")
                    + "; if the catalog is current, contact Datadog support")
        }
        let compared = crossRegion ? found.filter { AWSServiceEndpoints.isAWSService($0.serviceName) } : found
        for service in compared {
            let offered = service.availabilityZoneIDs.isEmpty ? Set(service.availabilityZones) : Set(service.availabilityZoneIDs)
            for subnet in subnets {
                let zone = service.availabilityZoneIDs.isEmpty ? subnet.availabilityZone : (subnet.availabilityZoneID ?? subnet.availabilityZone)
                if !offered.contains(zone) {
                    return StepFailure(
                        "subnet_zone_not_offered",
                        "\(subnet.id) is in \(zone), which \(service.serviceName) does not offer (it offers \(offered.sorted().joined(separator: ", "))); choose subnets in those zones"
                    )
                }
            }
        }
        return nil
    }

    /// Every group exists and admits TCP 443 from every source CIDR (a rule naming a source group is
    /// taken as admitting: its members cannot be judged from here).
    public static func securityGroups(_ groups: [SecurityGroup], requested: [String], sourceCIDRs: [String]) -> StepFailure? {
        for id in requested {
            guard let group = groups.first(where: { $0.id == id }) else { return StepFailure("security_group_not_found", "\(id) was not found") }
            for cidr in sourceCIDRs {
                let admitted = group.ingress.contains { rule in
                    rule.allowsTCP(port: 443) && (rule.cidrBlocks.contains { CIDR.contains($0, cidr) } || !rule.sourceGroupIDs.isEmpty)
                }
                if !admitted {
                    return StepFailure(
                        "security_group_blocks_443",
                        "\(id) does not accept inbound TCP 443 from \(cidr); add the rule: aws ec2 authorize-security-group-ingress --group-id \(id) --protocol tcp --port 443 --cidr \(cidr)"
                    )
                }
            }
        }
        return nil
    }
}
