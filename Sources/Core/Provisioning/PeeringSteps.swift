import Foundation

/// The `vpc_peering` steps after the endpoints are available (from the guide's VPC Peering tab):
/// a private hosted zone per endpoint named by its private DNS name, attached to the endpoint VPC,
/// holding an alias A record to the endpoint; the peering connection (given, or created and
/// accepted); routes in both directions; the zone associated with the agents' VPC, with an
/// association authorization first when the accounts differ.
struct PeeringSteps {
    let setup: SetupRecord
    let peer: PeerRequest
    let job: JobRecord
    let owner: String
    let queue: JobQueue
    let store: SetupStore
    let ec2: EC2Client
    let peerEC2: EC2Client
    let route53: Route53Client
    let peerRoute53: Route53Client

    var crossAccount: Bool { peer.accountID != nil && peer.accountID != setup.accountID }
    var peerVPC: String { "\(peer.vpcID)@\(peer.region)" }

    func write<T>(_ body: (Connection, String) throws -> T) throws -> T { try queue.whileHeld(job.id, owner: owner, body) }

    func endpoint(_ key: String) throws -> EndpointRecord {
        guard let row = try store.get(setup.id)?.endpoints.first(where: { $0.services[0] == key }) else {
            throw StepFailure("endpoint_missing", "the setup has no endpoint for \(key)")
        }
        return row
    }

    /// The agents' VPC exists with DNS support and hostnames on; returns its CIDRs (the security
    /// groups' sources and the routes' destinations).
    func peerCIDRs() throws -> [String] {
        let vpcs: [Vpc]
        do { vpcs = try peerEC2.describeVpcs(ids: [peer.vpcID]) } catch let error as AWSError where error.isNotFound {
            throw StepFailure(
                "peer_vpc_not_found", "the agents' VPC \(peer.vpcID) was not found in \(peer.region); check peer.vpc_id, peer.region and peer.role_arn")
        }
        guard let vpc = vpcs.first else { throw StepFailure("peer_vpc_not_found", "\(peer.vpcID) was not found in \(peer.region)") }
        var off: [String] = []
        for attribute in ["enableDnsSupport", "enableDnsHostnames"] where try !peerEC2.describeVpcAttribute(vpcID: peer.vpcID, attribute: attribute) {
            off.append(attribute)
        }
        if !off.isEmpty {
            throw StepFailure(
                "peer_vpc_dns_disabled",
                "\(off.joined(separator: " and ")) must be on for the agents' VPC \(peer.vpcID): the private hosted zones only answer in VPCs with both")
        }
        return vpc.cidrBlocks
    }

    /// The `preflight_peer_vpc` step: the agents' VPC as `peerCIDRs` checks it, then what AWS would
    /// refuse later: overlapping ranges, and a table that already routes the other range elsewhere.
    func preflightPeerVPC() throws -> [String] {
        let cidrs = try peerCIDRs()
        let ownCIDRs = try ec2.describeVpcs(ids: [setup.vpcID]).first?.cidrBlocks ?? []
        if let failure = PeeringRoutes.overlap(own: ownCIDRs, ownVPC: setup.vpcID, peer: cidrs, peerVPC: peer.vpcID) { throw failure }
        let tables = try routeTables()
        if let failure = PeeringRoutes.conflict(in: tables.own, managed: tables.managed, destinations: cidrs, peering: peer.peeringConnectionID)
            ?? PeeringRoutes.conflict(in: tables.peer, managed: tables.managed, destinations: ownCIDRs, peering: peer.peeringConnectionID)
        {
            throw failure
        }
        return cidrs
    }

    /// Both VPCs' route tables, and the ones privatelinkd adds routes to: those named in
    /// `peer.route_table_ids`; else, unless `manage_routes` is false, the endpoint subnets' tables
    /// and every table of the agents' VPC (what the common peering modules do).
    func routeTables() throws -> (own: [RouteTable], peer: [RouteTable], managed: Set<String>) {
        let own = try ec2.describeRouteTables(filters: [EC2Filter("vpc-id", [setup.vpcID])])
        let theirs = try peerEC2.describeRouteTables(filters: [EC2Filter("vpc-id", [peer.vpcID])])
        if !peer.routeTableIDs.isEmpty { return (own, theirs, Set(peer.routeTableIDs)) }
        guard peer.manageRoutes else { return (own, theirs, []) }
        return (own, theirs, Set(PeeringRoutes.endpointSideTables(own, subnets: setup.subnetIDs) + theirs.map(\.id)))
    }

    func createHostedZone(_ key: String) throws {
        let row = try endpoint(key)
        let zone = try write { db, now in try PeeringRows.zone(db, setupID: setup.id, endpoint: row, now: now) }
        guard zone.zoneID == nil else { return }
        // A zone of that name already on the endpoint VPC (ours before a crash, or someone's): use it.
        // It is marked adopted, so teardown leaves it: a listing cannot prove who created it.
        let existing = try route53.listHostedZonesByVPC(vpcID: setup.vpcID, vpcRegion: setup.region)
            .first { $0.name.trimmingCharacters(in: CharacterSet(charactersIn: ".")) == zone.name }
        if let existing {
            try write { db, now in try PeeringRows.setZone(db, rowID: zone.id, zoneID: existing.id, adopted: true, now: now) }
            return
        }
        let created = try route53.createPrivateHostedZone(
            name: zone.name, vpcID: setup.vpcID, vpcRegion: setup.region,
            callerReference: zone.callerReference, comment: "privatelinkd \(setup.id) \(key)")
        try write { db, now in try PeeringRows.setZone(db, rowID: zone.id, zoneID: created.id, adopted: false, now: now) }
    }

    func upsertAliasRecord(_ key: String) throws {
        let row = try endpoint(key)
        guard let zone = try store.database.read({ try PeeringRows.zones($0, setupID: setup.id) }).first(where: { $0.endpointID == row.id }),
            let zoneID = zone.zoneID
        else { throw StepFailure("zone_missing", "no hosted zone recorded for \(key)") }
        guard let target = row.dnsName, let targetZone = row.dnsHostedZoneID else {
            throw StepFailure("endpoint_dns_missing", "AWS gave no DNS name for \(row.vpcEndpointID ?? key); it cannot be the target of an alias record")
        }
        try route53.changeAliasRecord(zoneID: zoneID, name: zone.name, targetDNSName: target, targetZoneID: targetZone)
        try write { db, now in try PeeringRows.markRecord(db, rowID: zone.id, now: now) }
    }

    func checkPeering() throws {
        guard let id = peer.peeringConnectionID else { return }
        let found = try ec2.describeVpcPeeringConnections(ids: [id]).first { $0.id == id }
        let pair = Set([found?.requesterVpcID, found?.accepterVpcID].compactMap { $0 }.filter { !$0.isEmpty })
        // EC2 is eventually consistent: an active connection whose two sides are not both described
        // yet is looked at again later rather than judged.
        if found?.status == "active" && pair.count < 2 { throw NotYetVisible(what: "both sides of \(id)") }
        guard let found, found.status == "active", pair == Set([setup.vpcID, peer.vpcID]) else {
            throw StepFailure(
                "peering_not_active",
                "\(id) must be an active peering connection between \(setup.vpcID) and \(peer.vpcID) (it is \(found?.status ?? "not found")\(pair.isEmpty ? "" : ", between " + pair.sorted().joined(separator: " and ")))"
            )
        }
        try write { db, _ in try PeeringRows.setPeering(db, setupID: setup.id, id: id, created: false) }
    }

    /// CreateVpcPeeringConnection takes no ClientToken: look for this setup's connection by tag first.
    func createPeering() throws {
        if try store.database.read({ try PeeringRows.peering($0, setupID: setup.id) }).id != nil { return }
        // The tag is checked here too: an emulator (or a proxy) that drops the filter must not hand
        // this setup another setup's connection.
        let tagged = try ec2.describeVpcPeeringConnections(filters: [EC2Filter("tag:privatelinkd:setup", [setup.id])])
            .first { $0.tags["privatelinkd:setup"] == setup.id && !["deleted", "rejected", "failed", "expired"].contains($0.status) }
        let connection =
            try tagged
            ?? ec2.createVpcPeeringConnection(
                vpcID: setup.vpcID, peerVpcID: peer.vpcID, peerRegion: peer.region == setup.region ? nil : peer.region,
                peerOwnerID: crossAccount ? peer.accountID : nil, tags: [("privatelinkd:setup", setup.id)])
        try write { db, _ in try PeeringRows.setPeering(db, setupID: setup.id, id: connection.id, created: true) }
    }

    /// Accepts on the agents' side (their region and account).
    func acceptPeering() throws {
        guard let id = try store.database.read({ try PeeringRows.peering($0, setupID: setup.id) }).id else {
            throw StepFailure("peering_missing", "no peering connection recorded")
        }
        // EC2 is eventually consistent: a connection just created may not be visible yet in the
        // accepter's region. NotFound here is transient; the job retries with backoff.
        let seen: VpcPeeringConnection?
        do { seen = try peerEC2.describeVpcPeeringConnections(ids: [id]).first { $0.id == id } } catch let error as AWSError where error.isNotFound {
            throw NotYetVisible(what: "\(id) in \(peer.region)")
        }
        if seen?.status == "active" { return }
        let accepted: VpcPeeringConnection
        do { accepted = try peerEC2.acceptVpcPeeringConnection(id: id) } catch let error as AWSError where error.isNotFound {
            throw NotYetVisible(what: "\(id) in \(peer.region)")
        }
        guard ["active", "provisioning"].contains(accepted.status) else {
            throw StepFailure("peering_not_accepted", "\(id) is \(accepted.status) after accepting it in \(peer.region)")
        }
    }

    /// Routes both ways through the peering: added to the managed tables (recorded, so teardown
    /// removes exactly those), left alone where they already go through it. With `manage_routes`
    /// false and no tables named, every table of both VPCs must already have them.
    func checkRoutes(peerCIDRs: [String]) throws {
        guard let pcx = try store.database.read({ try PeeringRows.peering($0, setupID: setup.id) }).id else {
            throw StepFailure("peering_missing", "no peering connection recorded")
        }
        let ownCIDRs = try ec2.describeVpcs(ids: [setup.vpcID]).first?.cidrBlocks ?? []
        let tables = try routeTables()
        let checkOnly = peer.routeTableIDs.isEmpty && !peer.manageRoutes
        if let failure = PeeringRoutes.conflict(in: tables.own, managed: tables.managed, destinations: peerCIDRs, peering: pcx)
            ?? PeeringRoutes.conflict(in: tables.peer, managed: tables.managed, destinations: ownCIDRs, peering: pcx)
        {
            throw failure
        }
        var missing: [String] = []
        for (client, vpc, vpcTables, destinations) in [(ec2, setup.vpcID, tables.own, peerCIDRs), (peerEC2, peer.vpcID, tables.peer, ownCIDRs)] {
            for table in vpcTables {
                for cidr in destinations where !table.routes.contains(where: { $0.destinationCIDR == cidr && $0.vpcPeeringConnectionID == pcx }) {
                    if tables.managed.contains(table.id) {
                        try client.createRoute(routeTableID: table.id, destinationCIDR: cidr, peeringConnectionID: pcx)
                        try write { db, _ in try PeeringRows.addRoute(db, setupID: setup.id, route: "\(table.id):\(cidr)") }
                    } else if checkOnly || !peer.routeTableIDs.isEmpty {
                        missing.append("\(table.id) (\(vpc)) → \(cidr)")
                    }
                }
            }
        }
        if !missing.isEmpty {
            throw StepFailure(
                "routes_missing",
                "no route through \(pcx) in: \(missing.joined(separator: ", ")); add them (aws ec2 create-route --route-table-id … --destination-cidr-block … --vpc-peering-connection-id \(pcx)) or name the tables in peer.route_table_ids"
            )
        }
    }

    func zoneFor(_ key: String) throws -> HostedZoneRecord {
        let row = try endpoint(key)
        guard let zone = try store.database.read({ try PeeringRows.zones($0, setupID: setup.id) }).first(where: { $0.endpointID == row.id }),
            zone.zoneID != nil
        else { throw StepFailure("zone_missing", "no hosted zone recorded for \(key)") }
        return zone
    }

    /// Another account's VPC may associate with the zone only once the zone's owner authorizes it.
    func authorizeAssociation(_ key: String) throws {
        let zone = try zoneFor(key)
        guard !zone.authorizedVPCs.contains(peerVPC) else { return }
        try route53.createVPCAssociationAuthorization(zoneID: zone.zoneID!, vpcID: peer.vpcID, vpcRegion: peer.region)
        try write { db, now in try PeeringRows.addVPC(db, rowID: zone.id, column: "authorized_vpcs", vpc: peerVPC, now: now) }
    }

    func associateZone(_ key: String) throws {
        let zone = try zoneFor(key)
        guard !zone.associatedVPCs.contains(peerVPC) else { return }
        let already = try peerRoute53.listHostedZonesByVPC(vpcID: peer.vpcID, vpcRegion: peer.region).contains { $0.id == zone.zoneID }
        if !already {
            do {
                try peerRoute53.associateVPC(zoneID: zone.zoneID!, vpcID: peer.vpcID, vpcRegion: peer.region)
            } catch let error as AWSError where error.code == "ConflictingDomainExists" {
                throw StepFailure("zone_conflict", "\(peer.vpcID) already has another private zone for \(zone.name): \(error.message)")
            }
        }
        try write { db, now in try PeeringRows.addVPC(db, rowID: zone.id, column: "associated_vpcs", vpc: peerVPC, now: now) }
    }

    /// A resource just created is not visible yet (EC2's eventual consistency): retry later.
    struct NotYetVisible: Error, CustomStringConvertible {
        let what: String
        var description: String { "\(what) is not visible yet (eventual consistency); retrying" }
    }

    // MARK: Teardown

    /// AWS's answer meant "already gone": done.
    static func gone(_ error: Error) -> Bool {
        guard let error = error as? AWSError else { return false }
        return error.isNotFound
            || [
                "VPCAssociationNotFound", "VPCAssociationAuthorizationNotFound", "InvalidRoute.NotFound",
                "InvalidVpcPeeringConnectionID.NotFound", "HostedZoneNotFound",
            ].contains(error.code)
            || (error.code == "InvalidChangeBatch" && error.message.contains("not found"))
    }

    static func ignoringGone(_ body: () throws -> Void) throws {
        do { try body() } catch  where gone(error) {}
    }

    /// Disassociates the agents' VPC, withdraws authorizations, deletes the alias records and the
    /// zones privatelinkd created. Zones are shared by reference like endpoints: one that another
    /// live setup still uses keeps its record and the associations that setup relies on; the last
    /// user deletes it when privatelinkd created it. Zones that existed before are left as they were.
    /// Teardown: every zone of the setup. `endpointKey`: only that endpoint's (its service was
    /// removed in place), whose rows are then forgotten so the endpoint can go too.
    func deleteZones(endpointKey: String? = nil) throws {
        let endpoints = try store.get(setup.id)?.endpoints ?? []
        let only = endpointKey.map { key in endpoints.first { $0.services[0] == key }?.id ?? "" }
        let zones = try store.database.read { try PeeringRows.zones($0, setupID: setup.id) }.filter { only == nil || $0.endpointID == only }
        for zone in zones {
            guard let zoneID = zone.zoneID else { continue }
            let use = try store.database.read { try PeeringRows.zoneUse($0, zoneID: zoneID, excluding: setup.id) }
            guard use.createdByPrivatelinkd else { continue }
            for vpc in zone.associatedVPCs where !use.associatedVPCs.contains(vpc) {
                let parts = vpc.split(separator: "@").map(String.init)
                try Self.ignoringGone { try peerRoute53.disassociateVPC(zoneID: zoneID, vpcID: parts[0], vpcRegion: parts[1]) }
            }
            guard use.setups.isEmpty else { continue }  // still used: the zone, its record and the rest stay
            for vpc in zone.authorizedVPCs {
                let parts = vpc.split(separator: "@").map(String.init)
                try Self.ignoringGone { try route53.deleteVPCAssociationAuthorization(zoneID: zoneID, vpcID: parts[0], vpcRegion: parts[1]) }
            }
            if let endpoint = endpoints.first(where: { $0.id == zone.endpointID }),
                let target = endpoint.dnsName, let targetZone = endpoint.dnsHostedZoneID
            {
                try Self.ignoringGone {
                    try route53.changeAliasRecord(zoneID: zoneID, action: "DELETE", name: zone.name, targetDNSName: target, targetZoneID: targetZone)
                }
            }
            try Self.ignoringGone { try route53.deleteHostedZone(id: zoneID) }
        }
        if let only { try write { db, _ in try PeeringRows.removeZones(db, setupID: setup.id, endpointID: only) } }
    }

    /// Removes the routes privatelinkd added and the peering connection it created, unless another
    /// live setup still uses that connection; the last user removes them whoever created them.
    func deletePeering() throws {
        // Routes are only ever added through a recorded connection: without one there is nothing.
        guard let id = try store.database.read({ try PeeringRows.peering($0, setupID: setup.id) }).id else { return }
        let use = try store.database.read { try PeeringRows.peeringUse($0, peeringConnectionID: id, excluding: setup.id) }
        guard use.setups.isEmpty else { return }  // the connection and its routes serve another setup
        // …or a hub's spoke that found it and routes through it.
        guard try store.database.read({ try SpokeRows.othersUsingPeering($0, id) }) == 0 else { return }
        for route in use.routes {
            let parts = route.split(separator: ":", maxSplits: 1).map(String.init)
            // The table is in one of the two VPCs; try the endpoint side first, then the agents' side.
            do { try ec2.deleteRoute(routeTableID: parts[0], destinationCIDR: parts[1]) } catch {
                try Self.ignoringGone { try peerEC2.deleteRoute(routeTableID: parts[0], destinationCIDR: parts[1]) }
            }
        }
        if use.createdByPrivatelinkd { try Self.ignoringGone { try ec2.deleteVpcPeeringConnection(id: id) } }
    }
}
