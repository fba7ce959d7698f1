import Foundation

/// Teardown: deletes the endpoints privatelinkd created for a setup (and adopted ones only when
/// asked), treats NotFound as done, and waits until AWS reports them gone.
struct TeardownSteps {
    let setup: SetupRecord
    let job: JobRecord
    let owner: String
    let queue: JobQueue
    let store: SetupStore
    let ec2: EC2Client
    let timeout: TimeInterval
    let clock: Clock

    func deleteEndpoints(includeAdopted: Bool) throws {
        let rows = try store.get(setup.id)?.endpoints ?? []
        // Endpoints this setup created but did not record (a crash between create and record).
        let tagged = try ec2.describeVpcEndpoints(filters: [EC2Filter("vpc-id", [setup.vpcID]), EC2Filter("tag:privatelinkd:setup", [setup.id])])
            .filter { ![.deleted, .deleting].contains($0.state) }
        var targets: [(row: EndpointRecord?, id: String)] = rows.compactMap { row in
            guard let id = row.vpcEndpointID, !row.adopted || includeAdopted, ![.deleted, .missing].contains(row.state) else { return nil }
            return (row, id)
        }
        for endpoint in tagged where !targets.contains(where: { $0.id == endpoint.id }) { targets.append((nil, endpoint.id)) }
        guard !targets.isEmpty else { return }
        let failures = try ec2.deleteVpcEndpoints(ids: targets.map(\.id))
        try queue.whileHeld(job.id, owner: owner) { db, now in
            for target in targets {
                guard let row = target.row else { continue }
                if let failure = failures.first(where: { $0.id == target.id }) {
                    if failure.reason.contains("NotFound") {
                        try EndpointRows.updateState(db, endpointID: row.id, to: .deleted, lastError: nil, actor: owner, reason: "AWS no longer has \(target.id)", now: now)
                    } else {
                        throw StepFailure("delete_failed", "AWS could not delete \(target.id): \(failure.reason)")
                    }
                } else {
                    try EndpointRows.updateState(db, endpointID: row.id, to: .deleting, lastError: nil, actor: owner, reason: "DeleteVpcEndpoints \(target.id)", now: now)
                }
            }
        }
    }

    func waitDeleted() throws -> StepOutcome {
        let rows = try store.get(setup.id)?.endpoints ?? []
        let pending = rows.filter { $0.state == .deleting }
        if pending.isEmpty {
            // A create that was in flight when the setup was cancelled may have finished after the
            // first scan: one more look by tag before calling the teardown done.
            let stray = try ec2.describeVpcEndpoints(filters: [EC2Filter("vpc-id", [setup.vpcID]), EC2Filter("tag:privatelinkd:setup", [setup.id])])
                .filter { ![.deleted, .deleting].contains($0.state) }
            guard stray.isEmpty else {
                try ec2.deleteVpcEndpoints(ids: stray.map(\.id))
                return .park(until: clock.now().addingTimeInterval(5), reason: "deleting \(stray.map(\.id).joined(separator: ", ")), created while the setup was being cancelled")
            }
            return .done
        }
        let started = try queue.stepStartedAt(job.id) ?? clock.now()
        if clock.now() >= started.addingTimeInterval(timeout) {
            throw StepFailure("delete_timeout", "\(pending.compactMap(\.vpcEndpointID).joined(separator: ", ")) still deleting after \(Int(timeout / 60)) minutes")
        }
        return .park(until: started.addingTimeInterval(timeout), reason: "waiting for AWS to delete \(pending.count) endpoint(s)")
    }
}
