/// How far a setup has come: `pending → provisioning → waiting → ready`, or off that path;
/// `updating` while an in-place change (PATCH) runs.
public enum SetupStatus: String, Sendable, CaseIterable, Codable {
    case pending, provisioning, waiting, ready, updating, failed, degraded, deleting, deleted
}

/// An endpoint's state: AWS's own `State` values, plus `requested` (before the create call) and
/// `missing` (AWS no longer has it).
public enum EndpointState: String, Sendable, CaseIterable, Codable {
    case requested
    case pendingAcceptance, pending, available, deleting, deleted, rejected, failed, expired, partial
    case missing

    /// Still moving on AWS's side: poll again.
    public var isWaiting: Bool { self == .pendingAcceptance || self == .pending }
    /// AWS gave up on it: the setup cannot become ready through this endpoint.
    public var isTerminalFailure: Bool { [.rejected, .failed, .expired, .partial].contains(self) }
}

/// A durable job's state.
public enum JobState: String, Sendable, CaseIterable, Codable {
    case queued, running, succeeded, failed, cancelled
}

/// What a job does.
public enum JobKind: String, Sendable, CaseIterable, Codable {
    case provision, update, teardown, reconcile, verify
    /// A hub's spoke: its own job, so adding or removing one never touches the endpoints.
    case addSpoke = "add_spoke", removeSpoke = "remove_spoke"

    /// Work on the setup itself, shown as its `current_step` (not a verification's or a spoke's).
    public var isSpokeWork: Bool { self == .addSpoke || self == .removeSpoke }
    public var isSetupWork: Bool { self != .verify && !isSpokeWork }
}

/// A spoke's status: a VPC that reaches a hub's endpoints and is associated with its zones.
public enum SpokeStatus: String, Sendable, CaseIterable, Codable {
    case pending, provisioning, ready, failed, deleting, deleted
}

/// How a spoke's VPC reaches the hub's VPC.
public enum SpokeTransport: String, Sendable, CaseIterable, Codable {
    case peering
    case transitGateway = "transit_gateway"
}

/// How the endpoints reach the Datadog site's region.
public enum SetupMode: String, Sendable, CaseIterable, Codable {
    /// Endpoints in the site's own region, private DNS on.
    case sameRegion = "same_region"
    /// Endpoints in another region with EC2 `ServiceRegion` set to the site's region.
    case crossRegion = "cross_region"
    /// Endpoints in the site's region, private DNS off, Route53 private zones shared with a peered VPC.
    case vpcPeering = "vpc_peering"
    /// Endpoints in the site's region in a shared VPC, private DNS off, a Route53 private zone per
    /// intake name; spoke VPCs are associated with the zones later (`POST /v1/setups/{id}/spokes`).
    case hub

    /// Whether privatelinkd makes a private hosted zone per intake name (private DNS off).
    public var makesHostedZones: Bool { self == .vpcPeering || self == .hub }
}
