import Foundation

/// A hub's spoke, step by step: its VPC checked against the hub's, the peering (given, or created
/// and accepted) when that is the transport, routes both ways through the peering or the Transit
/// Gateway, then the hub's zones authorized (across accounts) and associated with the spoke's VPC.
/// Each step records what it made on the spoke's row, so a rerun does only what is left and the
/// removal undoes exactly that. Endpoints are never touched, nor are other spokes' routes.
struct SpokeSteps {
    let hub: SetupRecord
    let spoke: SpokeRecord
    let job: JobRecord
    let owner: String
    let queue: JobQueue
    let store: SetupStore
    let hubEC2: EC2Client
    let spokeEC2: EC2Client
    let hubRoute53: Route53Client
    let spokeRoute53: Route53Client

    var vpc: PeerRequest { spoke.request.vpc }
    var crossAccount: Bool { vpc.accountID != nil && vpc.accountID != hub.accountID }

    func write<T>(_ body: (Connection, String) throws -> T) throws -> T { try queue.whileHeld(job.id, owner: owner, body) }
    func current() throws -> SpokeRecord {
        guard let row = try store.database.read({ try SpokeRows.byID($0, spoke.id) }) else { throw StepFailure("spoke_missing", "spoke \(spoke.id) is gone") }
        return row
    }

    /// The spoke's VPC exists with DNS support and hostnames on, its ranges are apart from the
    /// hub's, a Transit Gateway has an available attachment from both VPCs, and no managed table
    /// already sends the other range elsewhere.
    func preflight() throws {
        let found: [Vpc]
        do { found = try spokeEC2.describeVpcs(ids: [vpc.vpcID]) } catch let error as AWSError where error.isNotFound {
            throw StepFailure("spoke_vpc_not_found", "\(vpc.vpcID) was not found in \(vpc.region); check vpc_id, region and role_arn")
        }
        guard let spokeVPC = found.first else { throw StepFailure("spoke_vpc_not_found", "\(vpc.vpcID) was not found in \(vpc.region)") }
        var off: [String] = []
        for attribute in ["enableDnsSupport", "enableDnsHostnames"] where try !spokeEC2.describeVpcAttribute(vpcID: vpc.vpcID, attribute: attribute) {
            off.append(attribute)
        }
        if !off.isEmpty {
            throw StepFailure(
                "spoke_vpc_dns_disabled", "\(off.joined(separator: " and ")) must be on for \(vpc.vpcID): the hub's private zones only answer in VPCs with both"
            )
        }
        let hubCIDRs = try hubEC2.describeVpcs(ids: [hub.vpcID]).first?.cidrBlocks ?? []
        if let failure = PeeringRoutes.overlap(own: hubCIDRs, ownVPC: hub.vpcID, peer: spokeVPC.cidrBlocks, peerVPC: vpc.vpcID) { throw failure }
        if spoke.request.transport == .transitGateway, let tgw = spoke.request.transitGatewayID {
            for (client, vpcID) in [(hubEC2, hub.vpcID), (spokeEC2, vpc.vpcID)] {
                let attachments = try client.describeTransitGatewayVpcAttachments(filters: [
                    EC2Filter("transit-gateway-id", [tgw]), EC2Filter("vpc-id", [vpcID]),
                ])
                guard attachments.contains(where: { $0.transitGatewayID == tgw && $0.vpcID == vpcID && $0.state == "available" }) else {
                    throw StepFailure(
                        "tgw_attachment_missing",
                        "\(vpcID) has no available attachment to \(tgw); the network team attaches it (privatelinkd only reads Transit Gateways)")
                }
            }
        }
        let tables = try routeTables()
        let target = try routeTarget(allowUnknown: true)
        if let failure = Self.conflict(tables.hub, managed: tables.managed, destinations: spokeVPC.cidrBlocks, target: target)
            ?? Self.conflict(tables.spoke, managed: tables.managed, destinations: hubCIDRs, target: target)
        {
            throw failure
        }
    }

    /// The hub's endpoint subnets' tables (the main one for subnets without their own) and the
    /// spoke's named tables or, unless routes are not managed, all of them.
    func routeTables() throws -> (hub: [RouteTable], spoke: [RouteTable], managed: Set<String>) {
        let hubTables = try hubEC2.describeRouteTables(filters: [EC2Filter("vpc-id", [hub.vpcID])])
        let spokeTables = try spokeEC2.describeRouteTables(filters: [EC2Filter("vpc-id", [vpc.vpcID])])
        let spokeSide = vpc.routeTableIDs.isEmpty ? (vpc.manageRoutes ? spokeTables.map(\.id) : []) : vpc.routeTableIDs
        let hubSide = vpc.manageRoutes || !vpc.routeTableIDs.isEmpty ? PeeringRoutes.endpointSideTables(hubTables, subnets: hub.subnetIDs) : []
        return (hubTables, spokeTables, Set(hubSide + spokeSide))
    }

    /// Where routes go: the Transit Gateway, or the spoke's peering (nil before it is known).
    func routeTarget(allowUnknown: Bool = false) throws -> EC2Client.RouteTarget? {
        if spoke.request.transport == .transitGateway, let tgw = spoke.request.transitGatewayID { return .transitGateway(tgw) }
        if let pcx = try current().peeringConnectionID { return .peering(pcx) }
        if allowUnknown { return nil }
        throw StepFailure("peering_missing", "no peering connection recorded for spoke \(spoke.id)")
    }

    /// `route_conflict`: a managed table already sends a destination to another target.
    static func conflict(_ tables: [RouteTable], managed: Set<String>, destinations: [String], target: EC2Client.RouteTarget?) -> StepFailure? {
        for table in tables where managed.contains(table.id) {
            for cidr in destinations {
                guard let route = table.routes.first(where: { $0.destinationCIDR == cidr }) else { continue }
                if Self.goes(route, to: target) { continue }
                let other = route.vpcPeeringConnectionID ?? route.transitGatewayID ?? route.gatewayID ?? "another target"
                return StepFailure(
                    "route_conflict", "\(table.id) already routes \(cidr) to \(other); remove that route or name other tables in route_table_ids")
            }
        }
        return nil
    }

    /// Whether a route goes to the target (any peering counts while the spoke's is not known yet).
    static func goes(_ route: RouteTable.Route, to target: EC2Client.RouteTarget?) -> Bool {
        switch target {
        case let .transitGateway(id): return route.transitGatewayID == id
        case let .peering(id): return route.vpcPeeringConnectionID == id
        case nil: return route.vpcPeeringConnectionID != nil
        }
    }

    func checkPeering() throws {
        guard let pcx = vpc.peeringConnectionID else { return }
        let found = try hubEC2.describeVpcPeeringConnections(ids: [pcx]).first { $0.id == pcx }
        let pair = Set([found?.requesterVpcID, found?.accepterVpcID].compactMap { $0 }.filter { !$0.isEmpty })
        guard let found, found.status == "active", pair == Set([hub.vpcID, vpc.vpcID]) else {
            throw StepFailure(
                "peering_not_active",
                "\(pcx) must be an active peering connection between \(hub.vpcID) and \(vpc.vpcID) (it is \(found?.status ?? "not found"))")
        }
        try write { db, now in try SpokeRows.setPeering(db, spokeID: spoke.id, id: pcx, created: false, now: now) }
    }

    /// CreateVpcPeeringConnection takes no ClientToken: the spoke's tag finds one made before a crash.
    func createPeering() throws {
        if try current().peeringConnectionID != nil { return }
        let tagged = try hubEC2.describeVpcPeeringConnections(filters: [EC2Filter("tag:privatelinkd:spoke", [spoke.id])])
            .first { $0.tags["privatelinkd:spoke"] == spoke.id && !["deleted", "rejected", "failed", "expired"].contains($0.status) }
        let connection =
            try tagged
            ?? hubEC2.createVpcPeeringConnection(
                vpcID: hub.vpcID, peerVpcID: vpc.vpcID, peerRegion: vpc.region == hub.region ? nil : vpc.region,
                peerOwnerID: crossAccount ? vpc.accountID : nil, tags: [("privatelinkd:spoke", spoke.id), ("privatelinkd:setup", hub.id)])
        try write { db, now in try SpokeRows.setPeering(db, spokeID: spoke.id, id: connection.id, created: true, now: now) }
    }

    func acceptPeering() throws {
        guard let pcx = try current().peeringConnectionID else { throw StepFailure("peering_missing", "no peering connection recorded") }
        let seen: VpcPeeringConnection?
        do { seen = try spokeEC2.describeVpcPeeringConnections(ids: [pcx]).first { $0.id == pcx } } catch let error as AWSError where error.isNotFound {
            throw PeeringSteps.NotYetVisible(what: "\(pcx) in \(vpc.region)")
        }
        if seen?.status == "active" { return }
        let accepted: VpcPeeringConnection
        do { accepted = try spokeEC2.acceptVpcPeeringConnection(id: pcx) } catch let error as AWSError where error.isNotFound {
            throw PeeringSteps.NotYetVisible(what: "\(pcx) in \(vpc.region)")
        }
        guard ["active", "provisioning"].contains(accepted.status) else {
            throw StepFailure("peering_not_accepted", "\(pcx) is \(accepted.status) after accepting it in \(vpc.region)")
        }
    }

    /// Routes both ways through the target, added to the managed tables and recorded; routes that
    /// already go there are left as found. With routes unmanaged and no tables named, they must exist.
    func routes() throws {
        let target = try routeTarget()
        let hubCIDRs = try hubEC2.describeVpcs(ids: [hub.vpcID]).first?.cidrBlocks ?? []
        let spokeCIDRs = try spokeEC2.describeVpcs(ids: [vpc.vpcID]).first?.cidrBlocks ?? []
        let tables = try routeTables()
        if let failure = Self.conflict(tables.hub, managed: tables.managed, destinations: spokeCIDRs, target: target)
            ?? Self.conflict(tables.spoke, managed: tables.managed, destinations: hubCIDRs, target: target)
        {
            throw failure
        }
        var missing: [String] = []
        for (client, side, destinations) in [(hubEC2, tables.hub, spokeCIDRs), (spokeEC2, tables.spoke, hubCIDRs)] {
            for table in side {
                for cidr in destinations where !table.routes.contains(where: { $0.destinationCIDR == cidr && Self.goes($0, to: target) }) {
                    if tables.managed.contains(table.id) {
                        // Recorded first: a crash after the call must not leave an unrecorded route
                        // (removal tolerates a recorded one that was never made).
                        try write { db, now in try SpokeRows.add(db, spokeID: spoke.id, to: "routes_added", "\(table.id):\(cidr)", now: now) }
                        if let target { try client.createRoute(routeTableID: table.id, destinationCIDR: cidr, through: target) }
                    } else if !vpc.manageRoutes && vpc.routeTableIDs.isEmpty {
                        missing.append("\(table.id) → \(cidr)")
                    }
                }
            }
        }
        if !missing.isEmpty {
            throw StepFailure("routes_missing", "no route in: \(missing.joined(separator: ", ")); add them or let privatelinkd manage routes")
        }
    }

    /// The hub's zone for an endpoint key.
    func zone(_ key: String) throws -> HostedZoneRecord {
        let endpoints = try store.get(hub.id)?.endpoints ?? []
        guard let endpoint = endpoints.first(where: { $0.services[0] == key }),
            let zone = try store.database.read({ try PeeringRows.zones($0, setupID: hub.id) }).first(where: { $0.endpointID == endpoint.id }),
            zone.zoneID != nil
        else { throw StepFailure("zone_missing", "the hub has no zone for \(key)") }
        return zone
    }

    func authorizeAssociation(_ key: String) throws {
        let zoneID = try zone(key).zoneID!
        guard try !current().authorizedZones.contains(zoneID) else { return }
        try hubRoute53.createVPCAssociationAuthorization(zoneID: zoneID, vpcID: vpc.vpcID, vpcRegion: vpc.region)
        try write { db, now in try SpokeRows.add(db, spokeID: spoke.id, to: "authorized_zones", zoneID, now: now) }
    }

    func associateZone(_ key: String) throws {
        let zone = try zone(key)
        let zoneID = zone.zoneID!
        let already = try spokeRoute53.listHostedZonesByVPC(vpcID: vpc.vpcID, vpcRegion: vpc.region).contains { $0.id == zoneID }
        // Found associated and not recorded: someone else's, not this spoke's to undo.
        guard !already else { return }
        // Recorded first, so a crash after the call leaves nothing unrecorded; a rerun associates
        // what was recorded but not made.
        try write { db, now in try SpokeRows.add(db, spokeID: spoke.id, to: "associated_zones", zoneID, now: now) }
        do { try spokeRoute53.associateVPC(zoneID: zoneID, vpcID: vpc.vpcID, vpcRegion: vpc.region) } catch let error as AWSError
            where error.code == "ConflictingDomainExists"
        {
            try write { db, now in try SpokeRows.remove(db, spokeID: spoke.id, from: "associated_zones", zoneID, now: now) }
            throw StepFailure("zone_conflict", "\(vpc.vpcID) already has another private zone for \(zone.name): \(error.message)")
        }
    }

    // MARK: Removal

    /// Disassociates the spoke's VPC from the zones it associated and withdraws its authorizations.
    func disassociateZones() throws {
        let row = try current()
        for zoneID in row.associatedZones {
            try PeeringSteps.ignoringGone { try spokeRoute53.disassociateVPC(zoneID: zoneID, vpcID: vpc.vpcID, vpcRegion: vpc.region) }
            try write { db, now in try SpokeRows.remove(db, spokeID: spoke.id, from: "associated_zones", zoneID, now: now) }
        }
        for zoneID in row.authorizedZones {
            try PeeringSteps.ignoringGone { try hubRoute53.deleteVPCAssociationAuthorization(zoneID: zoneID, vpcID: vpc.vpcID, vpcRegion: vpc.region) }
            try write { db, now in try SpokeRows.remove(db, spokeID: spoke.id, from: "authorized_zones", zoneID, now: now) }
        }
    }

    /// Deletes the routes the spoke added (the table is in one of the two VPCs).
    /// Deletes the routes the spoke added, in whichever VPC holds the table, and only while they
    /// still go to the spoke's peering or Transit Gateway (a route the network team has since
    /// pointed elsewhere is theirs now).
    func deleteRoutes() throws {
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
                table.routes.contains(where: { $0.destinationCIDR == parts[1] && target != nil && Self.goes($0, to: target) })
            {
                try PeeringSteps.ignoringGone { try client.deleteRoute(routeTableID: parts[0], destinationCIDR: parts[1]) }
            }
            try write { db, now in try SpokeRows.remove(db, spokeID: spoke.id, from: "routes_added", route, now: now) }
        }
    }

    /// Deletes the peering the spoke created, unless another live spoke routes through it.
    func deletePeering() throws {
        let row = try current()
        guard let pcx = row.peeringConnectionID, row.peeringCreated else { return }
        guard try store.database.read({ try SpokeRows.othersUsingPeering($0, pcx, excluding: spoke.id) }) == 0 else { return }
        try PeeringSteps.ignoringGone { try hubEC2.deleteVpcPeeringConnection(id: pcx) }
    }
}
