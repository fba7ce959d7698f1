import Foundation

/// The steps every mode shares, up to available endpoints: preflight (nothing is created until it
/// passes), adoption of existing endpoints, idempotent creates, and the wait.
struct EndpointSteps {
    let setup: SetupRecord
    let job: JobRecord
    let owner: String
    let queue: JobQueue
    let store: SetupStore
    let ec2: any EndpointEC2
    let endpointTimeout: TimeInterval
    let clock: Clock

    var crossRegion: Bool { setup.mode == .crossRegion }
    /// Private DNS is off where privatelinkd makes the zones (peering, hub).
    var peering: Bool { setup.mode.makesHostedZones }

    func endpoints() throws -> [EndpointRecord] { try store.get(setup.id)?.endpoints ?? [] }

    /// Converts AWS's NotFound answers about the user's own resources into a failure that says so.
    func userResource<T>(_ what: String, _ id: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let error as AWSError where error.isNotFound || error.code.hasPrefix("InvalidParameter") {
            throw StepFailure(
                "\(what)_not_found", "\(id) was not found in \(setup.region) for this account (AWS: \(error.code)); check the setup's \(what)_id and region")
        }
    }

    func preflightVPC() throws {
        let vpcs = try userResource("vpc", setup.vpcID) { try ec2.describeVpcs(ids: [setup.vpcID]) }
        guard vpcs.first?.id == setup.vpcID else {
            throw StepFailure("vpc_not_found", "\(setup.vpcID) was not found in \(setup.region); check vpc_id and region")
        }
        var off: [String] = []
        for attribute in ["enableDnsSupport", "enableDnsHostnames"] where try !ec2.describeVpcAttribute(vpcID: setup.vpcID, attribute: attribute) {
            off.append(attribute)
        }
        if let failure = Preflight.dnsAttributes(vpcID: setup.vpcID, off: off) { throw failure }
    }

    func preflightSubnets() throws -> [Subnet] {
        let subnets = try userResource("subnet", setup.subnetIDs.joined(separator: ", ")) { try ec2.describeSubnets(ids: setup.subnetIDs) }
        if let failure = Preflight.subnets(subnets, requested: setup.subnetIDs, vpcID: setup.vpcID, region: setup.region) { throw failure }
        return subnets
    }

    func preflightServices(subnets: [Subnet]) throws {
        let all = Array(Set(try endpoints().map(\.serviceName))).sorted()
        let names = all.filter { !AWSServiceEndpoints.isAWSService($0) }
        let awsNames = all.filter(AWSServiceEndpoints.isAWSService)
        var found: [EndpointServiceDetail] = []
        do {
            if !names.isEmpty { found = try ec2.describeVpcEndpointServices(serviceNames: names, serviceRegions: crossRegion ? [setup.serviceRegion] : []) }
            // AWS's own services (extra_services) are in the setup's region.
            if !awsNames.isEmpty { found += try ec2.describeVpcEndpointServices(serviceNames: awsNames) }
        } catch let error as AWSError where error.code == "InvalidServiceName" {
            throw StepFailure("service_not_found", "a PrivateLink service was not found (\(error.message)); if the catalog is current, contact Datadog support")
        }
        if let failure = Preflight.services(
            found: found, required: all, subnets: subnets, crossRegion: crossRegion,
            region: setup.region, serviceRegion: setup.serviceRegion)
        {
            throw failure
        }
    }

    func preflightSecurityGroups(sourceCIDRs: [String]) throws {
        let groups = try userResource("security_group", setup.securityGroupIDs.joined(separator: ", ")) {
            try ec2.describeSecurityGroups(ids: setup.securityGroupIDs)
        }
        if let failure = Preflight.securityGroups(groups, requested: setup.securityGroupIDs, sourceCIDRs: sourceCIDRs) { throw failure }
    }

    func vpcCIDRs() throws -> [String] { try ec2.describeVpcs(ids: [setup.vpcID]).first?.cidrBlocks ?? [] }

    /// Finds endpoints this setup created before a crash (by tag) and adopts someone else's endpoint
    /// for the same service instead of creating a second one. Endpoints are shared by reference:
    /// the adopted row remembers which setup created the endpoint (its `privatelinkd:setup` tag), so
    /// the last user's teardown deletes it. One that another setup's teardown is deleting right now
    /// is not adopted: the step waits until it is gone and then creates its own.
    func adoptExisting() throws -> StepOutcome {
        let existing = try ec2.describeVpcEndpoints(filters: [EC2Filter("vpc-id", [setup.vpcID])])
            .filter { ![.deleted, .deleting, .failed, .rejected, .expired].contains($0.state) }
        for row in try endpoints() where row.vpcEndpointID == nil {
            if let ours = existing.first(where: { $0.tags["privatelinkd:setup"] == setup.id && $0.tags["privatelinkd:service"] == row.services[0] }) {
                try queue.whileHeld(job.id, owner: owner) { db, now in
                    try EndpointRows.recordAWSEndpoint(
                        db, row: row, endpoint: ours, adopted: false, createdBy: setup.id, actor: owner,
                        reason: "found \(ours.id), created by this setup earlier", now: now)
                }
            } else if let theirs = existing.first(where: { $0.serviceName == row.serviceName }) {
                let creator = theirs.tags["privatelinkd:setup"]
                // The check and the adoption share one write transaction: a teardown deciding
                // whether anyone still uses the endpoint sees this row, or this sees its decision.
                let deleter: String? = try queue.whileHeld(job.id, owner: owner) { db, now in
                    if let deleter = try EndpointRows.beingDeletedBy(db, vpcEndpointID: theirs.id) { return deleter }
                    try EndpointRows.recordAWSEndpoint(
                        db, row: row, endpoint: theirs, adopted: true, createdBy: creator, actor: owner,
                        reason: "adopted existing \(theirs.id) serving \(row.privateDNSName)"
                            + (creator.map { " (created by privatelinkd for \($0))" } ?? "") + "; not creating a second endpoint", now: now)
                    return nil
                }
                if let deleter {
                    return .park(
                        until: clock.now().addingTimeInterval(10),
                        reason: "\(theirs.id) serves \(row.privateDNSName) but \(deleter)'s teardown is deleting it; waiting to create a new one")
                }
            }
        }
        return .done
    }

    /// Creates one endpoint, idempotently: the ClientToken is persisted first, and an endpoint
    /// carrying this setup's tags is looked up before creating, so no crash, timeout or retry
    /// leaves two endpoints for one service.
    func createEndpoint(key: String) throws {
        guard let row = try endpoints().first(where: { $0.services[0] == key }) else { return }
        var replaced = ""
        if let old = row.vpcEndpointID {
            guard row.state == .requested else { return }  // created already
            // A retried endpoint: delete the failed one first (AWS bills it until deleted).
            let failures = try ec2.deleteVpcEndpoints(ids: [old])
            if let failure = failures.first, !failure.reason.contains("NotFound") {
                throw StepFailure("delete_failed", "could not delete the failed endpoint \(old) before creating a new one: \(failure.reason)")
            }
            replaced = " (replacing \(old), deleted)"
        }
        let token = "\(setup.id).\(key).\(row.generationToken)"
        // A token already persisted means an earlier attempt may have created the endpoint before a
        // crash or timeout: look it up by tag first. A fresh token means no create was ever sent.
        let mayExist = row.clientToken == token
        if !mayExist {
            try queue.whileHeld(job.id, owner: owner) { db, now in try EndpointRows.setClientToken(db, endpointID: row.id, token: token, now: now) }
        }
        let tagged =
            mayExist
            ? try ec2.describeVpcEndpoints(filters: [
                EC2Filter("vpc-id", [setup.vpcID]), EC2Filter("tag:privatelinkd:setup", [setup.id]), EC2Filter("tag:privatelinkd:service", [key]),
            ]).filter { ![.deleted, .deleting, .failed, .rejected, .expired, .partial].contains($0.state) } : []  // only live ones count
        let endpoint: VpcEndpoint
        let reason: String
        if let found = tagged.first {
            endpoint = found
            reason = "found \(found.id) by tag (created before a restart)"
        } else {
            endpoint = try ec2.createVpcEndpoint(
                .init(
                    vpcID: setup.vpcID, serviceName: row.serviceName, subnetIDs: setup.subnetIDs, securityGroupIDs: setup.securityGroupIDs,
                    privateDNSEnabled: !peering,
                    serviceRegion: crossRegion && !AWSServiceEndpoints.isAWSService(row.serviceName) ? setup.serviceRegion : nil, clientToken: token,
                    tags: [("privatelinkd:setup", setup.id), ("privatelinkd:service", key), ("Name", "privatelinkd \(key) \(setup.site)")]))
            reason = "created \(endpoint.id)" + replaced
        }
        try queue.whileHeld(job.id, owner: owner) { db, now in
            try EndpointRows.recordAWSEndpoint(db, row: row, endpoint: endpoint, adopted: false, createdBy: setup.id, actor: owner, reason: reason, now: now)
        }
    }

    /// Done when every endpoint is available; fails on AWS's terminal states or at the timeout;
    /// otherwise parks the job until the deadline (the poller wakes it when the states settle).
    func waitAvailable() throws -> StepOutcome {
        let rows = try endpoints()
        if let failed = rows.first(where: { $0.state.isTerminalFailure || $0.state == .missing }) {
            throw StepFailure(
                "endpoint_\(failed.state.rawValue)",
                "\(failed.vpcEndpointID ?? failed.id) for \(failed.services.joined(separator: ", ")) is \(failed.state.rawValue)"
                    + (failed.lastError.map { ": \($0)" } ?? "") + (failed.state == .rejected ? "; a rejected endpoint is billed until deleted" : ""))
        }
        if rows.allSatisfy({ $0.state == .available }) { return .done }
        let started = try queue.stepStartedAt(job.id) ?? clock.now()
        let deadline = started.addingTimeInterval(endpointTimeout)
        if clock.now() >= deadline {
            let late = rows.filter { $0.state != .available }.map { "\($0.vpcEndpointID ?? $0.id) (\($0.state.rawValue))" }
            throw StepFailure(
                "endpoint_timeout",
                "\(late.joined(separator: ", ")) not available after \(Int(endpointTimeout / 60)) minutes; the guide allows up to 10: contact Datadog support")
        }
        return .park(until: deadline, reason: "waiting for AWS: \(rows.filter { $0.state != .available }.count) endpoint(s) not yet available")
    }
}

extension EndpointRecord {
    /// The attempt generation baked into the ClientToken.
    var generationToken: String { "g\(generation)" }
}

extension String {
    /// `enableDnsSupport` → `enable-dns-support` (CLI flag spelling).
    var camelToKebab: String {
        var out = ""
        for c in self { if c.isUppercase { out += "-" + c.lowercased() } else { out.append(c) } }
        return out
    }
}
