import Foundation

/// The steps only an in-place change (PATCH) has: changing a kept endpoint's subnets and security
/// groups with `ModifyVpcEndpoint` (the endpoint and its id stay), and taking a removed service's
/// endpoint out of the setup. Both read AWS's or the store's current state first, so a step rerun
/// after a crash does only what is left.
extension EndpointSteps {
    /// Brings one endpoint's subnets and security groups to the setup's: what AWS has and the
    /// setup lacks is removed, what the setup has and AWS lacks is added; nothing to do is done.
    func modifyEndpoint(key: String) throws {
        // A row to be created (again) is made with the setup's subnets and groups: nothing to modify.
        guard let row = try endpoints().first(where: { $0.services[0] == key }), row.state != .requested, let id = row.vpcEndpointID else { return }
        guard row.createdBy == setup.id else {
            // Adopted (from another setup or from before privatelinkd): its owner decides its subnets.
            try queue.whileHeld(job.id, owner: owner) { db, now in
                try EndpointRows.recordKept(
                    db, row: row, actor: owner, reason: "left \(id) as it is: this setup adopted it, so it does not change its subnets or groups",
                    now: now)
            }
            return
        }
        guard let current = try ec2.describeVpcEndpoints(ids: [id]).first else {
            throw StepFailure("endpoint_missing", "\(id) is gone from AWS; run reconcile to create it again")
        }
        let change = EndpointChange(current: current, subnets: setup.subnetIDs, securityGroups: setup.securityGroupIDs)
        guard !change.isEmpty else { return }
        try ec2.modifyVpcEndpoint(
            id: id, addSubnetIDs: change.addSubnets, removeSubnetIDs: change.removeSubnets, addSecurityGroupIDs: change.addGroups,
            removeSecurityGroupIDs: change.removeGroups)
        // AWS shows a modified endpoint `pending` until the change is done: the wait step follows it.
        _ = try queue.whileHeld(job.id, owner: owner) { db, now in
            try EndpointRows.updateState(
                db, endpointID: row.id, to: .pending, lastError: nil, actor: owner, reason: "ModifyVpcEndpoint \(id): \(change)", now: now)
        }
    }

    /// Takes a removed service's endpoint out of the setup: deletes it when this setup created it
    /// and no other live setup uses it (the same rule as a teardown, decided in one transaction with
    /// the `deleting` mark), otherwise only lets go of it. Rerun after a crash: the row is gone, or
    /// marked `deleting` and asked again (AWS's NotFound counts as done).
    func removeEndpoint(key: String) throws {
        guard let row = try endpoints().first(where: { $0.services[0] == key }) else { return }
        let delete: String? = try queue.whileHeld(job.id, owner: owner) { db, now in
            guard let id = row.vpcEndpointID, ![.deleted, .missing].contains(row.state) else { return nil }
            let others = try EndpointRows.otherUsers(db, vpcEndpointID: id, excluding: setup.id)
            guard others.isEmpty, row.createdBy == setup.id else {
                let why = others.isEmpty ? "it existed before this setup" : "still used by \(others.joined(separator: ", "))"
                try EndpointRows.recordKept(db, row: row, actor: owner, reason: "released \(id) from this setup (service removed); \(why)", now: now)
                return nil
            }
            try EndpointRows.updateState(
                db, endpointID: row.id, to: .deleting, lastError: nil, actor: owner,
                reason: "DeleteVpcEndpoints \(id): \(row.services.joined(separator: ", ")) removed from the setup", now: now)
            return id
        }
        if let delete, let failure = try ec2.deleteVpcEndpoints(ids: [delete]).first, !failure.reason.contains("NotFound") {
            throw StepFailure("delete_failed", "AWS could not delete \(delete): \(Echo.text(failure.reason, limit: 300))")
        }
        try queue.whileHeld(job.id, owner: owner) { db, _ in try EndpointRows.remove(db, endpointID: row.id) }
    }
}

/// What ModifyVpcEndpoint must add and remove to turn an endpoint's subnets and groups into the
/// wanted ones (pure).
struct EndpointChange: CustomStringConvertible, Equatable {
    let addSubnets: [String], removeSubnets: [String], addGroups: [String], removeGroups: [String]

    init(current: VpcEndpoint, subnets: [String], securityGroups: [String]) {
        addSubnets = subnets.filter { !current.subnetIDs.contains($0) }
        removeSubnets = current.subnetIDs.filter { !subnets.contains($0) }
        addGroups = securityGroups.filter { !current.securityGroupIDs.contains($0) }
        removeGroups = current.securityGroupIDs.filter { !securityGroups.contains($0) }
    }

    var isEmpty: Bool { addSubnets.isEmpty && removeSubnets.isEmpty && addGroups.isEmpty && removeGroups.isEmpty }

    var description: String {
        [
            addSubnets.map { "AddSubnetId \($0)" }, removeSubnets.map { "RemoveSubnetId \($0)" },
            addGroups.map { "AddSecurityGroupId \($0)" }, removeGroups.map { "RemoveSecurityGroupId \($0)" },
        ].flatMap { $0 }.joined(separator: ", ")
    }
}
