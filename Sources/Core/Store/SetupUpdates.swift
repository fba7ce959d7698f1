/// The setup changed since the caller read it (`If-Match` no longer holds): 412.
public struct PreconditionFailed: Error, Sendable {
    public let currentRevision: Int
}

extension SetupStore {
    /// `PATCH /v1/setups/{id}`, in one transaction: the revision the caller read must still be the
    /// setup's, no job may be changing it, then the setup takes the changed request, new endpoints
    /// get their rows and, when AWS has work to do, an `update` job is queued and the setup moves to
    /// `updating`. Returns the setup as it is now.
    public func requestUpdate(
        _ id: String, revision expected: Int, request: SetupRequest, change: SetupChange, actor: Actor
    ) throws -> SetupDetail {
        try database.write { db in
            let now = Timestamp.string(clock.now())
            guard let setup = try db.firstRow("SELECT \(Self.setupColumns) FROM setups WHERE id = ?", [.text(id)], Self.setup) else {
                throw NotFound(kind: "setup", id: id)
            }
            guard setup.revision == expected else { throw PreconditionFailed(currentRevision: setup.revision) }
            // A hub's spoke being added or removed holds its changes too: the change reaches every
            // spoke, so none may be on its way in or out.
            let busy = try db.firstRow(
                """
                SELECT 'a ' || kind || ' job' || coalesce(' for ' || spoke_id, '') FROM jobs WHERE setup_id = ?
                    AND kind IN ('provision', 'update', 'teardown', 'add_spoke', 'remove_spoke') AND state IN (\(JobState.sqlList([.queued, .running])))
                """,
                [.text(id)]
            ) { $0.string(0) }
            guard busy == nil, [.ready, .degraded, .failed].contains(setup.status) else {
                throw StateConflict(
                    message: "setup \(id) is \(setup.status.rawValue)\(busy.map { " with \($0) running" } ?? ""); change it once that ends")
            }
            if setup.status == .failed { try Self.refuseAfterFailedDeletion(db, id) }
            try db.run(
                """
                UPDATE setups SET services = ?, extra_services = ?, subnet_ids = ?, security_group_ids = ?, agent_version = ?, peer = ?,
                    request = ?, updated_at = ? WHERE id = ?
                """,
                [
                    StoredJSON.text(request.services), StoredJSON.text(request.extraServices), StoredJSON.text(request.subnetIDs),
                    StoredJSON.text(request.securityGroupIDs), .optional(request.agentVersion), StoredJSON.text(request.peer?.json ?? .null),
                    .text(request.json.serializedString), .text(now), .text(id),
                ])
            if let peer = request.peer {
                try SpokeRows.updateSetupPeerRequest(
                    db, setupID: id, request: SpokeRequest.peer(peer), now: now)
            }
            if change.completesProvisioning {
                _ = try Self.requestFailedEndpointsAgain(db, setupID: id, actor: actor, reason: "change completing the provisioning", now: now)
            }
            if change.touchesAWS {
                for endpoint in change.added { try Self.insertPlanned(db, endpoint, setupID: id, actor: actor, now: now) }
                try Self.enqueue(db, setupID: id, kind: .update, steps: change.steps, actor: actor, now: now)
                try db.run("UPDATE setups SET error_code = NULL, error_message = NULL WHERE id = ?", [.text(id)])
                try TransitionLog.moveSetup(
                    db, id: id, to: .updating, actor: actor.name, requestID: actor.requestID,
                    reason: "in-place change: " + change.summary,
                    now: now)
            }
            return try Self.detail(db, id: id)!
        }
    }
}
