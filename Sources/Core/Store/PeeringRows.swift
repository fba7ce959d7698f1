import Foundation

/// A Route53 private hosted zone of a `vpc_peering` setup.
public struct HostedZoneRecord: Sendable, Equatable {
    public let id: String
    public let setupID: String
    public let endpointID: String
    public let name: String
    public let zoneID: String?
    public let callerReference: String
    public let adopted: Bool
    public let recordUpserted: Bool
    public let associatedVPCs: [String]
    public let authorizedVPCs: [String]
}

/// The SQL of the peering steps: zones and the peering connection, written in the caller's
/// transaction (held under the job's lease).
public enum PeeringRows {
    static let columns = "id, setup_id, endpoint_id, name, zone_id, caller_reference, adopted, record_upserted, associated_vpcs, authorized_vpcs"

    public static func zones(_ db: Connection, setupID: String) throws -> [HostedZoneRecord] {
        try db.rows("SELECT \(columns) FROM hosted_zones WHERE setup_id = ? ORDER BY id", [.text(setupID)]) {
            HostedZoneRecord(
                id: $0.string("id"), setupID: $0.string("setup_id"), endpointID: $0.string("endpoint_id"), name: $0.string("name"),
                zoneID: $0.optionalString("zone_id"), callerReference: $0.string("caller_reference"),
                adopted: $0.int("adopted") != 0, recordUpserted: $0.int("record_upserted") != 0,
                associatedVPCs: StoredJSON.stringArray($0.string("associated_vpcs")),
                authorizedVPCs: StoredJSON.stringArray($0.string("authorized_vpcs")))
        }
    }

    /// The zone row for an endpoint, created (without a Route53 id yet) if missing.
    public static func zone(_ db: Connection, setupID: String, endpoint: EndpointRecord, now: String) throws -> HostedZoneRecord {
        if let found = try zones(db, setupID: setupID).first(where: { $0.endpointID == endpoint.id }) { return found }
        try db.run(
            "INSERT INTO hosted_zones (id, setup_id, endpoint_id, name, caller_reference, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                .text(Identifier.make(prefix: "hz_")), .text(setupID), .text(endpoint.id), .text(endpoint.privateDNSName),
                .text("\(setupID).\(endpoint.services[0]).g\(endpoint.generation)"), .text(now), .text(now),
            ])
        return try zones(db, setupID: setupID).first { $0.endpointID == endpoint.id }!
    }

    /// Forgets this setup's zone rows for one endpoint (an in-place change removed its service).
    public static func removeZones(_ db: Connection, setupID: String, endpointID: String) throws {
        try db.run("DELETE FROM hosted_zones WHERE setup_id = ? AND endpoint_id = ?", [.text(setupID), .text(endpointID)])
    }

    public static func setZone(_ db: Connection, rowID: String, zoneID: String, adopted: Bool, now: String) throws {
        try db.run(
            "UPDATE hosted_zones SET zone_id = ?, adopted = ?, updated_at = ? WHERE id = ?",
            [.text(zoneID), .int(adopted ? 1 : 0), .text(now), .text(rowID)])
    }

    public static func markRecord(_ db: Connection, rowID: String, now: String) throws {
        try db.run("UPDATE hosted_zones SET record_upserted = 1, updated_at = ? WHERE id = ?", [.text(now), .text(rowID)])
    }

    public static func addVPC(_ db: Connection, rowID: String, column: String, vpc: String, now: String) throws {
        precondition(column == "associated_vpcs" || column == "authorized_vpcs")
        let current = try db.firstRow("SELECT \(column) FROM hosted_zones WHERE id = ?", [.text(rowID)]) { StoredJSON.stringArray($0.string(0)) } ?? []
        guard !current.contains(vpc) else { return }
        try db.run("UPDATE hosted_zones SET \(column) = ?, updated_at = ? WHERE id = ?", [StoredJSON.text(current + [vpc]), .text(now), .text(rowID)])
    }

    public static func peering(_ db: Connection, setupID: String) throws -> (id: String?, created: Bool, routes: [String]) {
        try db.firstRow("SELECT peering_connection_id, peering_created, routes_added FROM setups WHERE id = ?", [.text(setupID)]) {
            ($0.optionalString(0), $0.int(1) != 0, $0.optionalString(2).map(StoredJSON.stringArray) ?? [])
        } ?? (nil, false, [])
    }

    public static func setPeering(_ db: Connection, setupID: String, id: String, created: Bool) throws {
        try db.run("UPDATE setups SET peering_connection_id = ?, peering_created = ? WHERE id = ?", [.text(id), .int(created ? 1 : 0), .text(setupID)])
    }

    public static func addRoute(_ db: Connection, setupID: String, route: String) throws {
        let current = try peering(db, setupID: setupID).routes
        guard !current.contains(route) else { return }
        try db.run("UPDATE setups SET routes_added = ? WHERE id = ?", [StoredJSON.text(current + [route]), .text(setupID)])
    }

    // MARK: Shared by reference

    /// A live setup: not being torn down and not deleted. Only live setups keep a shared zone or
    /// peering connection alive.
    static let liveSetup = "s.status NOT IN (\(SetupStatus.sqlList([.deleting, .deleted])))"

    /// How the other live setups that use a zone refer to it.
    public struct ZoneUse: Sendable {
        /// The other live setups whose rows hold this zone.
        public let setups: [String]
        /// The `vpc-…@region` those rows associated with it (not to be disassociated).
        public let associatedVPCs: Set<String>
        /// True when privatelinkd created the zone (some row holds it as not adopted).
        public let createdByPrivatelinkd: Bool
    }

    public static func zoneUse(_ db: Connection, zoneID: String, excluding setupID: String) throws -> ZoneUse {
        let rows = try db.rows(
            """
            SELECT h.setup_id, h.associated_vpcs FROM hosted_zones h JOIN setups s ON s.id = h.setup_id
            WHERE h.zone_id = ? AND h.setup_id <> ? AND \(liveSetup) ORDER BY h.setup_id
            """, [.text(zoneID), .text(setupID)]
        ) { ($0.string(0), StoredJSON.stringArray($0.string(1))) }
        let created = try db.firstRow("SELECT 1 FROM hosted_zones WHERE zone_id = ? AND adopted = 0 LIMIT 1", [.text(zoneID)]) { _ in true } ?? false
        return ZoneUse(setups: Array(Set(rows.map(\.0))).sorted(), associatedVPCs: Set(rows.flatMap(\.1)), createdByPrivatelinkd: created)
    }

    /// How other setups refer to a peering connection.
    public struct PeeringUse: Sendable {
        /// The other live setups that use it.
        public let setups: [String]
        /// True when a privatelinkd setup created it.
        public let createdByPrivatelinkd: Bool
        /// Every route any setup added through it ("rtb-…:cidr").
        public let routes: [String]
    }

    public static func peeringUse(_ db: Connection, peeringConnectionID: String, excluding setupID: String) throws -> PeeringUse {
        let rows = try db.rows(
            "SELECT s.id, s.status, s.peering_created, s.routes_added FROM setups s WHERE s.peering_connection_id = ? ORDER BY s.id",
            [.text(peeringConnectionID)]
        ) { ($0.string(0), $0.string(1), $0.int(2) != 0, $0.optionalString(3).map(StoredJSON.stringArray) ?? []) }
        let live = rows.filter { $0.0 != setupID && $0.1 != SetupStatus.deleting.rawValue && $0.1 != SetupStatus.deleted.rawValue }
        var routes: [String] = []
        for route in rows.flatMap(\.3) where !routes.contains(route) { routes.append(route) }
        return PeeringUse(setups: live.map(\.0), createdByPrivatelinkd: rows.contains { $0.2 }, routes: routes)
    }
}
