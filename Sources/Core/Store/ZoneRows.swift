import Foundation

/// A Route53 private hosted zone of a hub (or a `vpc_peering` setup): one per endpoint.
public struct HostedZoneRecord: Sendable, Equatable {
    public let id: String
    public let setupID: String
    public let endpointID: String
    public let name: String
    public let zoneID: String?
    public let callerReference: String
    public let adopted: Bool
    public let recordUpserted: Bool
}

/// The SQL of a hub's zones, written in the caller's transaction (held under the job's lease).
/// What spokes associate with them is on the spokes' rows (`SpokeRows`).
public enum ZoneRows {
    static let columns = "id, setup_id, endpoint_id, name, zone_id, caller_reference, adopted, record_upserted"

    public static func zones(_ db: Connection, setupID: String) throws -> [HostedZoneRecord] {
        try db.rows("SELECT \(columns) FROM hosted_zones WHERE setup_id = ? ORDER BY id", [.text(setupID)]) {
            HostedZoneRecord(
                id: $0.string("id"), setupID: $0.string("setup_id"), endpointID: $0.string("endpoint_id"), name: $0.string("name"),
                zoneID: $0.optionalString("zone_id"), callerReference: $0.string("caller_reference"),
                adopted: $0.int("adopted") != 0, recordUpserted: $0.int("record_upserted") != 0)
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

    // MARK: Shared by reference

    /// A live setup: not being torn down and not deleted. Only live setups keep a shared zone alive.
    static let liveSetup = "s.status NOT IN (\(SetupStatus.sqlList([.deleting, .deleted])))"

    /// Which other live setups use a zone.
    public struct ZoneUse: Sendable {
        /// The other live setups whose rows hold this zone.
        public let setups: [String]
        /// True when privatelinkd created the zone (some row holds it as not adopted).
        public let createdByPrivatelinkd: Bool
    }

    public static func zoneUse(_ db: Connection, zoneID: String, excluding setupID: String) throws -> ZoneUse {
        let rows = try db.rows(
            """
            SELECT DISTINCT h.setup_id FROM hosted_zones h JOIN setups s ON s.id = h.setup_id
            WHERE h.zone_id = ? AND h.setup_id <> ? AND \(liveSetup) ORDER BY h.setup_id
            """, [.text(zoneID), .text(setupID)]
        ) { $0.string(0) }
        let created = try db.firstRow("SELECT 1 FROM hosted_zones WHERE zone_id = ? AND adopted = 0 LIMIT 1", [.text(zoneID)]) { _ in true } ?? false
        return ZoneUse(setups: rows, createdByPrivatelinkd: created)
    }
}
