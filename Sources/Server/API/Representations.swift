import Core

/// How stored records look in the API. One place, so every endpoint shows a setup the same way.
enum Representation {
    static func setupSummary(_ s: SetupRecord) -> [(String, JSON)] {
        [
            ("id", .string(s.id)), ("site", .string(s.site)), ("mode", .string(s.mode.rawValue)),
            ("region", .string(s.region)), ("service_region", .string(s.serviceRegion)),
            ("vpc_id", .string(s.vpcID)), ("subnet_ids", .strings(s.subnetIDs)),
            ("security_group_ids", .strings(s.securityGroupIDs)), ("services", .strings(s.services)), ("extra_services", .strings(s.extraServices)),
            ("account_id", .optional(s.accountID)), ("role_arn", .optional(s.roleARN)), ("peer", s.peer),
            ("agent_version", .optional(s.agentVersion)), ("created_by", .optional(s.createdBy)), ("team", .optional(s.team)),
            ("status", .string(s.status.rawValue)),
            ("current_step", .optional(s.currentStep)),
            ("error", s.errorCode.map { .object([("code", .string($0)), ("message", .optional(s.errorMessage))]) } ?? .null),
            ("created_at", .string(s.createdAt)), ("updated_at", .string(s.updatedAt)),
            (
                "links",
                .object([
                    ("self", .string("/v1/setups/\(s.id)")), ("events", .string("/v1/setups/\(s.id)/events")),
                    ("verifications", .string("/v1/setups/\(s.id)/verifications")), ("agent_config", .string("/v1/setups/\(s.id)/agent-config")),
                ])
            ),
        ]
    }

    static func setup(_ detail: SetupDetail, plan: JSON? = nil) -> JSON {
        var fields = setupSummary(detail.setup)
        fields.append(("endpoints", .array(detail.endpoints.map(endpoint))))
        fields.append(("jobs", .array(detail.jobs.map(job))))
        fields.append(("latest_verification", detail.latestVerification.map(verification) ?? .null))
        if let plan { fields.append(("plan", plan)) }
        return .object(fields)
    }

    static func endpoint(_ e: EndpointRecord) -> JSON {
        .object([
            ("id", .string(e.id)), ("services", .strings(e.services)), ("service_name", .string(e.serviceName)),
            ("private_dns_name", .string(e.privateDNSName)), ("state", .string(e.state.rawValue)),
            ("vpc_endpoint_id", .optional(e.vpcEndpointID)), ("dns_name", .optional(e.dnsName)),
            ("adopted", .bool(e.adopted)), ("last_error", .optional(e.lastError)),
            ("created_at", .string(e.createdAt)), ("updated_at", .string(e.updatedAt)),
        ])
    }

    static func job(_ j: JobRecord) -> JSON {
        .object([
            ("id", .string(j.id)), ("kind", .string(j.kind.rawValue)), ("state", .string(j.state.rawValue)),
            ("steps", .strings(j.steps)), ("current_step", .optional(j.currentStep)),
            ("completed_steps", .int(j.completedSteps)), ("attempts", .int(j.attempts)),
            ("run_after", .string(j.runAfter)), ("last_error", .optional(j.lastError)),
            ("created_at", .string(j.createdAt)), ("updated_at", .string(j.updatedAt)),
        ])
    }

    /// A verification run; its checks when they were read (lists and single runs, not the setup).
    static func verification(_ v: VerificationRecord) -> JSON {
        var fields: [(String, JSON)] = [
            ("id", .string(v.id)), ("setup_id", .string(v.setupID)), ("state", .string(v.state.rawValue)),
            ("passed", v.isFinished ? .bool(v.state == .passed) : .null), ("trigger", .string(v.trigger.rawValue)),
            ("requested_by", .string(v.requestedBy)), ("resolver", .optional(v.resolver)),
            ("endpoint_addresses_known", v.endpointAddressesKnown.map(JSON.bool) ?? .null), ("note", .optional(v.note)),
            ("checks_total", v.checksTotal.map(JSON.int) ?? .null), ("checks_passed", v.checksPassed.map(JSON.int) ?? .null),
            ("created_at", .string(v.createdAt)), ("started_at", .optional(v.startedAt)), ("finished_at", .optional(v.finishedAt)),
            ("job_id", .optional(v.jobID)), ("spoke_id", .optional(v.spokeID)),
            ("links", .object([("self", .string("/v1/setups/\(v.setupID)/verifications/\(v.id)"))])),
        ]
        if let checks = v.checks { fields.append(("results", .array(checks))) }
        return .object(fields)
    }

    static func transition(_ t: TransitionRecord) -> JSON {
        .object([
            ("id", .int(t.id)), ("setup_id", .string(t.setupID)), ("entity_type", .string(t.entityType)),
            ("entity_id", .string(t.entityID)), ("from_state", .optional(t.fromState)), ("to_state", .string(t.toState)),
            ("at", .string(t.at)), ("actor", .string(t.actor)), ("reason", .optional(t.reason)),
            ("request_id", .optional(t.requestID)),
        ])
    }

    static func site(_ site: Site, message: String) -> JSON {
        var fields: [(String, JSON)] = [
            ("id", .string(site.id)), ("datacenter", .string(site.datacenter)), ("domain", .string(site.domain)),
            ("privatelink_supported", .bool(site.privateLinkSupported)), ("aws_region", .optional(site.awsRegion)),
            ("cross_region_label", .optional(site.crossRegionLabel)),
        ]
        if site.privateLinkSupported {
            fields.append(
                (
                    "services",
                    .array(
                        site.services.map { s in
                            .object([
                                ("id", .string(s.id)), ("display_name", .string(s.displayName)),
                                ("service_name", .optional(s.serviceName)), ("private_dns_name", .optional(s.privateDNSName)),
                                ("hostname", .optional(s.hostname)),
                            ])
                        })
                ))
        } else {
            fields.append(("message", .string(message)))
        }
        return .object(fields)
    }
}
