import Foundation

/// The provisioning workers' side of spokes: an `add_spoke` or `remove_spoke` job runs its steps
/// with `SpokeSteps` and ends by moving the spoke, never the hub.
extension Provisioner {
    /// Every spoke of a hub (for its teardown), or the one a spoke job is about.
    func spokeSteps(hub: SetupRecord, job: JobRecord, owner: String, only spokeID: String? = nil) throws -> [SpokeSteps] {
        let request = try store.storedRequest(hub.id)
        return try store.spokes(of: hub.id).filter { spokeID == nil || $0.id == spokeID }.map { spoke in
            SpokeSteps(hub: hub, request: request, spoke: spoke, job: job, owner: owner, queue: queue, store: store, aws: aws)
        }
    }

    /// A hub's teardown steps `disassociate_zones` and `delete_routes` (a `vpc_peering` setup's
    /// `delete_zones` and `delete_peering` for its peer): every spoke leaves (its associations, then
    /// its routes and peering), and is then deleted.
    func removeSpokes(of steps: EndpointSteps, step: Step) throws {
        for spoke in try spokeSteps(hub: steps.setup, job: steps.job, owner: steps.owner) where spoke.spoke.status != .deleted {
            guard step == .deleteRoutes else {
                try spoke.disassociateZones()
                continue
            }
            try spoke.deleteRoutes()
            try spoke.deletePeering()
            _ = try queue.whileHeld(steps.job.id, owner: steps.owner) { db, now in
                try TransitionLog.moveSpoke(db, id: spoke.spoke.id, to: .deleted, actor: steps.owner, reason: "its setup is deleted", now: now)
            }
        }
    }

    func runSpoke(_ job: JobRecord, owner: String) {
        do {
            guard let hub = try store.get(job.setupID)?.setup,
                let spokeID = try store.database.read({ try $0.firstRow("SELECT spoke_id FROM jobs WHERE id = ?", [.text(job.id)]) { $0.optionalString(0) } })
                    ?? nil,
                let steps = try spokeSteps(hub: hub, job: job, owner: owner, only: spokeID).first
            else {
                // Nothing to work on: the job ends rather than being claimed again and again.
                try queue.finish(
                    job, owner: owner, state: .failed, setupStatus: nil, reason: "the spoke or its hub is gone",
                    error: ("spoke_missing", "the spoke or its hub is gone"))
                return
            }
            if job.kind == .addSpoke {
                _ = try queue.whileHeld(job.id, owner: owner) { db, now in
                    try TransitionLog.moveSpoke(db, id: spokeID, to: .provisioning, actor: owner, reason: "adding the spoke", now: now)
                }
            }
            for (index, name) in job.steps.enumerated() where index >= job.completedSteps {
                guard let step = Step(text: name) else {
                    throw StepFailure("step_unknown", "step \(Echo.text(name)) is not known to this version of privatelinkd")
                }
                try queue.beginStep(job, owner: owner, step: name)
                _ = try queue.whileHeld(job.id, owner: owner) { db, now in try SpokeRows.setStep(db, spokeID: spokeID, step: name, now: now) }
                try runSpokeStep(step, steps)
                try queue.completeStep(job, owner: owner, completed: index + 1)
            }
            let done: SpokeStatus = job.kind == .addSpoke ? .ready : .deleted
            try queue.finish(
                job, owner: owner, state: .succeeded, setupStatus: nil,
                reason: job.kind == .addSpoke ? "the spoke reaches the hub and answers from its zones" : "what the spoke made is undone"
            ) { db, now in
                try SpokeRows.setStep(db, spokeID: spokeID, step: nil, now: now)
                try TransitionLog.moveSpoke(db, id: spokeID, to: done, actor: owner, reason: job.kind.rawValue + " done", now: now)
            }
        } catch {
            switch FailurePolicy.decide(error, attempts: job.attempts, maxAttempts: configuration.maxJobAttempts) {
            case .abandon:
                logger.notice("lease lost; another worker has the job", metadata: ["job": "\(job.id)"])
            case let .fail(code, message):
                try? queue.finish(job, owner: owner, state: .failed, setupStatus: nil, reason: message, error: (code, message)) { db, now in
                    // A spoke the hub's teardown has already removed stays deleted.
                    if let spokeID = try db.firstRow("SELECT spoke_id FROM jobs WHERE id = ?", [.text(job.id)], { $0.optionalString(0) }) ?? nil,
                        try SpokeRows.byID(db, spokeID)?.status != .deleted
                    {
                        try TransitionLog.moveSpoke(db, id: spokeID, to: .failed, actor: owner, reason: message, error: (code, message), now: now)
                    }
                }
            case let .retry(delay, error):
                try? queue.park(job, owner: owner, until: clock.now().addingTimeInterval(delay), reason: "retry in \(Int(delay))s", error: error)
            }
        }
    }

    /// One step of a spoke job; steps of other jobs are not a spoke's.
    func runSpokeStep(_ step: Step, _ spoke: SpokeSteps) throws {
        switch step {
        case .preflightPeerVPC: try spoke.preflight()
        case .checkPeering: try spoke.checkPeering()
        case .createPeering: try spoke.createPeering()
        case .acceptPeering: try spoke.acceptPeering()
        case .checkRoutes: try spoke.routes()
        case let .authorizeAssociation(key): try spoke.authorizeAssociation(key)
        case let .associateZone(key): try spoke.associateZone(key)
        case .disassociateZones: try spoke.disassociateZones()
        case .deleteRoutes: try spoke.deleteRoutes()
        case .deletePeering: try spoke.deletePeering()
        default: throw StepFailure("step_not_available", "\(step.text) is not a spoke's step")
        }
    }
}
