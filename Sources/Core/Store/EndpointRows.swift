import Foundation

/// Endpoint row changes made by the workers, inside the caller's transaction (so the change and
/// its transition row commit together, and only while the worker holds the job's lease).
public enum EndpointRows {
    /// Persists the ClientToken before the create call, so a retry after a crash reuses it.
    public static func setClientToken(_ db: Connection, endpointID: String, token: String, now: String) throws {
        try db.run("UPDATE endpoints SET client_token = ?, updated_at = ? WHERE id = ?", [.text(token), .text(now), .text(endpointID)])
    }

    /// Records the AWS endpoint that now serves this row (created, found by tag, or adopted).
    /// `createdBy` is the setup whose job created it, nil when it existed before privatelinkd.
    public static func recordAWSEndpoint(
        _ db: Connection, row: EndpointRecord, endpoint: VpcEndpoint, adopted: Bool,
        createdBy: String?, actor: String, reason: String, now: String
    ) throws {
        let state = endpoint.state ?? .pending
        try db.run(
            """
            UPDATE endpoints SET vpc_endpoint_id = ?, dns_name = ?, dns_hosted_zone_id = ?, network_interface_ids = ?,
                adopted = ?, created_by = ?, last_error = ?, updated_at = ? WHERE id = ?
            """,
            [
                .text(endpoint.id), .optional(endpoint.dnsNames.first), .optional(endpoint.dnsHostedZoneID),
                StoredJSON.text(endpoint.networkInterfaceIDs), .int(adopted ? 1 : 0), .optional(createdBy),
                .optional(endpoint.failureReason), .text(now), .text(row.id),
            ])
        try TransitionLog.moveEndpoint(db, id: row.id, to: state, actor: actor, reason: reason, note: true, now: now)
    }

    /// The other live setups whose rows use this AWS endpoint (so a teardown must leave it). A setup
    /// being torn down or deleted does not count, nor a row whose endpoint is already gone.
    public static func otherUsers(_ db: Connection, vpcEndpointID: String, excluding setupID: String) throws -> [String] {
        try db.rows(
            """
            SELECT DISTINCT e.setup_id FROM endpoints e JOIN setups s ON s.id = e.setup_id
            WHERE e.vpc_endpoint_id = ? AND e.setup_id <> ?
              AND s.status NOT IN (\(SetupStatus.sqlList([.deleting, .deleted]))) AND e.state NOT IN (\(EndpointState.sqlList([.deleted, .missing])))
            ORDER BY e.setup_id
            """, [.text(vpcEndpointID), .text(setupID)]
        ) { $0.string(0) }
    }

    /// The setup whose teardown is deleting this AWS endpoint, if one is: it must not be adopted.
    public static func beingDeletedBy(_ db: Connection, vpcEndpointID: String) throws -> String? {
        try db.firstRow(
            """
            SELECT e.setup_id FROM endpoints e JOIN setups s ON s.id = e.setup_id
            WHERE e.vpc_endpoint_id = ? AND e.state = \(EndpointState.sqlList([.deleting])) AND s.status IN (\(SetupStatus.sqlList([.deleting, .deleted])))
            ORDER BY e.setup_id LIMIT 1
            """, [.text(vpcEndpointID)]
        ) { $0.string(0) }
    }

    /// True when any setup's row refers to this AWS endpoint (it is accounted for, not a stray).
    public static func isRecorded(_ db: Connection, vpcEndpointID: String) throws -> Bool {
        try db.firstRow("SELECT 1 FROM endpoints WHERE vpc_endpoint_id = ? LIMIT 1", [.text(vpcEndpointID)]) { _ in true } ?? false
    }

    /// Notes on the endpoint's history that this setup let go of it without changing its state
    /// (another setup still uses it, or it existed before privatelinkd).
    public static func recordKept(_ db: Connection, row: EndpointRecord, actor: String, reason: String, now: String) throws {
        try TransitionLog.moveEndpoint(db, id: row.id, to: nil, actor: actor, reason: reason, note: true, now: now)
    }

    /// Takes an endpoint out of its setup (an in-place change removed its service). Its history
    /// stays in `transitions`; the caller has recorded why first.
    public static func remove(_ db: Connection, endpointID: String) throws {
        try db.run("DELETE FROM endpoints WHERE id = ?", [.text(endpointID)])
    }

    /// Moves an endpoint to AWS's latest state; no write when nothing changed.
    @discardableResult
    public static func updateState(
        _ db: Connection, endpointID: String, to state: EndpointState, lastError: String?,
        dnsName: String? = nil, networkInterfaceIDs: [String]? = nil,
        actor: String, reason: String?, now: String
    ) throws -> Bool {
        guard try TransitionLog.moveEndpoint(db, id: endpointID, to: state, actor: actor, reason: reason ?? lastError, now: now) else { return false }
        try db.run(
            """
            UPDATE endpoints SET last_error = coalesce(?, last_error), dns_name = coalesce(?, dns_name),
                network_interface_ids = coalesce(?, network_interface_ids) WHERE id = ?
            """,
            [.optional(lastError), .optional(dnsName), networkInterfaceIDs.map { StoredJSON.text($0) } ?? .null, .text(endpointID)])
        return true
    }

    /// An endpoint of a `ready` or `degraded` setup, for the reconciler's drift check.
    public struct Tracked: Sendable {
        public let endpointID: String
        public let vpcEndpointID: String
        public let state: EndpointState
        public let setupID: String
        public let setupStatus: SetupStatus
        public let accountID: String?
        public let region: String
        public let roleARN: String?
        public let externalID: String?
    }

    public static func tracked(_ db: Connection) throws -> [Tracked] {
        try db.rows(
            """
            SELECT e.id, e.vpc_endpoint_id, e.state, s.id, s.status, s.account_id, s.region, s.role_arn,
                   json_extract(s.request, '$.external_id')
            FROM endpoints e JOIN setups s ON s.id = e.setup_id
            WHERE s.status IN (\(SetupStatus.sqlList([.ready, .degraded]))) AND e.vpc_endpoint_id IS NOT NULL
            ORDER BY s.region, e.id
            """, []
        ) {
            Tracked(
                endpointID: $0.string(0), vpcEndpointID: $0.string(1), state: try StoredValueError.decode(EndpointState.self, $0.string(2)),
                setupID: $0.string(3), setupStatus: try StoredValueError.decode(SetupStatus.self, $0.string(4)),
                accountID: $0.optionalString(5), region: $0.string(6), roleARN: $0.optionalString(7), externalID: $0.optionalString(8))
        }
    }

    /// An endpoint's state now.
    public static func state(_ db: Connection, endpointID: String) throws -> EndpointState? {
        try db.firstRow("SELECT state FROM endpoints WHERE id = ?", [.text(endpointID)]) { try StoredValueError.decode(EndpointState.self, $0.string(0)) }
    }

    /// How many of a setup's endpoints AWS is still working on, and how many ended badly.
    public static func settlement(_ db: Connection, setupID: String) throws -> (waiting: Int, failed: Int) {
        try db.firstRow(
            """
            SELECT coalesce(sum(state IN (\(EndpointState.sqlList([.pending, .pendingAcceptance, .deleting])))), 0),
                   coalesce(sum(state IN (\(EndpointState.sqlList([.failed, .rejected, .expired, .partial, .missing])))), 0)
            FROM endpoints WHERE setup_id = ?
            """, [.text(setupID)]
        ) { ($0.int(0), $0.int(1)) } ?? (0, 0)
    }

    /// An endpoint AWS is still working on, for the poller's batched describe.
    public struct Waiting: Sendable {
        public let endpointID: String
        public let vpcEndpointID: String
        public let setupID: String
        public let accountID: String?
        public let region: String
        public let roleARN: String?
        public let externalID: String?
    }

    public static func waiting(_ db: Connection) throws -> [Waiting] {
        try db.rows(
            """
            SELECT e.id, e.vpc_endpoint_id, e.setup_id, s.account_id, s.region, s.role_arn, json_extract(s.request, '$.external_id')
            FROM endpoints e JOIN setups s ON s.id = e.setup_id
            WHERE e.state IN ('pending', 'pendingAcceptance', 'deleting') AND e.vpc_endpoint_id IS NOT NULL
            ORDER BY s.region, e.id
            """, []
        ) {
            Waiting(
                endpointID: $0.string(0), vpcEndpointID: $0.string(1), setupID: $0.string(2), accountID: $0.optionalString(3),
                region: $0.string(4), roleARN: $0.optionalString(5), externalID: $0.optionalString(6))
        }
    }
}
