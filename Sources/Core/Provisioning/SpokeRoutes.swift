/// Routing between a hub and a spoke (a `vpc_peering` setup's peer among them), as pure
/// judgements: which route tables get a route, whether the two VPCs' address ranges overlap (AWS
/// refuses to route between them), whether a table already sends the other range somewhere else,
/// and whether a route goes through the spoke's peering or Transit Gateway.
public enum SpokeRoutes {
    /// On the endpoints' side, the tables the endpoint subnets use: their own association, or the
    /// VPC's main table for a subnet without one. (Answers from the endpoints go back through them.)
    public static func endpointSideTables(_ tables: [RouteTable], subnets: [String]) -> [String] {
        var chosen: [String] = []
        for subnet in subnets {
            let table = tables.first { $0.subnetIDs.contains(subnet) } ?? tables.first(where: \.isMain)
            if let table, !chosen.contains(table.id) { chosen.append(table.id) }
        }
        return chosen
    }

    /// `cidr_overlap`: no peering or Transit Gateway routes between overlapping ranges; it names both.
    public static func overlap(own: [String], ownVPC: String, peer: [String], peerVPC: String) -> StepFailure? {
        for a in own {
            for b in peer where CIDR.contains(a, b) || CIDR.contains(b, a) {
                return StepFailure(
                    "cidr_overlap",
                    "\(ownVPC) (\(a)) and \(peerVPC) (\(b)) overlap; a VPC peering cannot route between overlapping ranges: choose VPCs whose CIDR blocks differ"
                )
            }
        }
        return nil
    }

    /// `route_conflict`: a managed table already sends a destination to another target than the
    /// spoke's; `field` names where other tables are chosen (`route_table_ids`, `peer.route_table_ids`).
    public static func conflict(
        in tables: [RouteTable], managed: Set<String>, destinations: [String], target: EC2Client.RouteTarget?, field: String
    ) -> StepFailure? {
        for table in tables where managed.contains(table.id) {
            for cidr in destinations {
                guard let route = table.routes.first(where: { $0.destinationCIDR == cidr }) else { continue }
                if goes(route, to: target) { continue }
                let other = route.vpcPeeringConnectionID ?? route.transitGatewayID ?? route.gatewayID ?? "another target"
                return StepFailure("route_conflict", "\(table.id) already routes \(cidr) to \(other); remove that route or name other tables in \(field)")
            }
        }
        return nil
    }

    /// Whether a route goes to the target (any peering counts while the spoke's is not known yet).
    public static func goes(_ route: RouteTable.Route, to target: EC2Client.RouteTarget?) -> Bool {
        switch target {
        case let .transitGateway(id): return route.transitGatewayID == id
        case let .peering(id): return route.vpcPeeringConnectionID == id
        case nil: return route.vpcPeeringConnectionID != nil
        }
    }
}
