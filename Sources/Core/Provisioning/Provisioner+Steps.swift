import Foundation

/// One step of a setup's job, dispatched to the steps that do it: endpoints, zones, the setup's
/// peer (a `vpc_peering` setup's spoke), a hub's spokes on teardown.
extension Provisioner {
    /// Moves a `vpc_peering` setup's peer spoke with its setup, when it is in one of `from`.
    static func movePeer(
        _ db: Connection, of setupID: String, from: Set<SpokeStatus>, to status: SpokeStatus, actor: String, reason: String,
        error: (code: String, message: String)? = nil, now: String
    ) throws {
        guard let peer = try SpokeRows.setupPeer(db, setupID: setupID), from.contains(peer.status) else { return }
        try TransitionLog.moveSpoke(db, id: peer.id, to: status, actor: actor, reason: reason, error: error, now: now)
    }

    /// The spokes a setup's change reaches: the ready ones (no spoke job runs beside a change; a
    /// failed spoke's retry plans its steps against the hub as it is then).
    func readySpokes(_ steps: EndpointSteps) throws -> [SpokeSteps] {
        try spokeSteps(hub: steps.setup, job: steps.job, owner: steps.owner).filter { $0.spoke.status == .ready }
    }

    /// Runs one step; the `switch` is exhaustive, so a new kind of step cannot be forgotten here.
    func runStep(
        _ step: Step, steps: EndpointSteps, teardown: TeardownSteps, zones: ZoneSteps?, peer: SpokeSteps?, subnets: inout [Subnet]
    ) throws -> StepOutcome {
        func need<T>(_ part: T?, _ what: String) throws -> T {
            guard let part else { throw StepFailure("\(what)_missing", "step \(step.text) needs the setup's \(what)") }
            return part
        }
        switch step {
        case .preflightVPC: try steps.preflightVPC()
        case .preflightSubnets: subnets = try steps.preflightSubnets()
        case .preflightServices:
            if subnets.isEmpty { subnets = try steps.preflightSubnets() }
            try steps.preflightServices(subnets: subnets)
        case .preflightSecurityGroups:
            // Agents reach the endpoints from the peer VPC in peering mode; a hub's, from its own
            // VPC and every spoke's (a change of groups must not shut a spoke out).
            var sources = try peer?.vpcCIDRs() ?? steps.vpcCIDRs()
            if steps.setup.mode == .hub { sources += try readySpokes(steps).flatMap { try $0.rangesIfFound() } }
            try steps.preflightSecurityGroups(sourceCIDRs: sources)
        case .preflightExistingEndpoints: return try steps.adoptExisting()
        case .preflightPeerVPC: try need(peer, "peer").preflight()
        case let .createEndpoint(key):
            try steps.createEndpoint(key: key)
            poller.wakeUp(afterCreate: true)
        case let .modifyEndpoint(key):
            try steps.modifyEndpoint(key: key)
            poller.wakeUp(afterCreate: true)
        case let .removeEndpoint(key):
            // The zone for it goes first: the spokes leave it, then it is deleted (its row too,
            // whether or not Route53 ever gave it an id).
            if let zones {
                if let zoneID = try zones.zoneID(key) {
                    // The ready spokes, and a peering setup's peer whatever its state (this job is its own).
                    var leaving = try readySpokes(steps).filter { !$0.spoke.setupPeer }
                    if let peer, peer.spoke.status != .deleted { leaving.append(peer) }
                    for spoke in leaving { try spoke.disassociateZones(only: [zoneID]) }
                }
                try zones.deleteZones(endpointKey: key)
            }
            try steps.removeEndpoint(key: key)
        case .waitAvailable: return try steps.waitAvailable()
        case let .createHostedZone(key): try need(zones, "zones").createHostedZone(key)
        case let .upsertAliasRecord(key): try need(zones, "zones").upsertAliasRecord(key)
        case .checkPeering: try need(peer, "peer").checkPeering()
        case .createPeering: try need(peer, "peer").createPeering()
        case .acceptPeering: try need(peer, "peer").acceptPeering()
        case .checkRoutes: try need(peer, "peer").routes()
        case let .authorizeAssociation(key): try need(peer, "peer").authorizeAssociation(key)
        case let .associateZone(key): try need(peer, "peer").associateZone(key)
        case let .associateSpokes(key):
            for spoke in try readySpokes(steps) {
                if spoke.crossAccount { try spoke.authorizeAssociation(key) }
                try spoke.associateZone(key)
            }
        case .spokeRoutes:
            // Spokes that know their way to the hub: return routes in the new endpoint subnets' tables.
            for spoke in try readySpokes(steps) { try spoke.routes() }
        // Teardown: the spokes (a setup's peer among them) leave the zones, then their routes and
        // peerings go, then the zones.
        case .disassociateZones: try removeSpokes(of: steps, step: .disassociateZones)
        case .deleteRoutes, .deletePeering: try removeSpokes(of: steps, step: .deleteRoutes)
        case .deleteZones:
            try removeSpokes(of: steps, step: .disassociateZones)
            try zones?.deleteZones()
        case let .deleteEndpoints(includeAdopted): try teardown.deleteEndpoints(includeAdopted: includeAdopted)
        case .waitDeleted: return try teardown.waitDeleted()
        case .verify: throw StepFailure("step_not_available", "verify steps run on the verification worker")
        }
        return .done
    }
}
