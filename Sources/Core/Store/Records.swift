/// A setup as stored.
public struct SetupRecord: Sendable, Equatable {
    public let id: String
    public let site: String
    public let mode: SetupMode
    public let region: String
    public let serviceRegion: String
    public let vpcID: String
    public let subnetIDs: [String]
    public let securityGroupIDs: [String]
    public let services: [String]
    public let accountID: String?
    public let roleARN: String?
    public let peer: JSON
    public let agentVersion: String?
    public let status: SetupStatus
    public let currentStep: String?
    public let errorCode: String?
    public let errorMessage: String?
    public let createdAt: String
    public let updatedAt: String
    /// Bumped on any change to the setup, its endpoints or its jobs (the API's ETag).
    public let revision: Int
    /// AWS services reached privately beside the Datadog ones (`secretsmanager`).
    public var extraServices: [String] = []
    /// Who asked for it (`token:<name>`, `user:<email>`, `api`); nil for setups older than identity.
    public var createdBy: String? = nil
    /// The team it belongs to: callers of another team neither see nor change it.
    public var team: String? = nil
}

/// An endpoint row: one interface VPC endpoint of a setup.
public struct EndpointRecord: Sendable, Equatable {
    public let id: String
    public let setupID: String
    public let services: [String]
    public let serviceName: String
    public let privateDNSName: String
    public let state: EndpointState
    public let vpcEndpointID: String?
    public let dnsName: String?
    public let clientToken: String?
    public let adopted: Bool
    public let lastError: String?
    public let createdAt: String
    public let updatedAt: String
    /// Bumped when a failed endpoint is retried (part of its ClientToken).
    public let generation: Int
    public let dnsHostedZoneID: String?
    public let networkInterfaceIDs: [String]
    /// The setup whose job created the AWS endpoint (this one, or the one this setup adopted it
    /// from); nil when it existed before privatelinkd.
    public var createdBy: String? = nil
}

/// A job row of the durable queue.
public struct JobRecord: Sendable, Equatable {
    public let id: String
    public let setupID: String
    public let kind: JobKind
    public let state: JobState
    public let steps: [String]
    public let currentStep: String?
    public let completedSteps: Int
    public let attempts: Int
    public let runAfter: String
    public let leaseOwner: String?
    public let leaseExpiresAt: String?
    public let lastError: String?
    public let createdAt: String
    public let updatedAt: String
    /// Who asked for the job (its workers act for them) and the request that did.
    public var requestedBy: String? = nil
    public var apiRequestID: String? = nil
}

/// One row of the append-only transition log.
public struct TransitionRecord: Sendable, Equatable {
    public let id: Int
    public let setupID: String
    public let entityType: String
    public let entityID: String
    public let fromState: String?
    public let toState: String
    public let at: String
    public let actor: String
    public let reason: String?
    /// The `X-Request-Id` of the API request that caused it, when one did.
    public var requestID: String? = nil
}

/// A setup with everything that belongs to it.
public struct SetupDetail: Sendable, Equatable {
    public let setup: SetupRecord
    public let endpoints: [EndpointRecord]
    public let jobs: [JobRecord]
    /// The newest verification run, without its checks (`GET …/verifications` has them).
    public var latestVerification: VerificationRecord? = nil
}

/// Filters of `GET /v1/setups`.
/// Who a setup belongs to: the team whose callers may see it, and who asked for it.
public struct SetupOwner: Sendable, Equatable {
    public let team: String?
    public let createdBy: String?
}

public struct SetupFilter: Sendable, Equatable {
    public var status: SetupStatus?
    public var site: String?
    public var vpcID: String?
    public var region: String?
    /// Only this team's setups (a team-scoped caller's list).
    public var team: String?
    public init(status: SetupStatus? = nil, site: String? = nil, vpcID: String? = nil, region: String? = nil) {
        self.status = status
        self.site = site
        self.vpcID = vpcID
        self.region = region
    }
}

/// One page of setups, newest first; `nextCursor` is the id to continue after.
public struct SetupPage: Sendable, Equatable {
    public let setups: [SetupRecord]
    public let nextCursor: String?
}
