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

    /// `vpc-…@region`, as zones list the VPCs they answer in.
    public var vpcKey: String { "\(request.vpc.vpcID)@\(request.vpc.region)" }
}

/// The SQL of spokes: rows, their jobs, and what their steps made (written under the job's lease).
public enum SpokeRows {
    static let columns = """
        id, setup_id, status, request, peering_connection_id, peering_created, routes_added, associated_zones, authorized_zones,
        current_step, error_code, error_message, created_by, created_at, updated_at
        """

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
            createdAt: row.string("created_at"), updatedAt: row.string("updated_at"))
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

    static func insert(_ db: Connection, setupID: String, request: SpokeRequest, actor: Actor, now: String) throws -> String {
        let id = Identifier.make(prefix: "sp_")
        try db.run(
            """
            INSERT INTO spokes (id, setup_id, status, vpc_id, region, account_id, transport, transit_gateway_id, request,
                peering_connection_id, created_by, created_at, updated_at)
            VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .text(id), .text(setupID), .text(request.vpc.vpcID), .text(request.vpc.region), .optional(request.vpc.accountID),
                .text(request.transport.rawValue), .optional(request.transitGatewayID), .text(request.json.serializedString),
                .optional(request.vpc.peeringConnectionID), .text(actor.name), .text(now), .text(now),
            ])
        try TransitionLog.moveSpoke(db, id: id, to: .pending, actor: actor.name, requestID: actor.requestID, reason: "spoke requested", created: true, now: now)
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

    /// Other live users of a peering connection: spokes of any hub, and `vpc_peering` setups.
    /// While one uses it, the connection stays.
    public static func othersUsingPeering(_ db: Connection, _ pcx: String, excluding spokeID: String? = nil) throws -> Int {
        let spokes =
            try db.firstRow(
                "SELECT count(*) FROM spokes WHERE peering_connection_id = ? AND id IS NOT ? AND status NOT IN ('deleting', 'deleted')",
                [.text(pcx), .optional(spokeID)]
            ) { $0.int(0) } ?? 0
        let setups =
            try db.firstRow(
                "SELECT count(*) FROM setups WHERE peering_connection_id = ? AND status NOT IN ('deleting', 'deleted')", [.text(pcx)]
            ) { $0.int(0) } ?? 0
        return spokes + setups
    }
}
