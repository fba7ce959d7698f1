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
            HostedZoneRecord(id: $0.string(0), setupID: $0.string(1), endpointID: $0.string(2), name: $0.string(3), zoneID: $0.optionalString(4),
                             callerReference: $0.string(5), adopted: $0.int(6) != 0, recordUpserted: $0.int(7) != 0,
                             associatedVPCs: StoredJSON.stringArray($0.string(8)), authorizedVPCs: StoredJSON.stringArray($0.string(9)))
        }
    }

    /// The zone row for an endpoint, created (without a Route53 id yet) if missing.
    public static func zone(_ db: Connection, setupID: String, endpoint: EndpointRecord, now: String) throws -> HostedZoneRecord {
        if let found = try zones(db, setupID: setupID).first(where: { $0.endpointID == endpoint.id }) { return found }
        try db.run(
            "INSERT INTO hosted_zones (id, setup_id, endpoint_id, name, caller_reference, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [.text(Identifier.make(prefix: "hz_")), .text(setupID), .text(endpoint.id), .text(endpoint.privateDNSName),
             .text("\(setupID).\(endpoint.services[0]).g\(endpoint.generation)"), .text(now), .text(now)])
        return try zones(db, setupID: setupID).first { $0.endpointID == endpoint.id }!
    }

    public static func setZone(_ db: Connection, rowID: String, zoneID: String, adopted: Bool, now: String) throws {
        try db.run("UPDATE hosted_zones SET zone_id = ?, adopted = ?, updated_at = ? WHERE id = ?",
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
}
