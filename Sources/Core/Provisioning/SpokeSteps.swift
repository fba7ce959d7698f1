import Foundation

/// A hub's spoke, step by step: its VPC checked against the hub's, the peering (given, or created
/// and accepted) when that is the transport, routes both ways through the peering or the Transit
/// Gateway, then the hub's zones authorized (across accounts) and associated with the spoke's VPC.
/// Each step records what it made on the spoke's row, so a rerun does only what is left and the
/// removal undoes exactly that. Endpoints are never touched, nor are other spokes' routes.
/// A `vpc_peering` setup's peer is such a spoke too, run by the setup's own jobs (`setupPeer`);
/// its answers then name the request's `peer.` fields.
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
    /// How answers name the spoke's side: `peer` for a setup's peer (its fields are `peer.…`).
    var side: String { spoke.setupPeer ? "peer" : "spoke" }
    func field(_ name: String) -> String { spoke.setupPeer ? "peer.\(name)" : name }

    func write<T>(_ body: (Connection, String) throws -> T) throws -> T { try queue.whileHeld(job.id, owner: owner, body) }
    func current() throws -> SpokeRecord {
        guard let row = try store.database.read({ try SpokeRows.byID($0, spoke.id) }) else { throw StepFailure("spoke_missing", "spoke \(spoke.id) is gone") }
        return row
    }

    /// The spoke's VPC exists with DNS support and hostnames on; returns its CIDRs (a setup's
    /// peer: the sources its endpoints' security groups must accept).
    func vpcCIDRs() throws -> [String] {
        let found: [Vpc]
        do { found = try spokeEC2.describeVpcs(ids: [vpc.vpcID]) } catch let error as AWSError where error.isNotFound {
            throw StepFailure(
                "\(side)_vpc_not_found",
                "\(vpc.vpcID) was not found in \(vpc.region); check \(field("vpc_id")), \(field("region")) and \(field("role_arn"))")
        }
        guard let spokeVPC = found.first else { throw StepFailure("\(side)_vpc_not_found", "\(vpc.vpcID) was not found in \(vpc.region)") }
        var off: [String] = []
        for attribute in ["enableDnsSupport", "enableDnsHostnames"] where try !spokeEC2.describeVpcAttribute(vpcID: vpc.vpcID, attribute: attribute) {
            off.append(attribute)
        }
        if !off.isEmpty {
            throw StepFailure(
                "\(side)_vpc_dns_disabled",
                "\(off.joined(separator: " and ")) must be on for \(vpc.vpcID): the hub's private zones only answer in VPCs with both")
        }
        return spokeVPC.cidrBlocks
    }

    /// The spoke VPC's ranges, none when its VPC is gone: a hub's change checks its security
    /// groups against them without judging the spoke (its own verification does).
    func rangesIfFound() throws -> [String] {
        do { return try spokeEC2.describeVpcs(ids: [vpc.vpcID]).first?.cidrBlocks ?? [] } catch let error as AWSError where error.isNotFound {
            return []
        }
    }

    /// `vpcCIDRs`' checks, then: its ranges are apart from the hub's, the hub's endpoints admit
    /// TCP 443 from them (privatelinkd does not change security groups), a Transit Gateway has an
    /// available attachment from both VPCs, and no managed table already sends the other range
    /// elsewhere.
    func preflight() throws {
        let spokeCIDRs = try vpcCIDRs()
        let hubCIDRs = try hubEC2.describeVpcs(ids: [hub.vpcID]).first?.cidrBlocks ?? []
        if let failure = SpokeRoutes.overlap(own: hubCIDRs, ownVPC: hub.vpcID, peer: spokeCIDRs, peerVPC: vpc.vpcID) { throw failure }
        // A setup's peer had its security groups checked against its range by the setup's preflight.
        if !spoke.setupPeer {
            let groups = try hubEC2.describeSecurityGroups(ids: hub.securityGroupIDs)
            if let failure = Preflight.securityGroups(groups, requested: hub.securityGroupIDs, sourceCIDRs: spokeCIDRs) { throw failure }
        }
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
        if let failure = conflict(tables.hub, managed: tables.managed, destinations: spokeCIDRs, target: target)
            ?? conflict(tables.spoke, managed: tables.managed, destinations: hubCIDRs, target: target)
        {
            throw failure
        }
    }

    /// The tables privatelinkd adds routes to: those named in `route_table_ids` (in either VPC),
    /// with the hub's endpoint subnets' tables (the main one for subnets without their own) when
    /// none of the named ones is the hub's; unnamed, unless routes are not managed, the endpoint
    /// subnets' tables and every table of the spoke's VPC.
    func routeTables() throws -> (hub: [RouteTable], spoke: [RouteTable], managed: Set<String>) {
        let hubTables = try hubEC2.describeRouteTables(filters: [EC2Filter("vpc-id", [hub.vpcID])])
        let spokeTables = try spokeEC2.describeRouteTables(filters: [EC2Filter("vpc-id", [vpc.vpcID])])
        let endpointSide = SpokeRoutes.endpointSideTables(hubTables, subnets: hub.subnetIDs)
        let named = Set(vpc.routeTableIDs)
        guard !named.isEmpty else { return (hubTables, spokeTables, vpc.manageRoutes ? Set(endpointSide + spokeTables.map(\.id)) : []) }
        let namedOnHub = hubTables.map(\.id).filter(named.contains)
        return (hubTables, spokeTables, named.union(namedOnHub.isEmpty ? endpointSide : []))
    }

    /// Where routes go: the Transit Gateway, or the spoke's peering (nil before it is known).
    func routeTarget(allowUnknown: Bool = false) throws -> EC2Client.RouteTarget? {
        if spoke.request.transport == .transitGateway, let tgw = spoke.request.transitGatewayID { return .transitGateway(tgw) }
        if let pcx = try current().peeringConnectionID { return .peering(pcx) }
        if allowUnknown { return nil }
        throw StepFailure("peering_missing", "no peering connection recorded for spoke \(spoke.id)")
    }

    /// `route_conflict`, naming this side's `route_table_ids`.
    func conflict(_ tables: [RouteTable], managed: Set<String>, destinations: [String], target: EC2Client.RouteTarget?) -> StepFailure? {
        SpokeRoutes.conflict(in: tables, managed: managed, destinations: destinations, target: target, field: field("route_table_ids"))
    }

    func checkPeering() throws {
        guard let pcx = vpc.peeringConnectionID else { return }
        let found = try hubEC2.describeVpcPeeringConnections(ids: [pcx]).first { $0.id == pcx }
        let pair = Set([found?.requesterVpcID, found?.accepterVpcID].compactMap { $0 }.filter { !$0.isEmpty })
        // EC2 is eventually consistent: an active connection whose two sides are not both described
        // yet is looked at again later rather than judged.
        if found?.status == "active" && pair.count < 2 { throw NotYetVisible(what: "both sides of \(pcx)") }
        guard let found, found.status == "active", pair == Set([hub.vpcID, vpc.vpcID]) else {
            throw StepFailure(
                "peering_not_active",
                "\(pcx) must be an active peering connection between \(hub.vpcID) and \(vpc.vpcID) (it is \(found?.status ?? "not found"))")
        }
        try write { db, now in try SpokeRows.setPeering(db, spokeID: spoke.id, id: pcx, created: false, now: now) }
    }

    /// CreateVpcPeeringConnection takes no ClientToken: the spoke's tag finds one made before a
    /// crash (a setup's peer from before its spoke row was tagged with the setup alone).
    /// One it made that has since died (never accepted within AWS's 7 days, rejected) is
    /// forgotten and made again; one not visible yet (eventual consistency) is kept.
    func createPeering() throws {
        let row = try current()
        if let recorded = row.peeringConnectionID {
            guard row.peeringCreated, let seen = try? hubEC2.describeVpcPeeringConnections(ids: [recorded]).first(where: { $0.id == recorded }),
                Self.deadPeering.contains(seen.status)
            else { return }
        }
        let connection =
            try tagged()
            ?? hubEC2.createVpcPeeringConnection(
                vpcID: hub.vpcID, peerVpcID: vpc.vpcID, peerRegion: vpc.region == hub.region ? nil : vpc.region,
                peerOwnerID: crossAccount ? vpc.accountID : nil, tags: [("privatelinkd:spoke", spoke.id), ("privatelinkd:setup", hub.id)])
        try write { db, now in try SpokeRows.setPeering(db, spokeID: spoke.id, id: connection.id, created: true, now: now) }
    }

    /// Peering states that never come back.
    static let deadPeering: Set<String> = ["deleted", "rejected", "failed", "expired"]

    /// A live peering connection this spoke made, found by its tags. The tags are checked here too:
    /// an emulator (or a proxy) that drops the filter must not hand this spoke another's connection.
    func tagged() throws -> VpcPeeringConnection? {
        let key = spoke.setupPeer ? "privatelinkd:setup" : "privatelinkd:spoke"
        let value = spoke.setupPeer ? hub.id : spoke.id
        return try hubEC2.describeVpcPeeringConnections(filters: [EC2Filter("tag:\(key)", [value])]).first {
            $0.tags[key] == value && ($0.tags["privatelinkd:spoke"] ?? spoke.id) == spoke.id
                && !Self.deadPeering.contains($0.status)
        }
    }

    func acceptPeering() throws {
        guard let pcx = try current().peeringConnectionID else { throw StepFailure("peering_missing", "no peering connection recorded") }
        let seen: VpcPeeringConnection?
        do { seen = try spokeEC2.describeVpcPeeringConnections(ids: [pcx]).first { $0.id == pcx } } catch let error as AWSError where error.isNotFound {
            throw NotYetVisible(what: "\(pcx) in \(vpc.region)")
        }
        if seen?.status == "active" { return }
        let accepted: VpcPeeringConnection
        do { accepted = try spokeEC2.acceptVpcPeeringConnection(id: pcx) } catch let error as AWSError where error.isNotFound {
            throw NotYetVisible(what: "\(pcx) in \(vpc.region)")
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
        if let failure = conflict(tables.hub, managed: tables.managed, destinations: spokeCIDRs, target: target)
            ?? conflict(tables.spoke, managed: tables.managed, destinations: hubCIDRs, target: target)
        {
            throw failure
        }
        var missing: [String] = []
        for (client, side, destinations) in [(hubEC2, tables.hub, spokeCIDRs), (spokeEC2, tables.spoke, hubCIDRs)] {
            for table in side {
                for cidr in destinations where !table.routes.contains(where: { $0.destinationCIDR == cidr && SpokeRoutes.goes($0, to: target) }) {
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
            throw StepFailure(
                "routes_missing",
                "no route in: \(missing.joined(separator: ", ")); add them, let privatelinkd manage routes, or name the tables in \(field("route_table_ids"))")
        }
    }

    /// The hub's zone for an endpoint key.
    func zone(_ key: String) throws -> HostedZoneRecord {
        let endpoints = try store.get(hub.id)?.endpoints ?? []
        guard let endpoint = endpoints.first(where: { $0.services[0] == key }),
            let zone = try store.database.read({ try ZoneRows.zones($0, setupID: hub.id) }).first(where: { $0.endpointID == endpoint.id }),
            zone.zoneID != nil
        else { throw StepFailure("zone_missing", "the hub has no zone for \(key)") }
        return zone
    }

    func authorizeAssociation(_ key: String) throws {
        let zoneID = try zone(key).zoneID!
        // Recorded first, as associations are (withdrawing one never made is "already gone"), and
        // asked for on every run: AWS answers an authorization that exists with itself.
        try write { db, now in try SpokeRows.add(db, spokeID: spoke.id, to: "authorized_zones", zoneID, now: now) }
        try hubRoute53.createVPCAssociationAuthorization(zoneID: zoneID, vpcID: vpc.vpcID, vpcRegion: vpc.region)
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
}

extension SpokeSteps {
    /// The steps of `spoke` of `hub` (whose stored request is `request`): the hub's calls in its
    /// own context, the spoke's through its account and role when it names them.
    init(
        hub: SetupRecord, request: JSON, spoke: SpokeRecord, job: JobRecord, owner: String, queue: JobQueue, store: SetupStore, aws: AWSAccess
    ) {
        let context = aws.context(for: hub, request: request, job: job)
        let vpc = spoke.request.vpc
        let spokeContext = aws.context(forSide: vpc, of: hub, job: job, sameSide: context)
        self.init(
            hub: hub, spoke: spoke, job: job, owner: owner, queue: queue, store: store,
            hubEC2: aws.ec2(region: hub.region, context: context), spokeEC2: aws.ec2(region: vpc.region, context: spokeContext),
            hubRoute53: aws.route53(context: context, partitionRegion: hub.region),
            spokeRoute53: aws.route53(context: spokeContext, partitionRegion: vpc.region))
    }
}
