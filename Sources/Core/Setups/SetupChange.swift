/// An in-place change to a setup (PATCH): the JSON merge patch applied to the stored request, and
/// the plan as the difference between what the setup has and what the changed request needs.
/// Pure: the API validates the merged request with the same `SetupValidator` as a new setup.
public struct SetupChange: Sendable, Equatable {
    /// What a PATCH may change. Anything else that differs is `422 immutable_field`.
    public static let changeable: Set<String> = ["services", "extra_services", "subnet_ids", "security_group_ids", "agent_version"]
    /// What may change of a `vpc_peering` setup's `peer` (a merge patch of that object).
    public static let changeablePeer: Set<String> = ["route_table_ids", "manage_routes"]
    /// Fields a patch may carry beside them: `dry_run` asks for the plan only.
    static let controls: Set<String> = ["dry_run"]

    /// The patched request, ready for `SetupValidator` (RFC 7396: an object member replaces, `null`
    /// removes). A field outside `changeable` may be sent only with its current value; otherwise it
    /// is a problem naming it.
    public static func merge(stored: JSON, patch: JSON) -> Result<JSON, SetupValidationError> {
        func refused(_ problems: [ValidationProblem]) -> Result<JSON, SetupValidationError> {
            .failure(SetupValidationError(problems: problems, siteNotSupported: false, supportedSites: []))
        }
        guard case let .object(changes) = patch else {
            return refused([ValidationProblem(field: "", code: "invalid_type", message: "a merge patch must be a JSON object")])
        }
        guard case var .object(fields) = stored else {
            return refused([ValidationProblem(field: "", code: "invalid_value", message: "the stored request is not an object")])
        }
        fields.removeAll { $0.0 == "service_region" }  // derived, not asked for
        var problems: [ValidationProblem] = []
        for (key, value) in changes {
            let current = fields.first { $0.0 == key }?.1 ?? .null
            if key == "peer", case let .object(peerChanges) = value, case var .object(peer) = current {
                // The agents' side: only its route tables (and whether privatelinkd manages them) change.
                for (name, new) in peerChanges {
                    let old = peer.first { $0.0 == name }?.1 ?? .null
                    if changeablePeer.contains(name) {
                        peer.removeAll { $0.0 == name }
                        if !new.isNull { peer.append((name, new)) }
                    } else if new != old {
                        problems.append(
                            ValidationProblem(
                                field: "peer.\(name)", code: "immutable_field",
                                message: "peer.\(name) cannot change in place; peer.route_table_ids and peer.manage_routes can"))
                    }
                }
                fields.removeAll { $0.0 == key }
                fields.append((key, .object(peer)))
            } else if changeable.contains(key) || controls.contains(key) {
                fields.removeAll { $0.0 == key }
                if !value.isNull { fields.append((key, value)) }
            } else if value != current {
                problems.append(
                    ValidationProblem(
                        field: key, code: "immutable_field",
                        message: "\(key) cannot change in place; \(changeable.sorted().joined(separator: ", ")) can (a new setup changes the rest)"))
            }
        }
        return problems.isEmpty ? .success(.object(fields)) : refused(problems)
    }

    /// New endpoints, kept ones whose subnets or groups change, removed ones.
    public let added: [PlannedEndpoint]
    public let modified: [String]
    public let removed: [String]
    public private(set) var steps: [Step]
    /// The endpoint subnets change (and with them the tables return routes go to).
    public let subnetsChange: Bool
    /// The change finishes a provisioning that failed (`completeProvisioning`).
    public private(set) var completesProvisioning = false
    /// The kept endpoints' keys, by service name (a shared endpoint keeps the key it was made with).
    let keptKeys: [String: String]

    /// The difference between the endpoints the setup has (`current`: their keys and service
    /// names) and the ones the changed request plans. An endpoint that stays is never replaced.
    public init(
        current: [(key: String, serviceName: String)], subnetIDs: [String], securityGroupIDs: [String], peer: PeerRequest? = nil,
        changed request: SetupRequest, plan: Plan
    ) {
        let have = Set(current.map(\.serviceName))
        let want = Set(plan.endpoints.map(\.serviceName))
        added = plan.endpoints.filter { !have.contains($0.serviceName) }
        keptKeys = Dictionary(current.filter { want.contains($0.serviceName) }.map { ($0.serviceName, $0.key) }, uniquingKeysWith: { a, _ in a })
        removed = current.filter { !want.contains($0.serviceName) }.map(\.key)
        subnetsChange = Set(subnetIDs) != Set(request.subnetIDs)
        let groupsChange = Set(securityGroupIDs) != Set(request.securityGroupIDs)
        modified = subnetsChange || groupsChange ? current.filter { want.contains($0.serviceName) }.map(\.key) : []
        var steps: [Step] = []
        // Preflight what is new: new subnets' zones against the services, new groups' rule for 443.
        if subnetsChange || !added.isEmpty { steps += [.preflightSubnets, .preflightServices] }
        if groupsChange || !added.isEmpty { steps.append(.preflightSecurityGroups) }
        if !added.isEmpty { steps.append(.preflightExistingEndpoints) }
        steps += added.map { .createEndpoint($0.key) } + modified.map { .modifyEndpoint($0) } + removed.map { .removeEndpoint($0) }
        if !added.isEmpty || !modified.isEmpty { steps.append(.waitAvailable) }
        // A peering's new endpoints get their zone, alias record and association, as in a new setup.
        let addedKeys = Set(added.map(\.key))
        steps += plan.stepValues.filter { step in
            guard let key = step.endpointKey, addedKeys.contains(key) else { return false }
            if case .createEndpoint = step { return false }
            return true
        }
        // A hub's spokes answer from its new zones too; its spokes (a peering setup's peer) reach
        // new endpoint subnets.
        if request.mode == .hub { steps += added.map { .associateSpokes($0.key) } }
        if request.mode.makesHostedZones && subnetsChange { steps.append(.spokeRoutes) }
        // New route tables for a peering: add the routes there (routes already added stay).
        if let peer, let changed = request.peer, Set(peer.routeTableIDs) != Set(changed.routeTableIDs) || peer.manageRoutes != changed.manageRoutes {
            steps.append(.checkRoutes)
        }
        self.steps = steps
    }

    /// A failed setup that has never been ready (its provisioning failed, and no change since
    /// finished it; `jobs` oldest first): the change becomes the changed request's whole plan,
    /// every step idempotent, with the removed services' endpoints deleted and the kept ones
    /// modified right after the preflight. The job then ends with everything in place (a
    /// `vpc_peering` peer included), not `ready` with steps never run.
    public mutating func completeProvisioning(plan: Plan, jobs: [JobRecord]) {
        let setupJobs = jobs.filter { $0.kind == .provision || $0.kind == .update }
        guard setupJobs.contains(where: { $0.kind == .provision }), !setupJobs.contains(where: { $0.state == .succeeded }) else { return }
        // The plan's keys follow the request's order; a kept endpoint answers to the key it has.
        var renamed: [String: String] = [:]
        for endpoint in plan.endpoints { if let key = keptKeys[endpoint.serviceName], key != endpoint.key { renamed[endpoint.key] = key } }
        let planned = plan.stepValues.map { $0.rekeyed(renamed) }
        let split = planned.firstIndex { !$0.isPreflight } ?? planned.count
        // Removed services go before the preflight (which checks every endpoint row); every kept
        // endpoint is brought to the stored subnets and groups (a change that failed may have left
        // them behind; nothing to do is done).
        steps =
            removed.map { .removeEndpoint($0) } + Array(planned[..<split]) + keptKeys.values.sorted().map { .modifyEndpoint($0) }
            + Array(planned[split...])
        completesProvisioning = true
    }

    /// "create api; modify metrics", for transitions.
    public var summary: String {
        [("create", added.map(\.key)), ("modify", modified), ("delete", removed)].filter { !$0.1.isEmpty }
            .map { "\($0.0) \($0.1.joined(separator: ", "))" }.joined(separator: "; ")
    }

    /// Nothing for AWS to do (only `agent_version`, say): no job runs.
    public var touchesAWS: Bool { !steps.isEmpty }

    public var json: JSON {
        .object([
            ("create", .strings(added.map(\.key))), ("modify", .strings(modified)), ("delete", .strings(removed)),
            ("steps", .strings(steps.texts)),
        ])
    }
}
