/// Routing for a `vpc_peering` setup, as pure judgements: which route tables get a route through
/// the peering, whether the two VPCs' address ranges overlap (AWS refuses to route between them),
/// and whether a table already sends the other VPC's range somewhere else.
public enum PeeringRoutes {
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

    /// `cidr_overlap`: a peering cannot route between overlapping ranges; it names both.
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

    /// `route_conflict`: a table that would get a route for `cidr` already sends it elsewhere.
    /// `peering` nil (not known yet): any peering connection counts as possibly ours.
    public static func conflict(in tables: [RouteTable], managed: Set<String>, destinations: [String], peering: String?) -> StepFailure? {
        for table in tables where managed.contains(table.id) {
            for cidr in destinations {
                guard let route = table.routes.first(where: { $0.destinationCIDR == cidr }) else { continue }
                if let pcx = route.vpcPeeringConnectionID, peering == nil || pcx == peering { continue }
                let target = route.vpcPeeringConnectionID ?? route.gatewayID ?? "another target"
                return StepFailure(
                    "route_conflict",
                    "\(table.id) already routes \(cidr) to \(target); remove that route or name other tables in peer.route_table_ids")
            }
        }
        return nil
    }
}
