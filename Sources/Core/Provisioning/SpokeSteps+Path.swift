import Foundation

/// What a spoke's verification reads from AWS (describes only): the spoke's view of the hub's
/// zones, the hub's security groups against the spoke's ranges, and the routes both ways.
extension SpokeSteps {
    func path() throws -> SpokePath {
        let hubZones = try store.database.read { try ZoneRows.zones($0, setupID: hub.id) }
        let endpoints = try store.get(hub.id)?.endpoints ?? []
        let answering = Set(try spokeRoute53.listHostedZonesByVPC(vpcID: vpc.vpcID, vpcRegion: vpc.region).map(\.id))
        let zones = hubZones.compactMap { zone in
            zone.zoneID.map { id in
                SpokePath.Zone(
                    name: zone.name, zoneID: id, services: endpoints.first { $0.id == zone.endpointID }?.services ?? [],
                    associated: answering.contains(id))
            }
        }
        return SpokePath(spokeVPC: vpc.vpcID, zones: zones, broken: try brokenLink())
    }

    /// The first break between the spoke and the endpoints: its VPC, the security groups, a route.
    func brokenLink() throws -> StepFailure? {
        let spokeCIDRs: [String]
        do { spokeCIDRs = try vpcCIDRs() } catch let failure as StepFailure { return failure }
        let groups = try hubEC2.describeSecurityGroups(ids: hub.securityGroupIDs)
        if let failure = Preflight.securityGroups(groups, requested: hub.securityGroupIDs, sourceCIDRs: spokeCIDRs) { return failure }
        guard let target = try routeTarget(allowUnknown: true) else {
            return StepFailure("spoke_route_missing", "spoke \(spoke.id) has no peering connection recorded: nothing carries its traffic to the hub")
        }
        let targetName: String
        switch target {
        case let .peering(id), let .transitGateway(id): targetName = id
        }
        let hubCIDRs = try hubEC2.describeVpcs(ids: [hub.vpcID]).first?.cidrBlocks ?? []
        let tables = try routeTables()
        // The tables that must carry it: the endpoint subnets' (answers go back through them), and
        // the spoke's named tables or, unnamed, all of them.
        let endpointSide = Set(SpokeRoutes.endpointSideTables(tables.hub, subnets: hub.subnetIDs))
        let named = Set(vpc.routeTableIDs)
        let spokeSide = tables.spoke.filter { named.isEmpty || named.contains($0.id) }
        let goes = { (route: RouteTable.Route) in SpokeRoutes.goes(route, to: target) }
        return SpokePath.missingRoute(
            in: spokeSide, destinations: hubCIDRs, goes: goes, side: "\(vpc.vpcID), the spoke", target: targetName)
            ?? SpokePath.missingRoute(
                in: tables.hub.filter { endpointSide.contains($0.id) }, destinations: spokeCIDRs, goes: goes, side: "\(hub.vpcID), the hub",
                target: targetName)
    }
}
