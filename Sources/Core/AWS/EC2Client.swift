/// The EC2 calls of the PrivateLink procedure, typed (API version 2016-11-15). Describe calls
/// follow `NextToken` to the end (bounded), so callers always get the whole answer.
public struct EC2Client: Sendable {
    public let client: AWSClient
    public let region: String
    public let context: CallContext
    static let version = "2016-11-15"
    static let maxPages = 100

    public init(client: AWSClient, region: String, context: CallContext = CallContext()) {
        self.client = client
        self.region = region
        self.context = context
    }

    func call(_ action: String, _ parameters: QueryParameters) throws -> XMLTree {
        try client.query(
            .ec2, action: action, version: Self.version, region: region, parameters: parameters.items,
            actionClass: ActionClass.ec2(action), context: context)
    }

    /// Runs a describe call page by page; `read` takes each page's items.
    func paginate<T>(_ action: String, _ parameters: QueryParameters, read: (XMLTree) -> [T]) throws -> [T] {
        var results: [T] = []
        var token: String?
        for _ in 0..<Self.maxPages {
            var page = parameters
            page.add("NextToken", token)
            let answer = try call(action, page)
            results += read(answer)
            token = answer.text("nextToken")
            if token?.isEmpty ?? true { return results }
        }
        throw AWSResponseError(action: action, reason: "more than \(Self.maxPages) pages")
    }

    // MARK: VPC endpoints

    public struct CreateEndpointInput: Sendable {
        public var vpcID: String
        public var serviceName: String
        public var subnetIDs: [String]
        public var securityGroupIDs: [String]
        public var privateDNSEnabled: Bool
        public var serviceRegion: String?
        public var clientToken: String?
        public var tags: [(String, String)]

        public init(
            vpcID: String, serviceName: String, subnetIDs: [String], securityGroupIDs: [String],
            privateDNSEnabled: Bool, serviceRegion: String? = nil, clientToken: String? = nil, tags: [(String, String)] = []
        ) {
            self.vpcID = vpcID
            self.serviceName = serviceName
            self.subnetIDs = subnetIDs
            self.securityGroupIDs = securityGroupIDs
            self.privateDNSEnabled = privateDNSEnabled
            self.serviceRegion = serviceRegion
            self.clientToken = clientToken
            self.tags = tags
        }
    }

    public func createVpcEndpoint(_ input: CreateEndpointInput) throws -> VpcEndpoint {
        var p = QueryParameters()
        p.add("VpcEndpointType", "Interface")
        p.add("VpcId", input.vpcID)
        p.add("ServiceName", input.serviceName)
        p.add(list: "SubnetId", input.subnetIDs)
        p.add(list: "SecurityGroupId", input.securityGroupIDs)
        p.add("PrivateDnsEnabled", input.privateDNSEnabled)
        p.add("ServiceRegion", input.serviceRegion)
        p.add("ClientToken", input.clientToken)
        p.add(tagsFor: "vpc-endpoint", input.tags)
        let answer = try call("CreateVpcEndpoint", p)
        guard let endpoint = answer.child("vpcEndpoint") else {
            throw AWSResponseError(action: "CreateVpcEndpoint", reason: "no vpcEndpoint in the answer")
        }
        return VpcEndpoint(endpoint)
    }

    public func describeVpcEndpoints(ids: [String] = [], filters: [EC2Filter] = []) throws -> [VpcEndpoint] {
        var p = QueryParameters()
        p.add(list: "VpcEndpointId", ids)
        p.add(filters: filters)
        return try paginate("DescribeVpcEndpoints", p) { $0.items("vpcEndpointSet").map(VpcEndpoint.init) }
    }

    /// Changes an interface endpoint's subnets and security groups in place (the endpoint and its
    /// id stay). Shares CreateVpcEndpoint's throttling bucket.
    public func modifyVpcEndpoint(
        id: String, addSubnetIDs: [String], removeSubnetIDs: [String], addSecurityGroupIDs: [String], removeSecurityGroupIDs: [String]
    ) throws {
        var p = QueryParameters()
        p.add("VpcEndpointId", id)
        p.add(list: "AddSubnetId", addSubnetIDs)
        p.add(list: "RemoveSubnetId", removeSubnetIDs)
        p.add(list: "AddSecurityGroupId", addSecurityGroupIDs)
        p.add(list: "RemoveSecurityGroupId", removeSecurityGroupIDs)
        let answer = try call("ModifyVpcEndpoint", p)
        guard answer.text("return") == "true" else { throw AWSResponseError(action: "ModifyVpcEndpoint", reason: "AWS did not return true") }
    }

    /// Deletes endpoints; returns the ids AWS could not delete, with its reason.
    @discardableResult
    public func deleteVpcEndpoints(ids: [String]) throws -> [(id: String, reason: String)] {
        var p = QueryParameters()
        p.add(list: "VpcEndpointId", ids)
        let answer = try call("DeleteVpcEndpoints", p)
        return answer.items("unsuccessful").map {
            ($0.text("resourceId") ?? "", [$0.text("error", "code"), $0.text("error", "message")].compactMap { $0 }.joined(separator: ": "))
        }
    }

    public func describeVpcEndpointServices(serviceNames: [String], serviceRegions: [String] = []) throws -> [EndpointServiceDetail] {
        var p = QueryParameters()
        p.add(list: "ServiceName", serviceNames)
        p.add(list: "ServiceRegion", serviceRegions)
        return try paginate("DescribeVpcEndpointServices", p) { $0.items("serviceDetailSet").map(EndpointServiceDetail.init) }
    }

    // MARK: Network

    public func describeVpcs(ids: [String]) throws -> [Vpc] {
        var p = QueryParameters()
        p.add(list: "VpcId", ids)
        return try paginate("DescribeVpcs", p) { $0.items("vpcSet").map(Vpc.init) }
    }

    /// `enableDnsSupport` or `enableDnsHostnames`.
    public func describeVpcAttribute(vpcID: String, attribute: String) throws -> Bool {
        var p = QueryParameters()
        p.add("VpcId", vpcID)
        p.add("Attribute", attribute)
        let answer = try call("DescribeVpcAttribute", p)
        guard let value = answer.text(attribute, "value") else {
            throw AWSResponseError(action: "DescribeVpcAttribute", reason: "no \(attribute) in the answer")
        }
        return value == "true"
    }

    public func describeSubnets(ids: [String] = [], filters: [EC2Filter] = []) throws -> [Subnet] {
        var p = QueryParameters()
        p.add(list: "SubnetId", ids)
        p.add(filters: filters)
        return try paginate("DescribeSubnets", p) { $0.items("subnetSet").map(Subnet.init) }
    }

    public func describeSecurityGroups(ids: [String]) throws -> [SecurityGroup] {
        var p = QueryParameters()
        p.add(list: "GroupId", ids)
        return try paginate("DescribeSecurityGroups", p) { $0.items("securityGroupInfo").map(SecurityGroup.init) }
    }

    public func describeNetworkInterfaces(ids: [String]) throws -> [NetworkInterface] {
        var p = QueryParameters()
        p.add(list: "NetworkInterfaceId", ids)
        return try paginate("DescribeNetworkInterfaces", p) { $0.items("networkInterfaceSet").map(NetworkInterface.init) }
    }

    public func describeAvailabilityZones() throws -> [AvailabilityZone] {
        let answer = try call("DescribeAvailabilityZones", QueryParameters())
        return answer.items("availabilityZoneInfo").map(AvailabilityZone.init)
    }

    // MARK: Peering and routes

    /// Requests a peering connection; `peerRegion`/`peerOwnerID` for cross-region and cross-account.
    public func createVpcPeeringConnection(
        vpcID: String, peerVpcID: String, peerRegion: String?, peerOwnerID: String?,
        tags: [(String, String)] = []
    ) throws -> VpcPeeringConnection {
        var p = QueryParameters()
        p.add("VpcId", vpcID)
        p.add("PeerVpcId", peerVpcID)
        p.add("PeerRegion", peerRegion)
        p.add("PeerOwnerId", peerOwnerID)
        p.add(tagsFor: "vpc-peering-connection", tags)
        let answer = try call("CreateVpcPeeringConnection", p)
        guard let connection = answer.child("vpcPeeringConnection") else {
            throw AWSResponseError(action: "CreateVpcPeeringConnection", reason: "no vpcPeeringConnection in the answer")
        }
        return VpcPeeringConnection(connection)
    }

    public func acceptVpcPeeringConnection(id: String) throws -> VpcPeeringConnection {
        var p = QueryParameters()
        p.add("VpcPeeringConnectionId", id)
        let answer = try call("AcceptVpcPeeringConnection", p)
        guard let connection = answer.child("vpcPeeringConnection") else {
            throw AWSResponseError(action: "AcceptVpcPeeringConnection", reason: "no vpcPeeringConnection in the answer")
        }
        return VpcPeeringConnection(connection)
    }

    public func describeVpcPeeringConnections(ids: [String] = [], filters: [EC2Filter] = []) throws -> [VpcPeeringConnection] {
        var p = QueryParameters()
        p.add(list: "VpcPeeringConnectionId", ids)
        p.add(filters: filters)
        return try paginate("DescribeVpcPeeringConnections", p) { $0.items("vpcPeeringConnectionSet").map(VpcPeeringConnection.init) }
    }

    /// Adds a route to a peering connection.
    public func createRoute(routeTableID: String, destinationCIDR: String, peeringConnectionID: String) throws {
        try createRoute(routeTableID: routeTableID, destinationCIDR: destinationCIDR, through: .peering(peeringConnectionID))
    }

    /// Where a route privatelinkd adds goes.
    public enum RouteTarget: Sendable, Equatable {
        case peering(String), transitGateway(String)
    }

    public func createRoute(routeTableID: String, destinationCIDR: String, through target: RouteTarget) throws {
        var p = QueryParameters()
        p.add("RouteTableId", routeTableID)
        p.add("DestinationCidrBlock", destinationCIDR)
        switch target {
        case let .peering(id): p.add("VpcPeeringConnectionId", id)
        case let .transitGateway(id): p.add("TransitGatewayId", id)
        }
        _ = try call("CreateRoute", p)
    }

    public func describeTransitGatewayVpcAttachments(filters: [EC2Filter]) throws -> [TransitGatewayAttachment] {
        var p = QueryParameters()
        p.add(filters: filters)
        return try paginate("DescribeTransitGatewayVpcAttachments", p) { $0.items("transitGatewayVpcAttachments").map(TransitGatewayAttachment.init) }
    }

    public func deleteRoute(routeTableID: String, destinationCIDR: String) throws {
        var p = QueryParameters()
        p.add("RouteTableId", routeTableID)
        p.add("DestinationCidrBlock", destinationCIDR)
        _ = try call("DeleteRoute", p)
    }

    public func deleteVpcPeeringConnection(id: String) throws {
        var p = QueryParameters()
        p.add("VpcPeeringConnectionId", id)
        _ = try call("DeleteVpcPeeringConnection", p)
    }

    public func describeRouteTables(ids: [String] = [], filters: [EC2Filter] = []) throws -> [RouteTable] {
        var p = QueryParameters()
        p.add(list: "RouteTableId", ids)
        p.add(filters: filters)
        return try paginate("DescribeRouteTables", p) { $0.items("routeTableSet").map(RouteTable.init) }
    }
}
