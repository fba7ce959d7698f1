import Foundation

/// One Datadog intake reachable over PrivateLink at one site.
public struct CatalogService: Sendable, Equatable, Codable {
    /// Catalog id: `logs_agent`, `logs_user`, `api`, `metrics`, …
    public let id: String
    public let displayName: String
    /// `com.amazonaws.vpce.<region>.vpce-svc-…`; `nil` on sites without PrivateLink.
    public let serviceName: String?
    /// The name the endpoint service announces (a colour anchor on two-level-DNS sites).
    public let privateDNSName: String?
    /// The hostname Agents connect to; a CNAME to `privateDNSName` where the two differ.
    public let hostname: String?

    enum CodingKeys: String, CodingKey {
        case id, displayName = "display_name", serviceName = "service_name"
        case privateDNSName = "private_dns_name", hostname
    }

    /// Whether the hostname reaches the endpoint through a CNAME to an anchor name.
    public var usesAnchor: Bool { hostname != nil && privateDNSName != nil && hostname != privateDNSName }

    /// The names a verification checks: the hostname Agents use and, on two-level DNS sites, the
    /// anchor name it is a CNAME to.
    public var verificationNames: [String] {
        var names = [hostname ?? privateDNSName].compactMap { $0 }
        if usesAnchor, let anchor = privateDNSName { names.append(anchor) }
        return names
    }
}

/// One Datadog site and, where PrivateLink is offered, the region and services it offers there.
public struct Site: Sendable, Equatable, Codable {
    public let id: String
    public let datacenter: String
    /// The Datadog domain: `datadoghq.com`, `ap2.datadoghq.com`, …
    public let domain: String
    /// The AWS region of the site's PrivateLink services; `nil` where unsupported.
    public let awsRegion: String?
    public let privateLinkSupported: Bool
    /// The console label of the service region, for cross-region endpoints.
    public let crossRegionLabel: String?
    public let services: [CatalogService]

    enum CodingKeys: String, CodingKey {
        case id, datacenter, domain, awsRegion = "aws_region", privateLinkSupported = "privatelink_supported"
        case crossRegionLabel = "cross_region_label", services
    }

    public func service(_ id: String) -> CatalogService? { services.first { $0.id == id } }
}

/// The Datadog site catalog: bundled with the build, replaceable with `--catalog PATH` so operators
/// can follow Datadog's changes without a new build.
public struct Catalog: Sendable, Equatable, Codable {
    public let version: Int
    public let source: String?
    public let unsupportedMessage: String
    public let sites: [Site]

    enum CodingKeys: String, CodingKey {
        case version, source, unsupportedMessage = "unsupported_message", sites
    }

    /// The ten service ids, in the guide's order.
    public static let serviceIDs = [
        "logs_agent", "logs_user", "api", "metrics", "containers",
        "process", "profiling", "traces", "dbm", "remote_config",
    ]

    public func site(_ id: String) -> Site? { sites.first { $0.id == id } }
    public var supportedSites: [Site] { sites.filter(\.privateLinkSupported) }

    /// Where the catalog shipped in the package is.
    public static var bundledURL: URL? { Bundle.module.url(forResource: "catalog", withExtension: "json") }

    /// The catalog shipped in the package.
    public static func bundled() throws -> Catalog {
        guard let url = bundledURL else {
            throw CatalogError.invalid(path: "catalog.json (bundled)", reason: "resource missing from the build")
        }
        return try load(from: url)
    }

    /// Reads and checks a catalog file.
    public static func load(from url: URL) throws -> Catalog {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw CatalogError.invalid(path: url.path, reason: "cannot read: \(error.localizedDescription)")
        }
        let catalog: Catalog
        do { catalog = try JSONDecoder().decode(Catalog.self, from: data) } catch {
            throw CatalogError.invalid(path: url.path, reason: "not a catalog document: \(error)")
        }
        let problems = catalog.problems()
        guard problems.isEmpty else {
            throw CatalogError.invalid(path: url.path, reason: problems.joined(separator: "; "))
        }
        return catalog
    }

    /// What is wrong with this catalog: every supported site needs a region and, for each of the ten
    /// services, a service name in that region and a private DNS name.
    public func problems() -> [String] {
        var problems: [String] = []
        var seen = Set<String>()
        for site in sites {
            if !seen.insert(site.id).inserted { problems.append("site \(site.id) appears twice") }
            guard site.privateLinkSupported else { continue }
            guard let region = site.awsRegion, AWSRegions.isKnown(region) else {
                problems.append("site \(site.id) is supported but has no known AWS region")
                continue
            }
            for id in Catalog.serviceIDs {
                guard let service = site.service(id) else {
                    problems.append("site \(site.id) lacks service \(id)")
                    continue
                }
                if service.serviceName?.hasPrefix("com.amazonaws.vpce.\(region).vpce-svc-") != true {
                    problems.append("site \(site.id) service \(id): service name must be com.amazonaws.vpce.\(region).vpce-svc-…")
                }
                if (service.privateDNSName ?? "").isEmpty || (service.hostname ?? "").isEmpty {
                    problems.append("site \(site.id) service \(id): private DNS name and hostname are required")
                }
            }
        }
        return problems
    }
}

/// The catalog file could not be used.
public enum CatalogError: Error, CustomStringConvertible {
    case invalid(path: String, reason: String)
    public var description: String {
        switch self {
        case let .invalid(path, reason): return "catalog \(path): \(reason)"
        }
    }
}
