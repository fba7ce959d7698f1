import Foundation

/// Removing a spoke (alone, or as its hub is deleted): what another spoke relies on passes to it,
/// then the associations, authorizations, routes and the peering this spoke made are undone.
extension SpokeSteps {
    /// Before undoing anything, what another live spoke between the same two VPCs relies on passes
    /// to it (`SpokeRows.handOver`); `zones`: only those associations (the spoke stays).
    func handOver(zones: Set<String>? = nil) throws {
        try write { db, now in
            guard let row = try SpokeRows.byID(db, spoke.id) else { return }
            try SpokeRows.handOver(db, from: row, zones: zones, now: now)
        }
    }

    /// Disassociates the spoke's VPC from the zones it associated (`only`: those zones, when the
    /// hub drops one) and withdraws its authorizations.
    func disassociateZones(only: Set<String>? = nil) throws {
        try handOver(zones: only)
        let row = try current()
        for zoneID in row.associatedZones where only?.contains(zoneID) ?? true {
            try AWSAnswers.ignoringGone { try spokeRoute53.disassociateVPC(zoneID: zoneID, vpcID: vpc.vpcID, vpcRegion: vpc.region) }
            try write { db, now in try SpokeRows.remove(db, spokeID: spoke.id, from: "associated_zones", zoneID, now: now) }
        }
        for zoneID in row.authorizedZones where only?.contains(zoneID) ?? true {
            try AWSAnswers.ignoringGone { try hubRoute53.deleteVPCAssociationAuthorization(zoneID: zoneID, vpcID: vpc.vpcID, vpcRegion: vpc.region) }
            try write { db, now in try SpokeRows.remove(db, spokeID: spoke.id, from: "authorized_zones", zoneID, now: now) }
        }
    }

    /// Deletes the routes the spoke added, in whichever VPC holds the table, and only while they
    /// still go to the spoke's peering or Transit Gateway (a route the network team has since
    /// pointed elsewhere is theirs now).
    func deleteRoutes() throws {
        try handOver()
        let recorded = try current().routesAdded
        guard !recorded.isEmpty else { return }
        let target = try routeTarget(allowUnknown: true)
        let sides = [
            (hubEC2, try hubEC2.describeRouteTables(filters: [EC2Filter("vpc-id", [hub.vpcID])])),
            (spokeEC2, try spokeEC2.describeRouteTables(filters: [EC2Filter("vpc-id", [vpc.vpcID])])),
        ]
        for route in recorded {
            let parts = route.split(separator: ":", maxSplits: 1).map(String.init)
            if let (client, table) = sides.lazy.compactMap({ side in side.1.first { $0.id == parts[0] }.map { (side.0, $0) } }).first,
                table.routes.contains(where: { $0.destinationCIDR == parts[1] && target != nil && SpokeRoutes.goes($0, to: target) })
            {
                try AWSAnswers.ignoringGone { try client.deleteRoute(routeTableID: parts[0], destinationCIDR: parts[1]) }
            }
            try write { db, now in try SpokeRows.remove(db, spokeID: spoke.id, from: "routes_added", route, now: now) }
        }
    }

    /// Deletes the peering the spoke created, unless another live spoke routes through it. One it
    /// made but could not record (its job was cancelled during the call) is found by its tags.
    func deletePeering() throws {
        try handOver()
        let row = try current()
        let pcx: String
        if let recorded = row.peeringConnectionID {
            guard row.peeringCreated else { return }
            pcx = recorded
        } else if let stray = try tagged() {
            pcx = stray.id
        } else {
            return
        }
        guard try store.database.read({ try SpokeRows.othersUsingPeering($0, pcx, excluding: spoke.id) }) == 0 else { return }
        try AWSAnswers.ignoringGone { try hubEC2.deleteVpcPeeringConnection(id: pcx) }
    }
}
