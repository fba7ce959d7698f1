import Foundation

/// Teardown: deletes the endpoints privatelinkd created for a setup that no other setup uses (and
/// pre-existing ones only when asked), treats NotFound as done, and waits until AWS reports them gone.
struct TeardownSteps {
    let setup: SetupRecord
    let job: JobRecord
    let owner: String
    let queue: JobQueue
    let store: SetupStore
    let ec2: any EndpointEC2
    let timeout: TimeInterval
    let clock: Clock

    /// Deletes this setup's endpoints that no other live setup uses: those privatelinkd created
    /// (by this setup or by the one it adopted them from), and pre-existing ones only with
    /// `includeAdopted`. Endpoints still in use elsewhere are left, with a transition saying who
    /// uses them.
    ///
    /// The decision and the `deleting` marks are written in one transaction before the AWS call:
    /// a setup adopting one of these endpoints at the same moment either commits first (and the
    /// endpoint is kept) or sees it `deleting` (and does not adopt it). A rerun after a crash finds
    /// the `deleting` rows and asks again; AWS's NotFound counts as done.
    func deleteEndpoints(includeAdopted: Bool) throws {
        let rows = try store.get(setup.id)?.endpoints ?? []
        let targets: [(row: EndpointRecord, id: String)] = try queue.whileHeld(job.id, owner: owner) { db, now in
            var targets: [(row: EndpointRecord, id: String)] = []
            for row in rows {
                guard let id = row.vpcEndpointID, ![.deleted, .missing].contains(row.state) else { continue }
                let others = try EndpointRows.otherUsers(db, vpcEndpointID: id, excluding: setup.id)
                if !others.isEmpty {
                    try EndpointRows.recordKept(
                        db, row: row, actor: owner,
                        reason: "kept \(id): still used by \(others.joined(separator: ", "))", now: now)
                } else if row.createdBy != nil || includeAdopted {
                    targets.append((row, id))
                    let reason =
                        "DeleteVpcEndpoints \(id): no other setup uses it"
                        + (row.createdBy.map { " (created by privatelinkd for \($0))" } ?? " (delete_adopted=true)")
                    try EndpointRows.updateState(db, endpointID: row.id, to: .deleting, lastError: nil, actor: owner, reason: reason, now: now)
                } else {
                    try EndpointRows.recordKept(
                        db, row: row, actor: owner,
                        reason: "kept \(id): it existed before privatelinkd; DELETE with ?delete_adopted=true removes it", now: now)
                }
            }
            return targets
        }
        // Endpoints this setup created but did not record (a crash between create and record).
        let strays = try unrecordedTaggedEndpoints().filter { stray in !targets.contains { $0.id == stray } }
        guard !targets.isEmpty || !strays.isEmpty else { return }
        let failures = try ec2.deleteVpcEndpoints(ids: targets.map(\.id) + strays)
        try queue.whileHeld(job.id, owner: owner) { db, now in
            for target in targets {
                guard let failure = failures.first(where: { $0.id == target.id }) else { continue }
                if failure.reason.contains("NotFound") {
                    try EndpointRows.updateState(
                        db, endpointID: target.row.id, to: .deleted, lastError: nil, actor: owner, reason: "AWS no longer has \(target.id)", now: now)
                } else {
                    throw StepFailure("delete_failed", "AWS could not delete \(target.id): \(Echo.text(failure.reason, limit: 300))")
                }
            }
        }
    }

    /// Live endpoints tagged with this setup that no setup's row refers to.
    private func unrecordedTaggedEndpoints() throws -> [String] {
        let tagged = try ec2.describeVpcEndpoints(filters: [EC2Filter("vpc-id", [setup.vpcID]), EC2Filter("tag:privatelinkd:setup", [setup.id])])
            .filter { ![.deleted, .deleting].contains($0.state) }.map(\.id)
        guard !tagged.isEmpty else { return [] }
        return try store.database.read { db in try tagged.filter { try !EndpointRows.isRecorded(db, vpcEndpointID: $0) } }
    }

    func waitDeleted() throws -> StepOutcome {
        let rows = try store.get(setup.id)?.endpoints ?? []
        let pending = rows.filter { $0.state == .deleting }
        if pending.isEmpty {
            // A create that was in flight when the setup was cancelled may have finished after the
            // first scan: one more look by tag before calling the teardown done.
            let stray = try unrecordedTaggedEndpoints()
            guard stray.isEmpty else {
                _ = try ec2.deleteVpcEndpoints(ids: stray)
                return .park(
                    until: clock.now().addingTimeInterval(5), reason: "deleting \(stray.joined(separator: ", ")), created while the setup was being cancelled")
            }
            return .done
        }
        let started = try queue.stepStartedAt(job.id) ?? clock.now()
        if clock.now() >= started.addingTimeInterval(timeout) {
            throw StepFailure(
                "delete_timeout", "\(pending.compactMap(\.vpcEndpointID).joined(separator: ", ")) still deleting after \(Int(timeout / 60)) minutes")
        }
        return .park(until: started.addingTimeInterval(timeout), reason: "waiting for AWS to delete \(pending.count) endpoint(s)")
    }
}
