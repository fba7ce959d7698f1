import Foundation

/// A hub's spokes over their life: asked for, removed, retried. Each writes the spoke's status move
/// and queues its job in one transaction, as the setup lifecycle does.
extension SetupStore {
    /// `POST /v1/setups/{id}/spokes`: a `pending` spoke and its `add_spoke` job. The hub must be ready
    /// (its zones exist); one live spoke per VPC.
    public func requestSpoke(hubID: String, request: SpokeRequest, zoneKeys: [String], actor: Actor) throws -> SpokeRecord {
        guard
            case let .created(spoke, _, _) = try requestSpoke(
                hubID: hubID, request: request, zoneKeys: zoneKeys, idempotency: nil, actor: actor, render: { _ in (202, []) })
        else { preconditionFailure("no key, no replay") }
        return spoke
    }

    public func requestSpoke(
        hubID: String, request: SpokeRequest, zoneKeys: [String], idempotency: IdempotencyKey?, actor: Actor,
        render: (SpokeRecord) -> (status: Int, body: [UInt8])
    ) throws -> StoredOutcome<SpokeRecord> {
        try database.write { db in
            let now = Timestamp.string(clock.now())
            if let idempotency, let previous = try replay(db, idempotency) { return .replayed(status: previous.status, body: previous.body) }
            guard let hub = try db.firstRow("SELECT \(Self.setupColumns) FROM setups WHERE id = ?", [.text(hubID)], Self.setup) else {
                throw NotFound(kind: "setup", id: hubID)
            }
            guard hub.status == .ready else {
                throw StateConflict(message: "spokes are added to a ready hub; \(hubID) is \(hub.status.rawValue)")
            }
            let live = try SpokeRows.forSetup(db, setupID: hubID).first {
                $0.status != .deleted && $0.request.vpc.vpcID == request.vpc.vpcID && $0.request.vpc.region == request.vpc.region
            }
            if let live { throw StateConflict(message: "\(request.vpc.vpcID) is already spoke \(live.id) of \(hubID) (\(live.status.rawValue))") }
            let id = try SpokeRows.insert(db, setupID: hubID, request: request, actor: actor, now: now)
            let steps = SpokePlan.add(request, hub: hub, zoneKeys: zoneKeys).map(\.step)
            try SpokeRows.enqueue(db, setupID: hubID, spokeID: id, kind: .addSpoke, steps: steps, actor: actor, now: now)
            let spoke = try SpokeRows.byID(db, id)!
            let (status, body) = render(spoke)
            if let idempotency {
                try IdempotencyKeys.record(db, idempotency, status: status, body: String(decoding: body, as: UTF8.self), setupID: hubID, now: now)
            }
            return .created(spoke, status: status, body: body)
        }
    }

    /// `DELETE …/spokes/{spoke_id}`: its open job is cancelled and a `remove_spoke` job undoes what it made.
    public func requestSpokeRemoval(_ spokeID: String, actor: Actor) throws -> SpokeRecord {
        try database.write { db in
            let now = Timestamp.string(clock.now())
            guard let spoke = try SpokeRows.byID(db, spokeID) else { throw NotFound(kind: "spoke", id: spokeID) }
            try Self.refuseSetupPeer(spoke)
            try Self.refuseWhileHubChanges(db, spoke)
            guard ![.deleting, .deleted].contains(spoke.status) else { throw StateConflict(message: "spoke \(spokeID) is already \(spoke.status.rawValue)") }
            try Self.cancelOpenSpokeJobs(db, spokeID: spokeID, actor: actor, reason: "spoke removal requested", now: now)
            try TransitionLog.moveSpoke(db, id: spokeID, to: .deleting, actor: actor.name, requestID: actor.requestID, reason: "removal requested", now: now)
            try SpokeRows.enqueue(
                db, setupID: spoke.setupID, spokeID: spokeID, kind: .removeSpoke, steps: SpokePlan.remove(transport: spoke.request.transport), actor: actor,
                now: now)
            return try SpokeRows.byID(db, spokeID)!
        }
    }

    /// `POST …/spokes/{spoke_id}/retry`: a failed spoke's last job runs again, whole (see below); a
    /// spoke left deleting without a job is removed again.
    public func requestSpokeRetry(_ spokeID: String, actor: Actor) throws -> SpokeRecord {
        try database.write { db in
            let now = Timestamp.string(clock.now())
            guard let spoke = try SpokeRows.byID(db, spokeID) else { throw NotFound(kind: "spoke", id: spokeID) }
            try Self.refuseSetupPeer(spoke)
            try Self.refuseWhileHubChanges(db, spoke)
            let jobs = try SpokeRows.jobs(db, spokeID: spokeID)
            // A spoke left deleting with no job (its hub's teardown failed) is removed again.
            if spoke.status == .deleting, !jobs.contains(where: { [.queued, .running].contains($0.state) }) {
                try SpokeRows.enqueue(
                    db, setupID: spoke.setupID, spokeID: spokeID, kind: .removeSpoke, steps: SpokePlan.remove(transport: spoke.request.transport),
                    actor: actor, now: now)
                return try SpokeRows.byID(db, spokeID)!
            }
            guard spoke.status == .failed, let job = jobs.first else {
                throw StateConflict(message: "only a failed spoke, or one left deleting without a job, can be retried; \(spokeID) is \(spoke.status.rawValue)")
            }
            if job.kind == .addSpoke,
                try db.firstRow("SELECT status FROM setups WHERE id = ?", [.text(spoke.setupID)], { $0.string(0) }) != SetupStatus.ready.rawValue
            {
                throw StateConflict(message: "the hub \(spoke.setupID) is not ready; a spoke is added to a ready hub")
            }
            // Run whole again, every step idempotent: an add planned against the hub as it is now
            // (its current zones, subnets and security groups, which a change may have moved
            // since); a removal undoing what other spokes handed it since, too.
            let rest: [Step]
            if job.kind == .removeSpoke {
                rest = SpokePlan.remove(transport: spoke.request.transport)
            } else {
                guard let hub = try Self.detail(db, id: spoke.setupID) else { throw NotFound(kind: "setup", id: spoke.setupID) }
                rest = SpokePlan.add(spoke.request, hub: hub.setup, zoneKeys: hub.endpoints.map { $0.services[0] }).map(\.step)
            }
            let to: SpokeStatus = job.kind == .removeSpoke ? .deleting : .provisioning
            try TransitionLog.moveSpoke(db, id: spokeID, to: to, actor: actor.name, requestID: actor.requestID, reason: "retry requested", now: now)
            try SpokeRows.enqueue(db, setupID: spoke.setupID, spokeID: spokeID, kind: job.kind, steps: Array(rest), actor: actor, now: now)
            return try SpokeRows.byID(db, spokeID)!
        }
    }

    public func spokes(of hubID: String) throws -> [SpokeRecord] { try database.read { try SpokeRows.forSetup($0, setupID: hubID) } }

    public func spoke(_ id: String) throws -> SpokeRecord? { try database.read { try SpokeRows.byID($0, id) } }

    /// A `vpc_peering` setup's peer lives and dies with the setup: it is not removed or retried alone.
    static func refuseSetupPeer(_ spoke: SpokeRecord) throws {
        guard spoke.setupPeer else { return }
        throw StateConflict(
            message:
                "\(spoke.id) is the peer of vpc_peering setup \(spoke.setupID): it goes with the setup (DELETE /v1/setups/\(spoke.setupID)) and is retried with it (POST /v1/setups/\(spoke.setupID)/retry)"
        )
    }

    /// A hub's change reaches every spoke: none is removed or retried while it runs.
    static func refuseWhileHubChanges(_ db: Connection, _ spoke: SpokeRecord) throws {
        let open = try db.firstRow(
            "SELECT 1 FROM jobs WHERE setup_id = ? AND kind = 'update' AND state IN (\(JobState.sqlList([.queued, .running])))", [.text(spoke.setupID)]
        ) { _ in true }
        if open == true { throw StateConflict(message: "hub \(spoke.setupID) is being changed; act on spoke \(spoke.id) once that ends") }
    }

    static func cancelOpenSpokeJobs(_ db: Connection, spokeID: String, actor: Actor, reason: String, now: String) throws {
        let open = try db.rows(
            "SELECT id FROM jobs WHERE spoke_id = ? AND state IN (\(JobState.sqlList([.queued, .running])))", [.text(spokeID)]
        ) { $0.string(0) }
        for jobID in open {
            try db.run("UPDATE jobs SET lease_owner = NULL, lease_expires_at = NULL WHERE id = ?", [.text(jobID)])
            try TransitionLog.moveJob(db, id: jobID, to: .cancelled, actor: actor.name, requestID: actor.requestID, reason: reason, now: now)
        }
    }
}
