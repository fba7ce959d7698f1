import Testing
@testable import Core

/// The preflight rules as tables over described AWS state: no AWS, no emulator.
@Suite struct PreflightTests {
    static let vpc = "vpc-0123456789abcdef0"
    static let a = Subnet(id: "subnet-aaaaaaaa", vpcID: vpc, availabilityZone: "us-east-1a", availabilityZoneID: "use1-az1")
    static let b = Subnet(id: "subnet-bbbbbbbb", vpcID: vpc, availabilityZone: "us-east-1b", availabilityZoneID: "use1-az2")
    static let sameZoneAsA = Subnet(id: "subnet-cccccccc", vpcID: vpc, availabilityZone: "us-east-1a", availabilityZoneID: "use1-az1")
    static let elsewhere = Subnet(id: "subnet-dddddddd", vpcID: "vpc-89abcdef", availabilityZone: "us-east-1c", availabilityZoneID: "use1-az3")

    @Test(
        arguments: [
            ([a, b], [a.id, b.id], nil),
            ([a], [a.id, b.id], "subnet_not_found"),
            ([a, elsewhere], [a.id, elsewhere.id], "subnet_wrong_vpc"),
            ([a, sameZoneAsA], [a.id, sameZoneAsA.id], "subnets_share_zone"),
        ] as [([Subnet], [String], String?)])
    func subnets(described: [Subnet], requested: [String], code: String?) {
        #expect(Preflight.subnets(described, requested: requested, vpcID: Self.vpc, region: "us-east-1")?.code == code)
    }

    static let metrics = "com.amazonaws.vpce.us-east-1.vpce-svc-056576c12b36056ca"
    static let secrets = "com.amazonaws.us-east-1.secretsmanager"

    @Test(
        arguments: [
            (
                "offered in both zones, by id",
                [EndpointServiceDetail(serviceName: metrics, availabilityZones: ["x", "y"], availabilityZoneIDs: ["use1-az1", "use1-az2"])], false, nil
            ),
            ("offered by name only", [EndpointServiceDetail(serviceName: metrics, availabilityZones: ["us-east-1a", "us-east-1b"])], false, nil),
            (
                "a zone not offered", [EndpointServiceDetail(serviceName: metrics, availabilityZones: [], availabilityZoneIDs: ["use1-az1"])], false,
                "subnet_zone_not_offered"
            ),
            ("not found", [], false, "service_not_found"),
            ("cross-region zones are not compared", [EndpointServiceDetail(serviceName: metrics, availabilityZones: ["eu-west-1a"])], true, nil),
        ] as [(String, [EndpointServiceDetail], Bool, String?)])
    func services(_ name: String, found: [EndpointServiceDetail], crossRegion: Bool, code: String?) {
        let failure = Preflight.services(
            found: found, required: [Self.metrics], subnets: [Self.a, Self.b], crossRegion: crossRegion,
            region: "us-east-1", serviceRegion: "us-east-1")
        #expect(failure?.code == code, "\(name): \(failure?.message ?? "")")
    }

    @Test func anAWSServiceMissingInTheRegionSaysSo() {
        let failure = Preflight.services(
            found: [], required: [Self.secrets], subnets: [Self.a], crossRegion: true, region: "eu-west-1", serviceRegion: "us-east-1")
        #expect(failure?.code == "service_not_found" && failure?.message.contains("not offered in eu-west-1") == true)
    }

    static func group(_ rules: [IngressRule]) -> SecurityGroup { SecurityGroup(id: "sg-01234567", ingress: rules) }

    @Test(
        arguments: [
            ("443 from the VPC", [IngressRule(ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/16"], sourceGroupIDs: [])], nil),
            ("a wider range and port span", [IngressRule(ipProtocol: "tcp", fromPort: 0, toPort: 65535, cidrBlocks: ["10.0.0.0/8"], sourceGroupIDs: [])], nil),
            ("everything", [IngressRule(ipProtocol: "-1", fromPort: nil, toPort: nil, cidrBlocks: ["0.0.0.0/0"], sourceGroupIDs: [])], nil),
            ("a source group", [IngressRule(ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: [], sourceGroupIDs: ["sg-89abcdef"])], nil),
            (
                "80 only", [IngressRule(ipProtocol: "tcp", fromPort: 80, toPort: 80, cidrBlocks: ["10.0.0.0/16"], sourceGroupIDs: [])],
                "security_group_blocks_443"
            ),
            (
                "UDP 443", [IngressRule(ipProtocol: "udp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.0.0/16"], sourceGroupIDs: [])],
                "security_group_blocks_443"
            ),
            (
                "a narrower range", [IngressRule(ipProtocol: "tcp", fromPort: 443, toPort: 443, cidrBlocks: ["10.0.1.0/24"], sourceGroupIDs: [])],
                "security_group_blocks_443"
            ),
            ("no rules", [], "security_group_blocks_443"),
        ] as [(String, [IngressRule], String?)])
    func securityGroups(_ name: String, rules: [IngressRule], code: String?) {
        let failure = Preflight.securityGroups([Self.group(rules)], requested: ["sg-01234567"], sourceCIDRs: ["10.0.0.0/16"])
        #expect(failure?.code == code, "\(name)")
    }

    @Test func aMissingGroupAndDNSAttributes() {
        #expect(Preflight.securityGroups([], requested: ["sg-01234567"], sourceCIDRs: ["10.0.0.0/16"])?.code == "security_group_not_found")
        #expect(Preflight.dnsAttributes(vpcID: Self.vpc, off: []) == nil)
        let off = Preflight.dnsAttributes(vpcID: Self.vpc, off: ["enableDnsHostnames"])
        #expect(off?.code == "vpc_dns_disabled")
        #expect(off?.message.contains("--enable-dns-hostnames") == true)
    }
}
