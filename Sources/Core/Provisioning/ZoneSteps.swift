import Foundation

/// A hub's zones (a `vpc_peering` setup is a hub with one spoke): once the endpoints are
/// available, a private hosted zone per endpoint named by its private DNS name, attached to the
/// endpoint VPC, with an alias A record to the endpoint. Spokes associate their VPCs with these
/// zones in their own steps (`SpokeSteps`); the zones never reach past the hub's VPC here.
struct ZoneSteps {
    let setup: SetupRecord
    let job: JobRecord
    let owner: String
    let queue: JobQueue
    let store: SetupStore
    let route53: Route53Client

    func write<T>(_ body: (Connection, String) throws -> T) throws -> T { try queue.whileHeld(job.id, owner: owner, body) }

    func endpoint(_ key: String) throws -> EndpointRecord {
        guard let row = try store.get(setup.id)?.endpoints.first(where: { $0.services[0] == key }) else {
            throw StepFailure("endpoint_missing", "the setup has no endpoint for \(key)")
        }
        return row
    }

    /// The Route53 id of the zone for an endpoint key, once created.
    func zoneID(_ key: String) throws -> String? {
        guard let row = try store.get(setup.id)?.endpoints.first(where: { $0.services[0] == key }) else { return nil }
        return try store.database.read { try ZoneRows.zones($0, setupID: setup.id) }.first { $0.endpointID == row.id }?.zoneID
    }

    func createHostedZone(_ key: String) throws {
        let row = try endpoint(key)
        let zone = try write { db, now in try ZoneRows.zone(db, setupID: setup.id, endpoint: row, now: now) }
        guard zone.zoneID == nil else { return }
        // A zone of that name already on the endpoint VPC: ours before a crash (its CallerReference
        // is this row's), or someone's, used and marked adopted so teardown leaves it.
        if let existing = try zoneOnVPC(named: zone.name) {
            let ours = try isOurs(existing, callerReference: zone.callerReference)
            try write { db, now in try ZoneRows.setZone(db, rowID: zone.id, zoneID: existing, adopted: !ours, now: now) }
            return
        }
        let created = try route53.createPrivateHostedZone(
            name: zone.name, vpcID: setup.vpcID, vpcRegion: setup.region,
            callerReference: zone.callerReference, comment: "privatelinkd \(setup.id) \(key)")
        try write { db, now in try ZoneRows.setZone(db, rowID: zone.id, zoneID: created.id, adopted: false, now: now) }
    }

    /// The id of a private zone of that name on the endpoint VPC (any account's), if there is one.
    func zoneOnVPC(named name: String) throws -> String? {
        try route53.listHostedZonesByVPC(vpcID: setup.vpcID, vpcRegion: setup.region)
            .first { $0.name.trimmingCharacters(in: CharacterSet(charactersIn: ".")) == name }?.id
    }

    /// Made by this zone row (its CallerReference). A zone this account cannot read (another
    /// account's, shared with the VPC) is someone else's.
    func isOurs(_ zoneID: String, callerReference: String) throws -> Bool {
        do { return try route53.callerReference(zoneID: zoneID) == callerReference } catch let error as AWSError
            where error.isNotFound || error.code == "AccessDenied" || error.code == "NoSuchHostedZone"
        {
            return false
        }
    }

    func upsertAliasRecord(_ key: String) throws {
        let row = try endpoint(key)
        guard let zone = try store.database.read({ try ZoneRows.zones($0, setupID: setup.id) }).first(where: { $0.endpointID == row.id }),
            let zoneID = zone.zoneID
        else { throw StepFailure("zone_missing", "no hosted zone recorded for \(key)") }
        guard let target = row.dnsName, let targetZone = row.dnsHostedZoneID else {
            throw StepFailure("endpoint_dns_missing", "AWS gave no DNS name for \(row.vpcEndpointID ?? key); it cannot be the target of an alias record")
        }
        try route53.changeAliasRecord(zoneID: zoneID, name: zone.name, targetDNSName: target, targetZoneID: targetZone)
        try write { db, now in try ZoneRows.markRecord(db, rowID: zone.id, now: now) }
    }

    /// Deletes the alias records and the zones privatelinkd created, once the spokes have left
    /// them. Zones are shared by reference like endpoints: one that another live setup still uses
    /// keeps its record; the last user deletes it when privatelinkd created it. Zones that existed
    /// before are left as they were. Teardown: every zone of the setup. `endpointKey`: only that
    /// endpoint's (its service was removed in place), whose rows are then forgotten so the endpoint
    /// can go too.
    func deleteZones(endpointKey: String? = nil) throws {
        let endpoints = try store.get(setup.id)?.endpoints ?? []
        let only = endpointKey.map { key in endpoints.first { $0.services[0] == key }?.id ?? "" }
        let zones = try store.database.read { try ZoneRows.zones($0, setupID: setup.id) }.filter { only == nil || $0.endpointID == only }
        for zone in zones {
            // No id recorded: CreateHostedZone may still have made it (its answer lost); ours by
            // its CallerReference, it goes too.
            let found = try zone.zoneID == nil ? zoneOnVPC(named: zone.name).flatMap { try isOurs($0, callerReference: zone.callerReference) ? $0 : nil } : nil
            guard let zoneID = zone.zoneID ?? found else { continue }
            let use = try store.database.read { try ZoneRows.zoneUse($0, zoneID: zoneID, excluding: setup.id) }
            // Found, not made; or still used: the zone and its record stay.
            guard use.createdByPrivatelinkd || found != nil, use.setups.isEmpty else { continue }
            if let endpoint = endpoints.first(where: { $0.id == zone.endpointID }),
                let target = endpoint.dnsName, let targetZone = endpoint.dnsHostedZoneID
            {
                try AWSAnswers.ignoringGone {
                    try route53.changeAliasRecord(zoneID: zoneID, action: "DELETE", name: zone.name, targetDNSName: target, targetZoneID: targetZone)
                }
            }
            try AWSAnswers.ignoringGone { try route53.deleteHostedZone(id: zoneID) }
        }
        if let only { try write { db, _ in try ZoneRows.removeZones(db, setupID: setup.id, endpointID: only) } }
    }
}
