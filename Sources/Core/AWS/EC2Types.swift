import Foundation

/// An interface VPC endpoint as `DescribeVpcEndpoints` / `CreateVpcEndpoint` report it.
public struct VpcEndpoint: Sendable, Equatable {
    public let id: String
    public let type: String?
    public let vpcID: String
    public let serviceName: String
    /// AWS's state; compared case-insensitively (the model says `PendingAcceptance`, the wire `pendingAcceptance`).
    public let state: EndpointState?
    public let rawState: String
    public let privateDNSEnabled: Bool
    public let subnetIDs: [String]
    public let securityGroupIDs: [String]
    public let networkInterfaceIDs: [String]
    /// The endpoint's regional and zonal DNS names, regional first.
    public let dnsNames: [String]
    /// The Route53 hosted zone of those names (an alias record's `HostedZoneId`).
    public let dnsHostedZoneID: String?
    public let tags: [String: String]
    public let serviceRegion: String?
    /// `LastError` (code and message), or `FailureReason`, when AWS gave one.
    public let failureReason: String?

    init(_ x: XMLTree) {
        id = x.text("vpcEndpointId") ?? ""
        type = x.text("vpcEndpointType")
        vpcID = x.text("vpcId") ?? ""
        serviceName = x.text("serviceName") ?? ""
        rawState = x.text("state") ?? ""
        state = EndpointState.fromAWS(rawState)
        privateDNSEnabled = x.text("privateDnsEnabled") == "true"
        subnetIDs = x.items("subnetIdSet").map { $0.text }
        securityGroupIDs = x.items("groupSet").compactMap { $0.text("groupId") }
        networkInterfaceIDs = x.items("networkInterfaceIdSet").map { $0.text }
        dnsNames = x.items("dnsEntrySet").compactMap { $0.text("dnsName") }
        dnsHostedZoneID = x.items("dnsEntrySet").first?.text("hostedZoneId")
        tags = EC2Tags.read(x)
        serviceRegion = x.text("serviceRegion")
        let lastError = [x.text("lastError", "code"), x.text("lastError", "message")].compactMap { $0 }.filter { !$0.isEmpty }
        failureReason = lastError.isEmpty ? x.text("failureReason") : lastError.joined(separator: ": ")
    }
}

extension EndpointState {
    /// AWS's state string, in any case.
    static func fromAWS(_ text: String) -> EndpointState? {
        EndpointState.allCases.first { $0.rawValue.lowercased() == text.lowercased() }
    }
}

/// `DescribeVpcEndpointServices`: a service, the AZ ids it offers, its private DNS name.
public struct EndpointServiceDetail: Sendable, Equatable {
    public let serviceName: String
    public let serviceID: String?
    public let serviceRegion: String?
    public let availabilityZones: [String]
    public let availabilityZoneIDs: [String]
    public let privateDNSName: String?
    public let acceptanceRequired: Bool

    /// As described; for tests of the judgements that read it.
    public init(serviceName: String, availabilityZones: [String], availabilityZoneIDs: [String] = [], serviceRegion: String? = nil) {
        self.serviceName = serviceName
        self.serviceID = nil
        self.serviceRegion = serviceRegion
        self.availabilityZones = availabilityZones
        self.availabilityZoneIDs = availabilityZoneIDs
        self.privateDNSName = nil
        self.acceptanceRequired = false
    }

    init(_ x: XMLTree) {
        serviceName = x.text("serviceName") ?? ""
        serviceID = x.text("serviceId")
        serviceRegion = x.text("serviceRegion")
        availabilityZones = x.items("availabilityZoneSet").map { $0.text }
        availabilityZoneIDs = x.items("availabilityZoneIdSet").map { $0.text }
        privateDNSName = x.text("privateDnsName")
        acceptanceRequired = x.text("acceptanceRequired") == "true"
    }
}

public struct Vpc: Sendable, Equatable {
    public let id: String
    public let cidrBlocks: [String]
    public let state: String
    public let ownerID: String?

    init(_ x: XMLTree) {
        id = x.text("vpcId") ?? ""
        let associated = x.items("cidrBlockAssociationSet").compactMap { $0.text("cidrBlock") }
        cidrBlocks = associated.isEmpty ? [x.text("cidrBlock")].compactMap { $0 } : associated
        state = x.text("state") ?? ""
        ownerID = x.text("ownerId")
    }
}

public struct Subnet: Sendable, Equatable {
    public let id: String
    public let vpcID: String
    public let availabilityZone: String
    public let availabilityZoneID: String?
    public let cidrBlock: String

    public init(id: String, vpcID: String, availabilityZone: String, availabilityZoneID: String? = nil, cidrBlock: String = "") {
        self.id = id
        self.vpcID = vpcID
        self.availabilityZone = availabilityZone
        self.availabilityZoneID = availabilityZoneID
        self.cidrBlock = cidrBlock
    }

    init(_ x: XMLTree) {
        id = x.text("subnetId") ?? ""
        vpcID = x.text("vpcId") ?? ""
        availabilityZone = x.text("availabilityZone") ?? ""
        availabilityZoneID = x.text("availabilityZoneId")
        cidrBlock = x.text("cidrBlock") ?? ""
    }
}

/// One inbound rule: protocol (`tcp`, `-1` for all), port range, sources.
public struct IngressRule: Sendable, Equatable {
    public let ipProtocol: String
    public let fromPort: Int?
    public let toPort: Int?
    public let cidrBlocks: [String]
    public let sourceGroupIDs: [String]

    /// Whether the rule admits TCP on `port`.
    public func allowsTCP(port: Int) -> Bool {
        guard ipProtocol == "-1" || ipProtocol == "tcp" || ipProtocol == "6" else { return false }
        if ipProtocol == "-1" { return true }
        return (fromPort ?? 0) <= port && port <= (toPort ?? 65535)
    }
}

public struct SecurityGroup: Sendable, Equatable {
    public let id: String
    public let vpcID: String?
    public let ingress: [IngressRule]

    public init(id: String, vpcID: String? = nil, ingress: [IngressRule]) {
        self.id = id
        self.vpcID = vpcID
        self.ingress = ingress
    }

    init(_ x: XMLTree) {
        id = x.text("groupId") ?? ""
        vpcID = x.text("vpcId")
        ingress = x.items("ipPermissions").map { p in
            IngressRule(
                ipProtocol: p.text("ipProtocol") ?? "", fromPort: p.text("fromPort").flatMap { Int($0) },
                toPort: p.text("toPort").flatMap { Int($0) },
                cidrBlocks: p.items("ipRanges").compactMap { $0.text("cidrIp") },
                sourceGroupIDs: p.items("groups").compactMap { $0.text("groupId") })
        }
    }
}

public struct NetworkInterface: Sendable, Equatable {
    public let id: String
    public let subnetID: String?
    public let vpcID: String?
    public let privateIPs: [String]

    init(_ x: XMLTree) {
        id = x.text("networkInterfaceId") ?? ""
        subnetID = x.text("subnetId")
        vpcID = x.text("vpcId")
        let all = x.items("privateIpAddressesSet").compactMap { $0.text("privateIpAddress") }
        privateIPs = all.isEmpty ? [x.text("privateIpAddress")].compactMap { $0 } : all
    }
}

public struct AvailabilityZone: Sendable, Equatable {
    public let name: String
    public let id: String
    public let region: String?

    init(_ x: XMLTree) {
        name = x.text("zoneName") ?? ""
        id = x.text("zoneId") ?? ""
        region = x.text("regionName")
    }
}

public struct VpcPeeringConnection: Sendable, Equatable {
    public let id: String
    /// `initiating-request`, `pending-acceptance`, `active`, `rejected`, `failed`, `deleted`, …
    public let status: String
    public let requesterVpcID: String?
    public let requesterRegion: String?
    public let requesterOwnerID: String?
    public let accepterVpcID: String?
    public let accepterRegion: String?
    public let accepterOwnerID: String?
    public let tags: [String: String]

    init(_ x: XMLTree) {
        id = x.text("vpcPeeringConnectionId") ?? ""
        tags = EC2Tags.read(x)
        status = x.text("status", "code") ?? ""
        requesterVpcID = x.text("requesterVpcInfo", "vpcId")
        requesterRegion = x.text("requesterVpcInfo", "region")
        requesterOwnerID = x.text("requesterVpcInfo", "ownerId")
        accepterVpcID = x.text("accepterVpcInfo", "vpcId")
        accepterRegion = x.text("accepterVpcInfo", "region")
        accepterOwnerID = x.text("accepterVpcInfo", "ownerId")
    }
}

public struct RouteTable: Sendable, Equatable {
    public struct Route: Sendable, Equatable {
        public let destinationCIDR: String?
        public let vpcPeeringConnectionID: String?
        public let gatewayID: String?
        public let transitGatewayID: String?
        public let state: String?
    }

    public let id: String
    public let vpcID: String
    public let routes: [Route]
    public let subnetIDs: [String]
    public let isMain: Bool

    init(_ x: XMLTree) {
        id = x.text("routeTableId") ?? ""
        vpcID = x.text("vpcId") ?? ""
        routes = x.items("routeSet").map {
            Route(
                destinationCIDR: $0.text("destinationCidrBlock"), vpcPeeringConnectionID: $0.text("vpcPeeringConnectionId"),
                gatewayID: $0.text("gatewayId"), transitGatewayID: $0.text("transitGatewayId"), state: $0.text("state"))
        }
        let associations = x.items("associationSet")
        subnetIDs = associations.compactMap { $0.text("subnetId") }
        isMain = associations.contains { $0.text("main") == "true" }
    }
}

/// A VPC's attachment to a Transit Gateway (owned by the network team: only read).
public struct TransitGatewayAttachment: Sendable, Equatable {
    public let id: String
    public let transitGatewayID: String
    public let vpcID: String
    public let state: String

    init(_ x: XMLTree) {
        id = x.text("transitGatewayAttachmentId") ?? ""
        transitGatewayID = x.text("transitGatewayId") ?? ""
        vpcID = x.text("vpcId") ?? ""
        state = x.text("state") ?? ""
    }
}

enum EC2Tags {
    static func read(_ x: XMLTree) -> [String: String] {
        var tags: [String: String] = [:]
        for tag in x.items("tagSet") { if let key = tag.text("key") { tags[key] = tag.text("value") ?? "" } }
        return tags
    }
}
