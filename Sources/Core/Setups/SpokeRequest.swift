/// A spoke asked of a hub (`POST /v1/setups/{id}/spokes`): a VPC, in any region and possibly
/// another account, that reaches the hub's VPC over a peering or a Transit Gateway, and whose DNS
/// answers the intake names from the hub's zones.
public struct SpokeRequest: Sendable, Equatable {
    /// The VPC side, as a `vpc_peering` setup's peer says it (region, account, role, peering,
    /// route tables, whether routes are managed).
    public var vpc: PeerRequest
    public var transport: SpokeTransport
    public var transitGatewayID: String?
    public var dryRun: Bool

    public var json: JSON {
        guard case var .object(fields) = vpc.json else { return vpc.json }
        fields.insert(("transport", .string(transport.rawValue)), at: 2)
        fields.insert(("transit_gateway_id", .optional(transitGatewayID)), at: 3)
        return .object(fields)
    }

    /// Reads a stored request back.
    public init?(stored value: JSON) {
        guard let vpc = PeerRequest(stored: value), let transport = value["transport"]?.stringValue.flatMap(SpokeTransport.init) else { return nil }
        self.init(vpc: vpc, transport: transport, transitGatewayID: value["transit_gateway_id"]?.stringValue, dryRun: false)
    }

    /// A `vpc_peering` setup's peer as its spoke: over a peering.
    public static func peer(_ peer: PeerRequest) -> SpokeRequest {
        SpokeRequest(vpc: peer, transport: .peering, transitGatewayID: nil, dryRun: false)
    }

    public init(vpc: PeerRequest, transport: SpokeTransport, transitGatewayID: String?, dryRun: Bool) {
        self.vpc = vpc
        self.transport = transport
        self.transitGatewayID = transitGatewayID
        self.dryRun = dryRun
    }
}

/// Checks a spoke request against its hub: every problem at once, as the setup validator does.
public struct SpokeValidator: Sendable {
    let setups: SetupValidator

    public init(catalog: Catalog) { setups = SetupValidator(catalog: catalog) }

    public func validate(_ body: JSON, hub: SetupRecord) -> Result<SpokeRequest, SetupValidationError> {
        var problems = Problems()
        let vpc = setups.validatePeer(
            body, endpointVPC: hub.vpcID, problems: &problems, prefix: "", otherFields: ["transport", "transit_gateway_id", "dry_run"])
        let transportText = problems.requiredString(body, "transport")
        let transport = transportText.flatMap(SpokeTransport.init)
        if let transportText, transport == nil {
            problems.add("transport", "invalid_value", "transport must be peering or transit_gateway, got \(Echo.text(transportText))")
        }
        let tgw = problems.optionalString(body, "transit_gateway_id")
        if let tgw, !AWSIdentifiers.isResourceID(tgw, prefix: "tgw") {
            problems.add("transit_gateway_id", "invalid_format", "transit_gateway_id must look like tgw-0123456789abcdef0")
        }
        switch transport {
        case .transitGateway where tgw == nil:
            problems.add("transit_gateway_id", "required", "transport transit_gateway needs transit_gateway_id")
        case .transitGateway where body["peering_connection_id"].map({ !$0.isNull }) == true:
            problems.add("peering_connection_id", "not_allowed", "peering_connection_id is only for transport peering")
        case .transitGateway where vpc.map({ $0.region != hub.region }) == true:
            problems.add(
                "region", "transit_gateway_region",
                "a Transit Gateway belongs to one region: a spoke over \(tgw ?? "it") must be in the hub's region \(hub.region); use peering across regions")
        case .peering where tgw != nil:
            problems.add("transit_gateway_id", "not_allowed", "transit_gateway_id is only for transport transit_gateway")
        default: break
        }
        var dryRun = false
        if let flag = body["dry_run"], !flag.isNull {
            if let bool = flag.boolValue { dryRun = bool } else { problems.add("dry_run", "invalid_type", "dry_run must be true or false") }
        }
        if hub.mode != .hub {
            problems.add(
                "", "not_a_hub",
                "spokes are added to setups of mode hub; \(hub.id) is \(hub.mode.rawValue)"
                    + (hub.mode == .vpcPeering ? " (a hub with its one peer, made with it: create a hub to serve more VPCs)" : ""))
        }
        guard problems.list.isEmpty, let vpc, let transport else {
            return .failure(SetupValidationError(problems: problems.capped, siteNotSupported: false, supportedSites: []))
        }
        return .success(SpokeRequest(vpc: vpc, transport: transport, transitGatewayID: tgw, dryRun: dryRun))
    }
}

/// A spoke's steps: they reuse the peering steps' names, run for the spoke's VPC.
public enum SpokePlan {
    /// Adding: preflight, the peering (given, or created and accepted) for that transport, routes
    /// both ways, then per zone an authorization across accounts and the association.
    public static func add(_ spoke: SpokeRequest, hub: SetupRecord, zoneKeys: [String]) -> [PlanStep] {
        add(spoke, hubVPC: hub.vpcID, hubAccountID: hub.accountID, zoneKeys: zoneKeys)
    }

    /// The same for a hub known by its VPC and account (a `vpc_peering` setup's plan, before the
    /// setup is stored).
    public static func add(_ spoke: SpokeRequest, hubVPC: String, hubAccountID: String?, zoneKeys: [String]) -> [PlanStep] {
        let vpc = spoke.vpc
        var steps = [
            PlanStep(
                .preflightPeerVPC,
                action: "ec2:DescribeVpcs, ec2:DescribeVpcAttribute, ec2:DescribeSecurityGroups, ec2:DescribeRouteTables"
                    + (spoke.transport == .transitGateway ? ", ec2:DescribeTransitGatewayVpcAttachments" : ""),
                description: "check that \(vpc.vpcID) in \(vpc.region) has DNS support and hostnames on, a CIDR apart from the hub's,"
                    + " admitted on TCP 443 by the hub's security groups"
                    + (spoke.transport == .transitGateway ? ", and that both VPCs have an available attachment to \(spoke.transitGatewayID ?? "")" : ""))
        ]
        if spoke.transport == .peering {
            if let pcx = vpc.peeringConnectionID {
                steps.append(
                    PlanStep(
                        .checkPeering, action: "ec2:DescribeVpcPeeringConnections",
                        description: "check that \(pcx) is active between \(hubVPC) and \(vpc.vpcID)"))
            } else {
                steps.append(
                    PlanStep(
                        .createPeering, action: "ec2:CreateVpcPeeringConnection",
                        description: "request a peering connection from \(hubVPC) to \(vpc.vpcID) in \(vpc.region)"))
                steps.append(PlanStep(.acceptPeering, action: "ec2:AcceptVpcPeeringConnection", description: "accept it on the spoke's side"))
            }
        }
        let through = spoke.transport == .peering ? "the peering" : spoke.transitGatewayID ?? "the Transit Gateway"
        steps.append(
            PlanStep(
                .checkRoutes, action: "ec2:DescribeRouteTables, ec2:CreateRoute",
                description: "routes both ways through \(through): the hub's endpoint subnets' tables, and "
                    + (vpc.routeTableIDs.isEmpty ? "every table of \(vpc.vpcID)" : vpc.routeTableIDs.joined(separator: ", "))))
        let crossAccount = vpc.accountID != nil && vpc.accountID != hubAccountID
        for key in zoneKeys {
            if crossAccount {
                steps.append(
                    PlanStep(
                        .authorizeAssociation(key), action: "route53:CreateVPCAssociationAuthorization",
                        description: "authorize \(vpc.vpcID) (account \(vpc.accountID ?? "")) on the \(key) zone"))
            }
            steps.append(
                PlanStep(
                    .associateZone(key), action: "route53:AssociateVPCWithHostedZone",
                    description: "associate the \(key) zone with \(vpc.vpcID) in \(vpc.region)"))
        }
        return steps
    }

    /// Removing: what the spoke made, in reverse; what it found stays.
    public static func remove(transport: SpokeTransport) -> [Step] {
        [.disassociateZones, .deleteRoutes] + (transport == .peering ? [.deletePeering] : [])
    }
}
