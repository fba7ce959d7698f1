import Foundation
import Logging

/// Re-reads every `ready` and `degraded` setup's endpoints, one `DescribeVpcEndpoints` per
/// (account, region, role), and reports drift: an endpoint changed or deleted outside privatelinkd
/// takes AWS's state (or `missing`) and its setup becomes `degraded`; a setup whose endpoints are all
/// available again returns to `ready`. It never deletes or recreates anything by itself (that is
/// `POST /v1/setups/{id}/reconcile`), and a setup whose state did not change costs no writes.
public final class Reconciler: @unchecked Sendable {
    let database: Database
    let aws: AWSAccess
    let logger: Logger
    let clock: Clock

    public init(database: Database, aws: AWSAccess, logger: Logger, clock: Clock = .system) {
        self.database = database
        self.aws = aws
        self.logger = logger
        self.clock = clock
    }

    struct Tracked {
        let endpointID: String
        let vpcEndpointID: String
        let state: String
        let setupID: String
        let setupStatus: String
        let accountID: String?
        let region: String
        let roleARN: String?
        let externalID: String?
    }

    /// One pass; returns the setups whose status it changed.
    @discardableResult
    public func reconcileOnce() throws -> [String] {
        let tracked = try database.read { db in
            try db.rows(
                """
                SELECT e.id, e.vpc_endpoint_id, e.state, s.id, s.status, s.account_id, s.region, s.role_arn,
                       json_extract(s.request, '$.external_id')
                FROM endpoints e JOIN setups s ON s.id = e.setup_id
                WHERE s.status IN ('ready', 'degraded') AND e.vpc_endpoint_id IS NOT NULL
                ORDER BY s.region, e.id
                """, []) {
                Tracked(endpointID: $0.string(0), vpcEndpointID: $0.string(1), state: $0.string(2), setupID: $0.string(3),
                        setupStatus: $0.string(4), accountID: $0.optionalString(5), region: $0.string(6), roleARN: $0.optionalString(7),
                        externalID: $0.optionalString(8))
            }
        }
        let described = try aws.describeEndpoints(tracked, owner: {
            AWSAccess.EndpointOwner(account: $0.accountID, region: $0.region, roleARN: $0.roleARN, externalID: $0.externalID)
        }, id: \.vpcEndpointID)
        var observed: [String: EndpointState] = [:]  // endpoint row id → AWS's state now
        var reasons: [String: String] = [:]
        for row in tracked {
            if let found = described[row.vpcEndpointID], let state = found.state {
                observed[row.endpointID] = state
                reasons[row.endpointID] = "drift: AWS reports \(found.id) \(state.rawValue)" + (found.failureReason.map { " (\($0))" } ?? "")
            } else {
                observed[row.endpointID] = .missing
                reasons[row.endpointID] = "drift: \(row.vpcEndpointID) no longer exists in AWS"
            }
        }
        // Writes only where something changed.
        let changedRows = tracked.filter { (observed[$0.endpointID] ?? .missing).rawValue != $0.state }
        var changedSetups: [String] = []
        let bySetup = Dictionary(grouping: tracked, by: \.setupID)
        let needsWrite = !changedRows.isEmpty || bySetup.contains { setupID, rows in
            let healthy = rows.allSatisfy { (observed[$0.endpointID] ?? .missing) == .available }
            return (rows[0].setupStatus == SetupStatus.ready.rawValue) != healthy
        }
        guard needsWrite else { return [] }
        try database.write { db in
            let now = Timestamp.string(clock.now())
            for row in changedRows {
                try EndpointRows.updateState(db, endpointID: row.endpointID, to: observed[row.endpointID] ?? .missing, lastError: nil,
                                             actor: "reconciler", reason: reasons[row.endpointID], now: now)
            }
            for (setupID, rows) in bySetup {
                let healthy = rows.allSatisfy { (observed[$0.endpointID] ?? .missing) == .available }
                let target: SetupStatus = healthy ? .ready : .degraded
                let reason = healthy ? "every endpoint is available again"
                    : rows.filter { observed[$0.endpointID] != .available }.map { reasons[$0.endpointID] ?? "" }.joined(separator: "; ")
                if try TransitionLog.moveSetup(db, id: setupID, to: target, actor: "reconciler", reason: reason, now: now) {
                    changedSetups.append(setupID)
                }
            }
        }
        return changedSetups
    }
}

extension SetupStore {
    /// `POST /v1/setups/{id}/reconcile`: for a degraded setup, recreates exactly the endpoints that
    /// are gone or failed (new ClientToken generation) and waits for them; the rest is untouched.
    /// It looks for a live endpoint for the same service first: when setups shared the one that
    /// vanished, the first repaired creates a new one and the others adopt it.
    public func requestRepair(_ id: String, actor: String) throws -> SetupDetail {
        try database.write { db in
            let now = Timestamp.string(clock.now())
            guard let status = try db.firstRow("SELECT status FROM setups WHERE id = ?", [.text(id)], { $0.string(0) }) else {
                throw NotFound(kind: "setup", id: id)
            }
            guard status == SetupStatus.degraded.rawValue else {
                throw StateConflict(message: "only a degraded setup can be repaired; \(id) is \(status)")
            }
            let broken = try db.rows("SELECT \(Self.endpointColumns) FROM endpoints WHERE setup_id = ? AND state NOT IN ('available', 'pending', 'pendingAcceptance')",
                                     [.text(id)], Self.endpoint)
            guard !broken.isEmpty else { throw StateConflict(message: "setup \(id) has nothing to repair; wait for the next reconcile") }
            for endpoint in broken {
                // Deleted or missing ones have nothing left to delete; failed ones are deleted by the create step.
                let keepID = [.failed, .rejected, .expired, .partial].contains(endpoint.state)
                try db.run("UPDATE endpoints SET generation = generation + 1, vpc_endpoint_id = CASE WHEN ? THEN vpc_endpoint_id END WHERE id = ?",
                           [.int(keepID ? 1 : 0), .text(endpoint.id)])
                try TransitionLog.moveEndpoint(db, id: endpoint.id, to: .requested, actor: actor, reason: "repair: create it again", now: now)
            }
            try Self.enqueue(db, setupID: id, kind: .provision, steps: [.preflightExistingEndpoints] + broken.map { .createEndpoint($0.services[0]) } + [.waitAvailable],
                             actor: actor, now: now)
            try TransitionLog.moveSetup(db, id: id, to: .pending, actor: actor, reason: "repair requested", now: now)
            return try Self.detail(db, id: id)!
        }
    }
}
