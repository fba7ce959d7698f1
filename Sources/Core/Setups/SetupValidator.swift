/// Checks a `POST /v1/setups` body completely: every problem is reported at once, each with its
/// field path, so a user fixes the request in one round.
public struct SetupValidator: Sendable {
    public let catalog: Catalog

    public init(catalog: Catalog) { self.catalog = catalog }

    static let topLevelFields: Set<String> = [
        "site", "mode", "region", "vpc_id", "subnet_ids", "security_group_ids", "services",
        "account_id", "role_arn", "external_id", "peer", "agent_version", "dry_run", "extra_services",
    ]
    static let peerFields: Set<String> = [
        "vpc_id", "region", "account_id", "role_arn", "external_id", "peering_connection_id", "route_table_ids", "manage_routes",
    ]
    /// Subnets in one endpoint: one per Availability Zone, and no region has more than this many.
    static let maxSubnets = 16
    /// Security groups on one endpoint network interface (AWS's highest adjustable quota).
    static let maxSecurityGroups = 16

    public func validate(_ body: JSON) -> Result<SetupRequest, SetupValidationError> {
        var problems = Problems()
        guard case let .object(pairs) = body else {
            problems.add("", "invalid_type", "the body must be a JSON object, got \(body.typeName)")
            return .failure(SetupValidationError(problems: problems.list, siteNotSupported: false, supportedSites: supportedIDs))
        }
        for (key, _) in pairs where !Self.topLevelFields.contains(key) {
            problems.add(Echo.text(key), "unknown_field", "unknown field \"\(Echo.text(key))\"")
        }

        // Site.
        var site: Site?
        var siteNotSupported = false
        if let id = problems.requiredString(body, "site") {
            if let found = catalog.site(id) {
                if found.privateLinkSupported {
                    site = found
                } else {
                    siteNotSupported = true
                    problems.add("site", "site_not_supported", catalog.unsupportedMessage)
                }
            } else {
                problems.add("site", "unknown_site", "unknown Datadog site \"\(Echo.text(id))\"; sites are: \(catalog.sites.map(\.id).joined(separator: ", "))")
            }
        }
        let serviceRegion = site?.awsRegion

        // Region and mode.
        let region = problems.requiredString(body, "region").flatMap { value -> String? in
            guard AWSRegions.isKnown(value) else {
                problems.add("region", "unknown_region", "\"\(Echo.text(value))\" is not an AWS region name such as us-east-1")
                return nil
            }
            return value
        }
        var mode: SetupMode?
        if let text = problems.optionalString(body, "mode") {
            mode = SetupMode(rawValue: text)
            if mode == nil {
                problems.add("mode", "invalid_value", "mode must be one of same_region, cross_region, vpc_peering, hub")
            }
        } else if body["mode"] == nil || body["mode"]!.isNull, let region, let serviceRegion {
            mode = region == serviceRegion ? .sameRegion : .crossRegion
        }
        if let mode, let region, let serviceRegion {
            switch mode {
            case .sameRegion where region != serviceRegion:
                problems.add(
                    "region", "mode_region_mismatch",
                    "same_region endpoints must be in the site's region \(serviceRegion); use cross_region or vpc_peering from \(region)")
            case .crossRegion where region == serviceRegion:
                problems.add(
                    "region", "mode_region_mismatch",
                    "cross_region endpoints must be in a region other than the site's region \(serviceRegion); use same_region")
            case .vpcPeering where region != serviceRegion:
                problems.add(
                    "region", "mode_region_mismatch",
                    "vpc_peering endpoints are created in the site's region \(serviceRegion): set region to \(serviceRegion) and put the agents' region in peer.region"
                )
            case .hub where region != serviceRegion:
                problems.add(
                    "region", "mode_region_mismatch",
                    "a hub's endpoints are in the site's region \(serviceRegion): set region to \(serviceRegion); spokes may be in any region")
            default: break
            }
        }

        // Network.
        let vpcID = problems.requiredID(body, "vpc_id", prefix: "vpc")
        let subnetIDs = problems.idList(body, "subnet_ids", prefix: "subnet", required: true, max: Self.maxSubnets)
        let securityGroupIDs = problems.idList(body, "security_group_ids", prefix: "sg", required: true, max: Self.maxSecurityGroups)

        // Services.
        var services = Catalog.serviceIDs
        if let list = problems.stringList(body, "services", required: false) {
            if list.isEmpty {
                problems.add("services", "empty", "services must name at least one service, or be left out for all ten")
            }
            for (i, id) in list.enumerated() where !Catalog.serviceIDs.contains(id) {
                problems.add(
                    "services[\(i)]", "unknown_service", "unknown service \"\(Echo.text(id))\"; services are: \(Catalog.serviceIDs.joined(separator: ", "))")
            }
            problems.checkDuplicates(list, field: "services")
            services = list
        }

        var extraServices: [String] = []
        if let list = problems.stringList(body, "extra_services", required: false) {
            for (i, id) in list.enumerated() where !AWSServiceEndpoints.supported.contains(id) {
                problems.add(
                    "extra_services[\(i)]", "unknown_service",
                    "unknown extra service \"\(Echo.text(id))\"; extra services are: \(AWSServiceEndpoints.supported.joined(separator: ", "))")
            }
            problems.checkDuplicates(list, field: "extra_services")
            extraServices = list
        }

        // Identity.
        let (accountID, roleARN, externalID) = problems.identity(body)
        if externalID != nil && roleARN == nil {
            problems.add("external_id", "requires_role_arn", "external_id is only used with role_arn")
        }

        // Peer: only for vpc_peering, and then required.
        var peer: PeerRequest?
        let peerValue: JSON? = body["peer"].flatMap { value -> JSON? in value.isNull ? Optional.none : value }  // null = absent
        if mode == .vpcPeering {
            if let peerValue {
                peer = validatePeer(peerValue, endpointVPC: vpcID, problems: &problems)
            } else {
                problems.add("peer", "required", "vpc_peering needs peer: the agents' VPC (vpc_id, region)")
            }
        } else if peerValue != nil, mode != nil {
            problems.add("peer", "not_allowed", "peer is only for mode vpc_peering")
        }

        // Agent version and dry run.
        let agentVersion = problems.optionalString(body, "agent_version")
        if let agentVersion, AgentVersion(agentVersion) == nil {
            problems.add("agent_version", "invalid_format", "agent_version must look like 7.52.1")
        }
        var dryRun = false
        if let value = body["dry_run"], !value.isNull {
            if let flag = value.boolValue {
                dryRun = flag
            } else {
                problems.add("dry_run", "invalid_type", "dry_run must be a boolean, got \(value.typeName)")
            }
        }

        guard problems.list.isEmpty, let site, let region, let mode, let vpcID, let subnetIDs, let securityGroupIDs,
            let serviceRegion
        else {
            return .failure(SetupValidationError(problems: problems.capped, siteNotSupported: siteNotSupported, supportedSites: supportedIDs))
        }
        return .success(
            SetupRequest(
                site: site.id, mode: mode, region: region, serviceRegion: serviceRegion, vpcID: vpcID,
                subnetIDs: subnetIDs, securityGroupIDs: securityGroupIDs, services: services, extraServices: extraServices,
                accountID: accountID ?? roleARN.flatMap(AWSIdentifiers.roleARNAccount),
                roleARN: roleARN, externalID: externalID, peer: peer, agentVersion: agentVersion, dryRun: dryRun))
    }

    private var supportedIDs: [String] { catalog.supportedSites.map(\.id) }

    /// The agents' side: a `vpc_peering` setup's `peer` (fields prefixed `peer.`), or a hub's spoke
    /// (no prefix; `otherFields` are the spoke's own, read by its validator).
    func validatePeer(
        _ value: JSON, endpointVPC: String?, problems: inout Problems, prefix: String = "peer.", otherFields: Set<String> = []
    ) -> PeerRequest? {
        guard case let .object(pairs) = value else {
            problems.add(prefix.isEmpty ? "" : "peer", "invalid_type", "\(prefix.isEmpty ? "the body" : "peer") must be an object, got \(value.typeName)")
            return nil
        }
        for (key, _) in pairs where !Self.peerFields.contains(key) && !otherFields.contains(key) {
            problems.add("\(prefix)\(Echo.text(key))", "unknown_field", "unknown field \"\(Echo.text(key))\"")
        }
        var scoped = Problems(prefix: prefix)
        let vpcID = scoped.requiredID(value, "vpc_id", prefix: "vpc")
        if let vpcID, vpcID == endpointVPC {
            scoped.add("vpc_id", "same_vpc", "\(prefix)vpc_id must be the agents' VPC, not the endpoints' VPC")
        }
        let region = scoped.requiredString(value, "region")
        if let region, !AWSRegions.isKnown(region) {
            scoped.add("region", "unknown_region", "\"\(Echo.text(region))\" is not an AWS region name such as us-east-1")
        }
        let (accountID, roleARN, externalID) = scoped.identity(value)
        let peering = scoped.optionalString(value, "peering_connection_id")
        if let peering, !AWSIdentifiers.isResourceID(peering, prefix: "pcx") {
            scoped.add("peering_connection_id", "invalid_format", "peering_connection_id must look like pcx-0123456789abcdef0")
        }
        let routeTables = scoped.idList(value, "route_table_ids", prefix: "rtb", required: false, max: 200)
        var manageRoutes = true
        if let flag = value["manage_routes"], !flag.isNull {
            if let bool = flag.boolValue { manageRoutes = bool } else { scoped.add("manage_routes", "invalid_type", "manage_routes must be true or false") }
        }
        problems.list.append(contentsOf: scoped.list)
        guard scoped.list.isEmpty, let vpcID, let region else { return nil }
        return PeerRequest(
            vpcID: vpcID, region: region, accountID: accountID ?? roleARN.flatMap(AWSIdentifiers.roleARNAccount),
            roleARN: roleARN, externalID: externalID, peeringConnectionID: peering, routeTableIDs: routeTables ?? [], manageRoutes: manageRoutes)
    }
}
