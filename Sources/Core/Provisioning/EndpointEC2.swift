/// The EC2 calls the endpoint and teardown steps make, and nothing more: `EC2Client` is the real
/// one; a test gives the steps a fake and runs them in microseconds.
public protocol EndpointEC2: Sendable {
    func describeVpcs(ids: [String]) throws -> [Vpc]
    func describeVpcAttribute(vpcID: String, attribute: String) throws -> Bool
    func describeSubnets(ids: [String], filters: [EC2Filter]) throws -> [Subnet]
    func describeSecurityGroups(ids: [String]) throws -> [SecurityGroup]
    func describeVpcEndpointServices(serviceNames: [String], serviceRegions: [String]) throws -> [EndpointServiceDetail]
    func describeVpcEndpoints(ids: [String], filters: [EC2Filter]) throws -> [VpcEndpoint]
    func createVpcEndpoint(_ input: EC2Client.CreateEndpointInput) throws -> VpcEndpoint
    func deleteVpcEndpoints(ids: [String]) throws -> [(id: String, reason: String)]
    func modifyVpcEndpoint(
        id: String, addSubnetIDs: [String], removeSubnetIDs: [String], addSecurityGroupIDs: [String], removeSecurityGroupIDs: [String]) throws
}

extension EC2Client: EndpointEC2 {}

extension EndpointEC2 {
    func describeSubnets(ids: [String]) throws -> [Subnet] { try describeSubnets(ids: ids, filters: []) }
    func describeVpcEndpointServices(serviceNames: [String]) throws -> [EndpointServiceDetail] {
        try describeVpcEndpointServices(serviceNames: serviceNames, serviceRegions: [])
    }
    func describeVpcEndpoints(ids: [String]) throws -> [VpcEndpoint] { try describeVpcEndpoints(ids: ids, filters: []) }
    func describeVpcEndpoints(filters: [EC2Filter]) throws -> [VpcEndpoint] { try describeVpcEndpoints(ids: [], filters: filters) }
}
