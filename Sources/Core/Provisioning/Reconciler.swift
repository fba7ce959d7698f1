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

    /// One pass; returns the setups whose status it changed.
    @discardableResult
    public func reconcileOnce() throws -> [String] {
        let tracked = try database.read { try EndpointRows.tracked($0) }
        let described = try aws.describeEndpoints(
            tracked,
            owner: {
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
        let changedRows = tracked.filter { (observed[$0.endpointID] ?? .missing) != $0.state }
        var changedSetups: [String] = []
        let bySetup = Dictionary(grouping: tracked, by: \.setupID)
        let needsWrite =
            !changedRows.isEmpty
            || bySetup.contains { setupID, rows in
                let healthy = rows.allSatisfy { (observed[$0.endpointID] ?? .missing) == .available }
                return (rows[0].setupStatus == .ready) != healthy
            }
        guard needsWrite else { return [] }
        try database.write { db in
            let now = Timestamp.string(clock.now())
            for row in changedRows {
                try EndpointRows.updateState(
                    db, endpointID: row.endpointID, to: observed[row.endpointID] ?? .missing, lastError: nil,
                    actor: "reconciler", reason: reasons[row.endpointID], now: now)
            }
            for (setupID, rows) in bySetup {
                let healthy = rows.allSatisfy { (observed[$0.endpointID] ?? .missing) == .available }
                let target: SetupStatus = healthy ? .ready : .degraded
                let reason =
                    healthy
                    ? "every endpoint is available again"
                    : rows.filter { observed[$0.endpointID] != .available }.map { reasons[$0.endpointID] ?? "" }.joined(separator: "; ")
                if try TransitionLog.moveSetup(db, id: setupID, to: target, actor: "reconciler", reason: reason, now: now) {
                    changedSetups.append(setupID)
                }
            }
        }
        return changedSetups
    }
}
