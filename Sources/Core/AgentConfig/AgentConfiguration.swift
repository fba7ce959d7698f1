import Foundation

/// What to put on the Agents that use a setup, from the guide's Agent section: the site, HTTPS for
/// logs on Agents older than 6.19 / 7.19, the restart, the Lambda Extension's Secrets Manager note,
/// and for peering the private zones and the VPCs they answer in.
public struct AgentConfiguration: Sendable, Equatable {
    /// One setting, with its `datadog.yaml` path, its container variable and why it is there.
    public struct Setting: Sendable, Equatable {
        public let yamlPath: [String]
        public let environment: String
        public let value: String
        public let reason: String
    }

    public struct Zone: Sendable, Equatable {
        public let name: String
        public let zoneID: String?
        public let vpcs: [String]
    }

    public let setupID: String
    public let siteID: String
    public let settings: [Setting]
    public let notes: [String]
    public let zones: [Zone]

    /// The Agent versions from which logs use HTTPS by default.
    static let httpsByDefault: [Int: AgentVersion] = [6: AgentVersion("6.19")!, 7: AgentVersion("7.19")!]

    /// `spokes`: a hub's spokes, whose VPCs answer from the zones they were associated with.
    public init(setup: SetupRecord, site: Site, zones: [HostedZoneRecord], spokes: [SpokeRecord] = []) {
        setupID = setup.id
        siteID = site.id
        var settings = [
            Setting(
                yamlPath: ["site"], environment: "DD_SITE", value: site.domain,
                reason: "the Datadog site this setup's endpoints serve")
        ]
        var notes: [String] = []
        let sendsLogs = setup.services.contains("logs_agent") || setup.services.contains("logs_user")
        if sendsLogs {
            let version = setup.agentVersion.flatMap(AgentVersion.init)
            let required: Bool
            let reason: String
            if let version {
                let major = version.components[0]
                if let threshold = Self.httpsByDefault[major] { required = version < threshold } else { required = major < 6 }
                reason =
                    required
                    ? "required with PrivateLink: Agent \(version) is older than 6.19 / 7.19 and would send logs over TCP"
                    : "Agent \(version) already sends logs over HTTPS"
            } else {
                required = true
                reason =
                    "required with PrivateLink when the Agent is older than 6.19 or 7.19; the setup gives no agent_version, so it is included (harmless on newer Agents)"
            }
            if required {
                settings.append(
                    Setting(
                        yamlPath: ["logs_config", "force_use_http"], environment: "DD_LOGS_CONFIG_FORCE_USE_HTTP",
                        value: "true", reason: reason))
            } else {
                notes.append("logs_config.force_use_http is not needed: \(reason).")
            }
            notes.append("The Lambda Extension does not need logs_config.force_use_http.")
        }
        let secretsManager = AWSServiceEndpoints.serviceName("secretsmanager", region: setup.region)
        notes.append(
            "If your Lambda Extension loads the Datadog API key from AWS Secrets Manager (DD_API_KEY_SECRET_ARN), it also needs a VPC endpoint for Secrets Manager (\(secretsManager))"
                + (setup.extraServices.contains("secretsmanager")
                    ? "; this setup includes it." : "; add \"extra_services\": [\"secretsmanager\"] to the setup to have privatelinkd create it."))
        notes.append("Restart the Agent to send data to Datadog through AWS PrivateLink.")
        self.settings = settings
        self.notes = notes
        self.zones = zones.map { zone in
            // A ready spoke answers from every zone (associated by it, or found associated); one on
            // its way, from those it has associated so far.
            let spokeVPCs = spokes.filter { spoke in
                spoke.status == .ready || (spoke.status != .deleted && zone.zoneID.map(spoke.associatedZones.contains) ?? false)
            }.map(\.vpcKey)
            return Zone(name: zone.name, zoneID: zone.zoneID, vpcs: ["\(setup.vpcID)@\(setup.region)"] + spokeVPCs)
        }
    }

    public var json: JSON {
        var fields: [(String, JSON)] = [
            ("setup_id", .string(setupID)), ("site", .string(siteID)),
            (
                "settings",
                .array(
                    settings.map {
                        .object([
                            ("datadog_yaml", .string($0.yamlPath.joined(separator: "."))), ("env", .string($0.environment)),
                            ("value", .string($0.value)), ("reason", .string($0.reason)),
                        ])
                    })
            ),
            ("notes", .strings(notes)),
        ]
        if !zones.isEmpty {
            fields.append(
                (
                    "hosted_zones",
                    .array(
                        zones.map {
                            .object([("name", .string($0.name)), ("zone_id", .optional($0.zoneID)), ("associated_vpcs", .strings($0.vpcs))])
                        })
                ))
        }
        return .object(fields)
    }

    /// A `datadog.yaml` fragment with the reasons as comments.
    public var yaml: String {
        var lines = ["# privatelinkd: Agent settings for setup \(setupID) (Datadog site \(siteID))."]
        var openSection: String?
        for setting in settings {
            if setting.yamlPath.count == 1 {
                openSection = nil
                lines.append("# \(setting.reason)")
                lines.append("\(setting.yamlPath[0]): \(setting.value)")
            } else {
                if openSection != setting.yamlPath[0] {
                    lines.append("\(setting.yamlPath[0]):")
                    openSection = setting.yamlPath[0]
                }
                lines.append("  # \(setting.reason)")
                lines.append("  \(setting.yamlPath[1]): \(setting.value)")
            }
        }
        lines += notes.map { "# \($0)" }
        for zone in zones { lines.append("# Private hosted zone \(zone.name) answers in: \(zone.vpcs.joined(separator: ", "))") }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Container environment variables (`KEY=value`), with the reasons as comments.
    public var environmentFile: String {
        var lines = ["# privatelinkd: Agent environment for setup \(setupID) (Datadog site \(siteID))."]
        for setting in settings {
            lines.append("# \(setting.reason)")
            lines.append("\(setting.environment)=\(setting.value)")
        }
        lines += notes.map { "# \($0)" }
        for zone in zones { lines.append("# Private hosted zone \(zone.name) answers in: \(zone.vpcs.joined(separator: ", "))") }
        return lines.joined(separator: "\n") + "\n"
    }
}
