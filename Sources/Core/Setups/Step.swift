/// One step of a job, as a typed value: the plan, the store, the workers and the teardown and
/// repair planners share it, and a `switch` over it is checked by the compiler. Stored and shown in
/// its stable text form (`create_endpoint:metrics`), the spelling the `jobs.steps` column has
/// always held.
public enum Step: Hashable, Sendable {
    // Provisioning.
    case preflightVPC, preflightSubnets, preflightServices, preflightSecurityGroups, preflightExistingEndpoints
    case preflightPeerVPC
    /// The argument is the endpoint's key: its first catalog service.
    case createEndpoint(String)
    /// In-place changes (PATCH): subnets and security groups of a kept endpoint; a removed service's endpoint.
    case modifyEndpoint(String), removeEndpoint(String)
    case waitAvailable
    case createHostedZone(String), upsertAliasRecord(String)
    case checkPeering, createPeering, acceptPeering, checkRoutes
    case authorizeAssociation(String), associateZone(String)
    /// A hub's change (PATCH): a new zone associated with every spoke; routes to new endpoint subnets.
    case associateSpokes(String), spokeRoutes
    // Teardown. A `vpc_peering` setup's `delete_zones` first has its peer leave the zones, and
    // its `delete_peering` is a hub's `delete_routes`: the peer's routes and peering go.
    case deleteZones, deletePeering
    /// Removing a spoke (or every spoke of a hub being deleted): its VPC leaves the zones, then the
    /// routes and the peering it made go.
    case disassociateZones, deleteRoutes
    case deleteEndpoints(includeAdopted: Bool)
    case waitDeleted
    // Verification.
    case verify

    /// The stored spelling.
    public var text: String {
        switch self {
        case .preflightVPC: "preflight_vpc"
        case .preflightSubnets: "preflight_subnets"
        case .preflightServices: "preflight_services"
        case .preflightSecurityGroups: "preflight_security_groups"
        case .preflightExistingEndpoints: "preflight_existing_endpoints"
        case .preflightPeerVPC: "preflight_peer_vpc"
        case let .createEndpoint(key): "create_endpoint:\(key)"
        case let .modifyEndpoint(key): "modify_endpoint:\(key)"
        case let .removeEndpoint(key): "delete_endpoint:\(key)"
        case .waitAvailable: "wait_available"
        case let .createHostedZone(key): "create_hosted_zone:\(key)"
        case let .upsertAliasRecord(key): "upsert_alias_record:\(key)"
        case .checkPeering: "check_peering"
        case .createPeering: "create_peering"
        case .acceptPeering: "accept_peering"
        case .checkRoutes: "check_routes"
        case let .authorizeAssociation(key): "authorize_association:\(key)"
        case let .associateZone(key): "associate_zone:\(key)"
        case let .associateSpokes(key): "associate_spokes:\(key)"
        case .spokeRoutes: "spoke_routes"
        case .deleteZones: "delete_zones"
        case .deletePeering: "delete_peering"
        case .disassociateZones: "disassociate_zones"
        case .deleteRoutes: "delete_routes"
        case let .deleteEndpoints(includeAdopted): includeAdopted ? "delete_endpoints:adopted" : "delete_endpoints"
        case .waitDeleted: "wait_deleted"
        case .verify: "verify"
        }
    }

    /// Reads the stored spelling; nil for a step this version does not know.
    public init?(text: String) {
        let parts = text.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        let key = parts.count == 2 && !parts[1].isEmpty ? parts[1] : nil
        switch (parts[0], key) {
        case ("preflight_vpc", nil): self = .preflightVPC
        case ("preflight_subnets", nil): self = .preflightSubnets
        case ("preflight_services", nil): self = .preflightServices
        case ("preflight_security_groups", nil): self = .preflightSecurityGroups
        case ("preflight_existing_endpoints", nil): self = .preflightExistingEndpoints
        case ("preflight_peer_vpc", nil): self = .preflightPeerVPC
        case let ("create_endpoint", key?): self = .createEndpoint(key)
        case let ("modify_endpoint", key?): self = .modifyEndpoint(key)
        case let ("delete_endpoint", key?): self = .removeEndpoint(key)
        case ("wait_available", nil): self = .waitAvailable
        case let ("create_hosted_zone", key?): self = .createHostedZone(key)
        case let ("upsert_alias_record", key?): self = .upsertAliasRecord(key)
        case ("check_peering", nil): self = .checkPeering
        case ("create_peering", nil): self = .createPeering
        case ("accept_peering", nil): self = .acceptPeering
        case ("check_routes", nil): self = .checkRoutes
        case let ("authorize_association", key?): self = .authorizeAssociation(key)
        case let ("associate_zone", key?): self = .associateZone(key)
        case let ("associate_spokes", key?): self = .associateSpokes(key)
        case ("spoke_routes", nil): self = .spokeRoutes
        case ("delete_zones", nil): self = .deleteZones
        case ("delete_peering", nil): self = .deletePeering
        case ("disassociate_zones", nil): self = .disassociateZones
        case ("delete_routes", nil): self = .deleteRoutes
        case ("delete_endpoints", nil): self = .deleteEndpoints(includeAdopted: false)
        case ("delete_endpoints", "adopted"): self = .deleteEndpoints(includeAdopted: true)
        case ("wait_deleted", nil): self = .waitDeleted
        case ("verify", nil): self = .verify
        default: return nil
        }
    }
}

extension Step {
    /// The same step about another endpoint key, when `keys` renames its own.
    public func rekeyed(_ keys: [String: String]) -> Step {
        guard let key = endpointKey, let other = keys[key] else { return self }
        switch self {
        case .createEndpoint: return .createEndpoint(other)
        case .modifyEndpoint: return .modifyEndpoint(other)
        case .removeEndpoint: return .removeEndpoint(other)
        case .createHostedZone: return .createHostedZone(other)
        case .upsertAliasRecord: return .upsertAliasRecord(other)
        case .authorizeAssociation: return .authorizeAssociation(other)
        case .associateZone: return .associateZone(other)
        case .associateSpokes: return .associateSpokes(other)
        default: return self
        }
    }

    /// A check before anything is made.
    public var isPreflight: Bool {
        switch self {
        case .preflightVPC, .preflightSubnets, .preflightServices, .preflightSecurityGroups, .preflightExistingEndpoints, .preflightPeerVPC: true
        default: false
        }
    }

    /// A step of a spoke's own (a `vpc_peering` setup runs its peer's in the setup's jobs).
    public var isSpokeStep: Bool {
        switch self {
        case .preflightPeerVPC, .checkPeering, .createPeering, .acceptPeering, .checkRoutes, .authorizeAssociation, .associateZone: true
        default: false
        }
    }

    /// The endpoint a step is about (its key: the endpoint's first service), if it is about one.
    public var endpointKey: String? {
        switch self {
        case let .createEndpoint(key), let .modifyEndpoint(key), let .removeEndpoint(key), let .createHostedZone(key), let .upsertAliasRecord(key),
            let .authorizeAssociation(key), let .associateZone(key), let .associateSpokes(key):
            key
        default: nil
        }
    }
}

extension Array where Element == Step {
    /// The stored spellings, in order.
    public var texts: [String] { map(\.text) }
}
