import Foundation

/// The request does not fit the setup's state (retrying a setup that has not failed, deleting one
/// already being deleted): the API answers 409 `conflict`.
public struct StateConflict: Error, Sendable, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

extension SetupStore {
    /// `DELETE /v1/setups/{id}`: cancels open provisioning work (its worker loses the lease at its
    /// next write), moves the setup to `deleting` and queues the teardown, in one transaction.
    public func requestTeardown(_ id: String, deleteAdopted: Bool, actor: Actor) throws -> SetupDetail {
        try database.write { db in
            let now = Timestamp.string(clock.now())
            guard let status = try db.firstRow("SELECT status FROM setups WHERE id = ?", [.text(id)], { $0.string(0) }) else {
                throw NotFound(kind: "setup", id: id)
            }
            guard status != SetupStatus.deleting.rawValue && status != SetupStatus.deleted.rawValue else {
                throw StateConflict(message: "setup \(id) is already \(status)")
            }
            let open = try db.rows(
                "SELECT id FROM jobs WHERE setup_id = ? AND kind IN ('provision', 'update') AND state IN (\(JobState.sqlList([.queued, .running])))",
                [.text(id)]
            ) { $0.string(0) }
            for jobID in open {
                try db.run("UPDATE jobs SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ?", [.text(jobID)])
                try TransitionLog.moveJob(
                    db, id: jobID, to: .cancelled, actor: actor.name, requestID: actor.requestID, reason: "setup deletion requested", now: now)
            }
            try TransitionLog.moveSetup(db, id: id, to: .deleting, actor: actor.name, requestID: actor.requestID, reason: "deletion requested", now: now)
            // A hub's spokes leave first, in the hub's teardown job.
            // A spoke being removed already has its job cancelled too: the teardown does its work.
            for spoke in try SpokeRows.forSetup(db, setupID: id) where spoke.status != .deleted {
                try Self.cancelOpenSpokeJobs(db, spokeID: spoke.id, actor: actor, reason: "the hub is being deleted", now: now)
                try TransitionLog.moveSpoke(
                    db, id: spoke.id, to: .deleting, actor: actor.name, requestID: actor.requestID, reason: "the hub is being deleted", now: now)
            }
            let mode = try db.firstRow("SELECT mode FROM setups WHERE id = ?", [.text(id)]) { $0.string(0) }
            // Peering pieces depend on the endpoints (alias targets): they go first.
            let peeringSteps: [Step] =
                switch SetupMode(rawValue: mode ?? "") {
                case .vpcPeering: [.deleteZones, .deletePeering]
                case .hub: [.disassociateZones, .deleteRoutes, .deleteZones]
                default: []
                }
            try Self.enqueue(
                db, setupID: id, kind: .teardown,
                steps: peeringSteps + [.deleteEndpoints(includeAdopted: deleteAdopted), .waitDeleted], actor: actor, now: now)
            return try Self.detail(db, id: id)!
        }
    }

    /// `POST /v1/setups/{id}/retry`: a failed setup runs again from its failed step. Endpoints that
    /// AWS failed get a new ClientToken generation and are created again.
    public func requestRetry(_ id: String, actor: Actor) throws -> SetupDetail {
        try database.write { db in
            let now = Timestamp.string(clock.now())
            guard let status = try db.firstRow("SELECT status FROM setups WHERE id = ?", [.text(id)], { $0.string(0) }) else {
                throw NotFound(kind: "setup", id: id)
            }
            guard status == SetupStatus.failed.rawValue else { throw StateConflict(message: "only a failed setup can be retried; \(id) is \(status)") }
            // A hub's job reaches its spokes: not while one is being added or removed.
            if let spokeJob = try db.firstRow(
                "SELECT spoke_id FROM jobs WHERE setup_id = ? AND kind IN ('add_spoke', 'remove_spoke') AND state IN (\(JobState.sqlList([.queued, .running])))",
                [.text(id)], { $0.optionalString(0) })
            {
                throw StateConflict(message: "spoke \(spokeJob ?? "") of \(id) is being added or removed; retry the hub once that ends")
            }
            try Self.refuseAfterFailedDeletion(db, id)
            guard
                let job = try db.firstRow(
                    "SELECT \(Self.jobColumns) FROM jobs WHERE setup_id = ? AND kind IN ('provision', 'update') ORDER BY id DESC LIMIT 1",
                    [.text(id)], Self.job)
            else { throw StateConflict(message: "setup \(id) has no provisioning job") }
            var resume = job.completedSteps
            for endpoint in try Self.requestFailedEndpointsAgain(db, setupID: id, actor: actor, reason: "retry", now: now) {
                if let index = job.steps.firstIndex(of: Step.createEndpoint(endpoint.services[0]).text) { resume = min(resume, index) }
            }
            try db.run(
                """
                UPDATE jobs SET completed_steps = ?, attempts = 0, run_after = ?, last_error = NULL, current_step = NULL, step_started_at = NULL,
                    lease_owner = NULL, lease_expires_at = NULL, requested_by = ?, api_request_id = ? WHERE id = ?
                """, [.int(resume), .text(now), .text(actor.name), .optional(actor.requestID), .text(job.id)])
            try TransitionLog.moveJob(
                db, id: job.id, to: .queued, actor: actor.name, requestID: actor.requestID,
                reason: "retry from step \(resume < job.steps.count ? job.steps[resume] : "end")", now: now)
            // A failed in-place change goes on as one: the setup is `updating` again, not new.
            try TransitionLog.moveSetup(
                db, id: id, to: job.kind == .update ? .updating : .pending, actor: actor.name, requestID: actor.requestID, reason: "retry requested",
                now: now)
            return try Self.detail(db, id: id)!
        }
    }

    /// A setup whose deletion failed is deleted again (DELETE), not provisioned or changed again.
    static func refuseAfterFailedDeletion(_ db: Connection, _ id: String) throws {
        let last = try db.firstRow(
            "SELECT kind FROM jobs WHERE setup_id = ? AND kind IN ('provision', 'update', 'teardown') ORDER BY id DESC LIMIT 1", [.text(id)]
        ) { $0.string(0) }
        if last == JobKind.teardown.rawValue {
            throw StateConflict(message: "setup \(id) failed while being deleted; DELETE it again to go on with the deletion")
        }
    }

    /// Endpoints AWS failed go back to `requested` with a new ClientToken generation, to be created
    /// again (a retry, or a change that completes a failed provisioning); returns them.
    static func requestFailedEndpointsAgain(_ db: Connection, setupID: String, actor: Actor, reason: String, now: String) throws -> [EndpointRecord] {
        let failed = try db.rows(
            "SELECT \(Self.endpointColumns) FROM endpoints WHERE setup_id = ? AND state IN ('failed', 'rejected', 'expired', 'partial', 'missing')",
            [.text(setupID)], Self.endpoint)
        for endpoint in failed {
            // The failed endpoint's id is kept: the create step deletes it (AWS bills it until then).
            try db.run("UPDATE endpoints SET generation = generation + 1 WHERE id = ?", [.text(endpoint.id)])
            try TransitionLog.moveEndpoint(
                db, id: endpoint.id, to: .requested, actor: actor.name, requestID: actor.requestID,
                reason: "\(reason): \(endpoint.vpcEndpointID ?? "endpoint") will be created again", now: now)
        }
        return failed
    }

    /// `POST /v1/setups/{id}/reconcile`: for a degraded setup, recreates exactly the endpoints that
    /// are gone or failed (new ClientToken generation) and waits for them; the rest is untouched.
    /// It looks for a live endpoint for the same service first: when setups shared the one that
    /// vanished, the first repaired creates a new one and the others adopt it.
    public func requestRepair(_ id: String, actor: Actor) throws -> SetupDetail {
        try database.write { db in
            let now = Timestamp.string(clock.now())
            guard let status = try db.firstRow("SELECT status FROM setups WHERE id = ?", [.text(id)], { $0.string(0) }) else {
                throw NotFound(kind: "setup", id: id)
            }
            guard status == SetupStatus.degraded.rawValue else {
                throw StateConflict(message: "only a degraded setup can be repaired; \(id) is \(status)")
            }
            let broken = try db.rows(
                "SELECT \(Self.endpointColumns) FROM endpoints WHERE setup_id = ? AND state NOT IN (\(EndpointState.sqlList([.available, .pending, .pendingAcceptance])))",
                [.text(id)], Self.endpoint)
            guard !broken.isEmpty else { throw StateConflict(message: "setup \(id) has nothing to repair; wait for the next reconcile") }
            for endpoint in broken {
                // Deleted or missing ones have nothing left to delete; failed ones are deleted by the create step.
                let keepID = [.failed, .rejected, .expired, .partial].contains(endpoint.state)
                try db.run(
                    "UPDATE endpoints SET generation = generation + 1, vpc_endpoint_id = CASE WHEN ? THEN vpc_endpoint_id END WHERE id = ?",
                    [.int(keepID ? 1 : 0), .text(endpoint.id)])
                try TransitionLog.moveEndpoint(
                    db, id: endpoint.id, to: .requested, actor: actor.name, requestID: actor.requestID, reason: "repair: create it again", now: now)
            }
            try Self.enqueue(
                db, setupID: id, kind: .provision, steps: [.preflightExistingEndpoints] + broken.map { .createEndpoint($0.services[0]) } + [.waitAvailable],
                actor: actor, now: now)
            try TransitionLog.moveSetup(db, id: id, to: .pending, actor: actor.name, requestID: actor.requestID, reason: "repair requested", now: now)
            return try Self.detail(db, id: id)!
        }
    }

    @discardableResult
    static func enqueue(_ db: Connection, setupID: String, kind: JobKind, steps: [Step], actor: Actor, now: String) throws -> String {
        let jobID = Identifier.make(prefix: "jb_")
        try db.run(
            "INSERT INTO jobs (\(Self.jobColumns)) VALUES (?, ?, ?, 'queued', ?, NULL, 0, 0, ?, NULL, NULL, NULL, ?, ?, ?, ?)",
            [
                .text(jobID), .text(setupID), .text(kind.rawValue), StoredJSON.text(steps.texts), .text(now), .text(now), .text(now),
                .text(actor.name), .optional(actor.requestID),
            ])
        try TransitionLog.moveJob(
            db, id: jobID, to: .queued, actor: actor.name, requestID: actor.requestID, reason: kind.rawValue, created: true, now: now)
        return jobID
    }
}
