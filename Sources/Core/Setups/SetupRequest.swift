/// The agents' side of a `vpc_peering` setup.
public struct PeerRequest: Sendable, Equatable {
    public var vpcID: String
    public var region: String
    public var accountID: String?
    public var roleARN: String?
    public var externalID: String?
    public var peeringConnectionID: String?
    public var routeTableIDs: [String]
    /// Whether privatelinkd adds the routes through the peering itself (default) or only checks them.
    public var manageRoutes: Bool

    public init(
        vpcID: String, region: String, accountID: String? = nil, roleARN: String? = nil,
        externalID: String? = nil, peeringConnectionID: String? = nil, routeTableIDs: [String] = [], manageRoutes: Bool = true
    ) {
        self.vpcID = vpcID
        self.region = region
        self.accountID = accountID
        self.roleARN = roleARN
        self.externalID = externalID
        self.peeringConnectionID = peeringConnectionID
        self.routeTableIDs = routeTableIDs
        self.manageRoutes = manageRoutes
    }

    /// Reads the peer back from a stored request's `peer` object (nil when there is none).
    public init?(stored value: JSON?) {
        guard let value, let vpc = value["vpc_id"]?.stringValue, let region = value["region"]?.stringValue else { return nil }
        self.init(
            vpcID: vpc, region: region, accountID: value["account_id"]?.stringValue, roleARN: value["role_arn"]?.stringValue,
            externalID: value["external_id"]?.stringValue, peeringConnectionID: value["peering_connection_id"]?.stringValue,
            routeTableIDs: value["route_table_ids"]?.arrayValue?.compactMap(\.stringValue) ?? [],
            manageRoutes: value["manage_routes"]?.boolValue ?? true)
    }

    public var json: JSON {
        var fields: [(String, JSON)] = [
            ("vpc_id", .string(vpcID)), ("region", .string(region)),
            ("account_id", .optional(accountID)), ("role_arn", .optional(roleARN)),
            ("external_id", .optional(externalID)),
            ("peering_connection_id", .optional(peeringConnectionID)),
            ("route_table_ids", .strings(routeTableIDs)),
        ]
        // Only when off, so earlier requests keep their idempotency hash.
        if !manageRoutes { fields.append(("manage_routes", false)) }
        return .object(fields)
    }
}

/// A validated, normalized `POST /v1/setups` body.
public struct SetupRequest: Sendable, Equatable {
    public var site: String
    public var mode: SetupMode
    /// Where the endpoints are created.
    public var region: String
    /// The Datadog site's region (the EC2 `ServiceRegion` of cross-region endpoints).
    public var serviceRegion: String
    public var vpcID: String
    public var subnetIDs: [String]
    public var securityGroupIDs: [String]
    public var services: [String]
    /// AWS services to reach privately as well (`secretsmanager`).
    public var extraServices: [String] = []
    public var accountID: String?
    public var roleARN: String?
    public var externalID: String?
    public var peer: PeerRequest?
    public var agentVersion: String?
    public var dryRun: Bool

    /// The request as stored and hashed for idempotency (without `dry_run`, which changes nothing
    /// about what is asked for, only whether it is kept).
    public var json: JSON {
        var fields: [(String, JSON)] = [
            ("site", .string(site)), ("mode", .string(mode.rawValue)), ("region", .string(region)),
            ("service_region", .string(serviceRegion)), ("vpc_id", .string(vpcID)),
            ("subnet_ids", .strings(subnetIDs)), ("security_group_ids", .strings(securityGroupIDs)),
            ("services", .strings(services)), ("account_id", .optional(accountID)),
            ("role_arn", .optional(roleARN)), ("external_id", .optional(externalID)),
            ("peer", peer?.json ?? .null), ("agent_version", .optional(agentVersion)),
        ]
        // Only when asked for, so requests from before extra_services keep their idempotency hash.
        if !extraServices.isEmpty { fields.append(("extra_services", .strings(extraServices))) }
        return .object(fields)
    }
}

/// One thing wrong with a request: where (`subnet_ids[1]`), a stable code, and a sentence.
public struct ValidationProblem: Sendable, Equatable, Error {
    public let field: String
    public let code: String
    public let message: String

    public init(field: String, code: String, message: String) {
        self.field = field
        self.code = code
        self.message = message
    }

    public var json: JSON {
        .object([("field", .string(field)), ("code", .string(code)), ("message", .string(message))])
    }
}

/// Why a setup request was refused. `siteNotSupported` is set when the site is a Datadog site
/// without PrivateLink: the API answers `site_not_supported` then, with the other problems too.
public struct SetupValidationError: Error, Sendable {
    public let problems: [ValidationProblem]
    public let siteNotSupported: Bool
    public let supportedSites: [String]
}
