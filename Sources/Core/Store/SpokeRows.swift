import Foundation

/// A hub's spoke as stored.
public struct SpokeRecord: Sendable, Equatable {
    public let id: String
    public let setupID: String
    public let status: SpokeStatus
    public let request: SpokeRequest
    public let peeringConnectionID: String?
    public let peeringCreated: Bool
    /// "rtb-…:cidr" routes this spoke added, in either VPC.
    public let routesAdded: [String]
    /// Route53 zone ids this spoke's VPC was associated with, and authorized on, by its job.
    public let associatedZones: [String]
    public let authorizedZones: [String]
    public let currentStep: String?
    public let errorCode: String?
    public let errorMessage: String?
    public let createdBy: String?
    public let createdAt: String
    public let updatedAt: String
    /// The peer of a `vpc_peering` setup: made in the setup's request, run by the setup's own jobs,
    /// and gone with the setup.
    public let setupPeer: Bool

    /// `vpc-…@region`, as zones list the VPCs they answer in.
    public var vpcKey: String { "\(request.vpc.vpcID)@\(request.vpc.region)" }
}

/// The SQL of spokes: rows, their jobs, and what their steps made (written under the job's lease).
public enum SpokeRows {
    static let columns = """
        id, setup_id, status, request, peering_connection_id, peering_created, routes_added, associated_zones, authorized_zones,
        current_step, error_code, error_message, created_by, created_at, updated_at, setup_peer
        """

    /// `columns` read through the alias `sp` (a join names them by the column alone).
    static let heirColumns = columns.split(separator: ",").map { "sp." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", ")

    static func decode(_ row: Row) throws -> SpokeRecord {
        guard let request = SpokeRequest(stored: StoredJSON.value(row.string("request"))) else {
            throw StoredValueError(column: "spokes.request", value: row.string("id"))
        }
        return SpokeRecord(
            id: row.string("id"), setupID: row.string("setup_id"), status: try StoredValueError.decode(SpokeStatus.self, row.string("status")),
            request: request, peeringConnectionID: row.optionalString("peering_connection_id"), peeringCreated: row.int("peering_created") != 0,
            routesAdded: StoredJSON.stringArray(row.string("routes_added")), associatedZones: StoredJSON.stringArray(row.string("associated_zones")),
            authorizedZones: StoredJSON.stringArray(row.string("authorized_zones")), currentStep: row.optionalString("current_step"),
            errorCode: row.optionalString("error_code"), errorMessage: row.optionalString("error_message"), createdBy: row.optionalString("created_by"),
            createdAt: row.string("created_at"), updatedAt: row.string("updated_at"), setupPeer: row.int("setup_peer") != 0)
    }

    public static func byID(_ db: Connection, _ id: String) throws -> SpokeRecord? {
        try db.firstRow("SELECT \(columns) FROM spokes WHERE id = ?", [.text(id)], decode)
    }

    public static func forSetup(_ db: Connection, setupID: String) throws -> [SpokeRecord] {
        try db.rows("SELECT \(columns) FROM spokes WHERE setup_id = ? ORDER BY id", [.text(setupID)], decode)
    }

    /// The spoke's jobs, newest first.
    public static func jobs(_ db: Connection, spokeID: String) throws -> [JobRecord] {
        try db.rows("SELECT \(SetupStore.jobColumns) FROM jobs WHERE spoke_id = ? ORDER BY id DESC", [.text(spokeID)], SetupStore.job)
    }

    /// A `pending` spoke row with its first transition. `setupPeer`: a `vpc_peering` setup's peer,
    /// whose id is the setup's ULID with the spoke prefix.
    static func insert(_ db: Connection, setupID: String, request: SpokeRequest, actor: Actor, setupPeer: Bool = false, now: String) throws -> String {
        let id = setupPeer ? "sp_" + setupID.dropFirst(3) : Identifier.make(prefix: "sp_")
        try db.run(
            """
            INSERT INTO spokes (id, setup_id, status, vpc_id, region, account_id, transport, transit_gateway_id, request,
                peering_connection_id, created_by, created_at, updated_at, setup_peer)
            VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(id), .text(setupID), .text(request.vpc.vpcID), .text(request.vpc.region), .optional(request.vpc.accountID),
                .text(request.transport.rawValue), .optional(request.transitGatewayID), .text(request.json.serializedString),
                .optional(request.vpc.peeringConnectionID), .text(actor.name), .text(now), .text(now), .int(setupPeer ? 1 : 0),
            ])
        try TransitionLog.moveSpoke(
            db, id: id, to: .pending, actor: actor.name, requestID: actor.requestID, reason: setupPeer ? "the setup's peer" : "spoke requested",
            created: true, now: now)
        return id
    }

    /// Queues a spoke's job (its `spoke_id` set), as `SetupStore.enqueue` queues a setup's.
    @discardableResult
    static func enqueue(_ db: Connection, setupID: String, spokeID: String, kind: JobKind, steps: [Step], actor: Actor, now: String) throws -> String {
        let jobID = try SetupStore.enqueue(db, setupID: setupID, kind: kind, steps: steps, actor: actor, now: now)
        try db.run("UPDATE jobs SET spoke_id = ? WHERE id = ?", [.text(spokeID), .text(jobID)])
        return jobID
    }

    public static func setStep(_ db: Connection, spokeID: String, step: String?, now: String) throws {
        try db.run("UPDATE spokes SET current_step = ?, updated_at = ? WHERE id = ?", [.optional(step), .text(now), .text(spokeID)])
    }

    public static func setPeering(_ db: Connection, spokeID: String, id: String, created: Bool, now: String) throws {
        try db.run(
            "UPDATE spokes SET peering_connection_id = ?, peering_created = ?, updated_at = ? WHERE id = ?",
            [.text(id), .int(created ? 1 : 0), .text(now), .text(spokeID)])
    }

    /// Adds `value` to one of the spoke's JSON list columns (routes_added, associated_zones, authorized_zones).
    public static func add(_ db: Connection, spokeID: String, to column: String, _ value: String, now: String) throws {
        try change(db, spokeID: spokeID, column: column, now: now) { $0.contains(value) ? $0 : $0 + [value] }
    }

    public static func remove(_ db: Connection, spokeID: String, from column: String, _ value: String, now: String) throws {
        try change(db, spokeID: spokeID, column: column, now: now) { $0.filter { $0 != value } }
    }

    private static func change(_ db: Connection, spokeID: String, column: String, now: String, _ body: ([String]) -> [String]) throws {
        precondition(["routes_added", "associated_zones", "authorized_zones"].contains(column))
        let current = try db.firstRow("SELECT \(column) FROM spokes WHERE id = ?", [.text(spokeID)]) { StoredJSON.stringArray($0.string(0)) } ?? []
        let changed = body(current)
        guard changed != current else { return }
        try db.run("UPDATE spokes SET \(column) = ?, updated_at = ? WHERE id = ?", [StoredJSON.text(changed), .text(now), .text(spokeID)])
    }

    /// The setup's peer spoke (`vpc_peering`), if it has one.
    public static func setupPeer(_ db: Connection, setupID: String) throws -> SpokeRecord? {
        try db.firstRow("SELECT \(columns) FROM spokes WHERE setup_id = ? AND setup_peer = 1", [.text(setupID)], decode)
    }

    /// Keeps a `vpc_peering` setup's peer spoke in step with a change of its `peer` (route tables).
    static func updateSetupPeerRequest(_ db: Connection, setupID: String, request: SpokeRequest, now: String) throws {
        try db.run(
            "UPDATE spokes SET request = ?, updated_at = ? WHERE setup_id = ? AND setup_peer = 1 AND status <> 'deleted'",
            [.text(request.json.serializedString), .text(now), .text(setupID)])
    }

    /// A spoke that still uses what it has (SQL over `spokes` aliased `sp`): on its way in or
    /// there, or failed while being added. One being removed, or whose removal failed, is not.
    static let inUse = """
        (sp.status IN ('pending', 'provisioning', 'ready')
            OR (sp.status = 'failed' AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.spoke_id = sp.id AND j.kind = 'remove_spoke')))
        """

    /// Other users of a peering connection (spokes of any hub, setups' peers included). While one
    /// uses it, the connection stays.
    public static func othersUsingPeering(_ db: Connection, _ pcx: String, excluding spokeID: String? = nil) throws -> Int {
        try db.firstRow(
            "SELECT count(*) FROM spokes sp WHERE sp.peering_connection_id = ? AND sp.id IS NOT ? AND \(inUse)", [.text(pcx), .optional(spokeID)]
        ) { $0.int(0) } ?? 0
    }

    /// A spoke leaving hands what other spokes between the same two VPCs rely on to them, each
    /// thing to a spoke that needs it: the routes, and a peering connection it created, to one
    /// that goes through the same peering or Transit Gateway; each association to one whose hub
    /// has that zone. The last spoke to leave removes them, whoever made them. `zones`: only those
    /// associations pass (the spoke stays; its hub drops those zones).
    static func handOver(_ db: Connection, from spoke: SpokeRecord, zones: Set<String>? = nil, now: String) throws {
        let others = try db.rows(
            """
            SELECT \(heirColumns) FROM spokes sp JOIN setups s ON s.id = sp.setup_id
            JOIN setups mine ON mine.id = ? AND mine.vpc_id = s.vpc_id AND mine.region = s.region
            WHERE sp.id <> ? AND sp.vpc_id = ? AND sp.region = ? AND \(inUse) ORDER BY sp.id
            """, [.text(spoke.setupID), .text(spoke.id), .text(spoke.request.vpc.vpcID), .text(spoke.request.vpc.region)], decode)
        let sameTarget = others.first { other in
            other.request.transport == spoke.request.transport
                && (spoke.request.transport == .transitGateway
                    ? other.request.transitGatewayID == spoke.request.transitGatewayID
                    : other.peeringConnectionID != nil && other.peeringConnectionID == spoke.peeringConnectionID)
        }
        if let heir = sameTarget, zones == nil {
            for route in spoke.routesAdded {
                try add(db, spokeID: heir.id, to: "routes_added", route, now: now)
                try remove(db, spokeID: spoke.id, from: "routes_added", route, now: now)
            }
            if spoke.peeringCreated, let pcx = spoke.peeringConnectionID {
                try db.run("UPDATE spokes SET peering_created = 1, updated_at = ? WHERE id = ?", [.text(now), .text(heir.id)])
                try db.run(
                    "UPDATE spokes SET peering_created = 0, updated_at = ? WHERE id = ? AND peering_connection_id = ?",
                    [.text(now), .text(spoke.id), .text(pcx)])
            }
        }
        for zoneID in spoke.associatedZones where zones?.contains(zoneID) ?? true {
            let heir = try others.first { other in
                try db.firstRow("SELECT 1 FROM hosted_zones WHERE setup_id = ? AND zone_id = ?", [.text(other.setupID), .text(zoneID)]) { _ in true }
                    ?? false
            }
            guard let heir else { continue }
            try add(db, spokeID: heir.id, to: "associated_zones", zoneID, now: now)
            try remove(db, spokeID: spoke.id, from: "associated_zones", zoneID, now: now)
        }
    }
}
