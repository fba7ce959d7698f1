/// One interface endpoint a setup needs: a distinct Datadog PrivateLink service, with the catalog
/// services it carries (on ap2 and uk1 both logs services share one endpoint service).
public struct PlannedEndpoint: Sendable, Equatable {
    public let services: [String]
    public let serviceName: String
    public let privateDNSName: String

    /// The first service's id names the endpoint in step names (`create_endpoint:metrics`).
    public var key: String { services[0] }
}

/// One step of a provisioning job: the step, the AWS action it calls, and what it does.
public struct PlanStep: Sendable, Equatable {
    public let step: Step
    public let action: String
    public let description: String

    public init(_ step: Step, action: String, description: String) {
        self.step = step
        self.action = action
        self.description = description
    }

    /// The step's stable name (`create_endpoint:metrics`).
    public var name: String { step.text }

    public var json: JSON {
        .object([("name", .string(name)), ("action", .string(action)), ("description", .string(description))])
    }
}

/// The ordered AWS steps the workers run for a setup. Derived only from the request and the
/// catalog, so the plan answered at request time is the list that runs.
public struct Plan: Sendable, Equatable {
    public let endpoints: [PlannedEndpoint]
    public let steps: [PlanStep]

    public init(request: SetupRequest, site: Site) {
        var groups: [PlannedEndpoint] = []
        for id in request.services {
            guard let service = site.service(id), let name = service.serviceName else { continue }
            if let index = groups.firstIndex(where: { $0.serviceName == name }) {
                let group = groups[index]
                groups[index] = PlannedEndpoint(services: group.services + [id], serviceName: name, privateDNSName: group.privateDNSName)
            } else {
                groups.append(PlannedEndpoint(services: [id], serviceName: name, privateDNSName: service.privateDNSName ?? ""))
            }
        }
        for id in request.extraServices {
            groups.append(
                PlannedEndpoint(
                    services: [id], serviceName: AWSServiceEndpoints.serviceName(id, region: request.region),
                    privateDNSName: AWSServiceEndpoints.privateDNSName(id, region: request.region)))
        }
        endpoints = groups
        steps = Plan.steps(for: request, endpoints: groups)
    }

    public var stepNames: [String] { steps.map(\.name) }
    public var stepValues: [Step] { steps.map(\.step) }

    public var json: JSON {
        .object([
            (
                "endpoints",
                .array(
                    endpoints.map { e in
                        .object([
                            ("services", .strings(e.services)), ("service_name", .string(e.serviceName)),
                            ("private_dns_name", .string(e.privateDNSName)),
                        ])
                    })
            ),
            ("steps", .array(steps.map(\.json))),
        ])
    }

    private static func steps(for request: SetupRequest, endpoints: [PlannedEndpoint]) -> [PlanStep] {
        let peering = request.mode == .vpcPeering
        let zones = request.mode.makesHostedZones
        let where_ =
            request.mode == .crossRegion
            ? "in \(request.region) with ServiceRegion \(request.serviceRegion)" : "in \(request.region)"
        var steps: [PlanStep] = [
            PlanStep(
                .preflightVPC, action: "ec2:DescribeVpcs, ec2:DescribeVpcAttribute",
                description: "check that \(request.vpcID) exists and has enableDnsSupport and enableDnsHostnames on"),
            PlanStep(
                .preflightSubnets, action: "ec2:DescribeSubnets",
                description: "check that the subnets belong to \(request.vpcID), at most one per Availability Zone"),
            PlanStep(
                .preflightServices, action: "ec2:DescribeVpcEndpointServices",
                description: "find each Datadog service name" + (request.mode == .crossRegion ? " in service region \(request.serviceRegion)" : "")
                    + " and the Availability Zone ids it offers"),
            PlanStep(
                .preflightSecurityGroups, action: "ec2:DescribeSecurityGroups",
                description: "check that each security group accepts inbound TCP 443 from " + (peering ? "the peer VPC's CIDR" : "the VPC's CIDR")),
            PlanStep(
                .preflightExistingEndpoints, action: "ec2:DescribeVpcEndpoints",
                description: "adopt an existing endpoint for the same service instead of creating a second one"),
        ]
        // A `vpc_peering` setup's peer is its spoke: the spoke's plan, its preflight before
        // anything is made, the rest once the zones exist.
        let peerSteps =
            (peering ? request.peer : nil).map {
                SpokePlan.add(.peer($0), hubVPC: request.vpcID, hubAccountID: request.accountID, zoneKeys: endpoints.map(\.key))
            } ?? []
        steps += peerSteps.prefix(1)
        for endpoint in endpoints {
            let place = AWSServiceEndpoints.isAWSService(endpoint.serviceName) ? "in \(request.region)" : where_
            steps.append(
                PlanStep(
                    .createEndpoint(endpoint.key), action: "ec2:CreateVpcEndpoint",
                    description: "create an Interface endpoint for \(endpoint.serviceName) \(place), private DNS \(zones ? "off" : "on")"))
        }
        steps.append(
            PlanStep(
                .waitAvailable, action: "ec2:DescribeVpcEndpoints",
                description: "wait until every endpoint is available (up to 10 minutes on AWS's side)"))
        guard zones else { return steps }
        for endpoint in endpoints {
            steps.append(
                PlanStep(
                    .createHostedZone(endpoint.key), action: "route53:CreateHostedZone",
                    description: "create the private hosted zone \(endpoint.privateDNSName) attached to \(request.vpcID)"))
            steps.append(
                PlanStep(
                    .upsertAliasRecord(endpoint.key), action: "route53:ChangeResourceRecordSets",
                    description: "UPSERT an alias A record \(endpoint.privateDNSName) to the endpoint's DNS name"))
        }
        return steps + peerSteps.dropFirst()
    }
}
