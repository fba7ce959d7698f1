import Foundation

/// The three AWS services privatelinkd calls, with how each is addressed and signed.
public enum AWSService: String, Sendable, CaseIterable {
    case ec2, route53, sts

    /// The `AWS_ENDPOINT_URL_<ID>` suffix (the service id, upper-cased, spaces as underscores).
    var endpointVariable: String {
        switch self {
        case .ec2: return "AWS_ENDPOINT_URL_EC2"
        case .route53: return "AWS_ENDPOINT_URL_ROUTE_53"
        case .sts: return "AWS_ENDPOINT_URL_STS"
        }
    }

    /// Route53 is global and signed in us-east-1 (aws-us-gov-global in GovCloud: us-gov-west-1).
    func signingRegion(for region: String) -> String {
        guard self == .route53 else { return region }
        return region.hasPrefix("us-gov-") ? "us-gov-west-1" : "us-east-1"
    }
}

/// Where AWS is, read from the standard environment: `AWS_REGION` / `AWS_DEFAULT_REGION` and
/// `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` (which point everything at an emulator or proxy).
public struct AWSEnvironment: Sendable {
    public let variables: [String: String]

    public init(variables: [String: String] = ProcessInfo.processInfo.environment) { self.variables = variables }

    public var defaultRegion: String? {
        [variables["AWS_REGION"], variables["AWS_DEFAULT_REGION"]].compactMap { $0 }.first { !$0.isEmpty }
    }

    /// The base URL for a service in a region.
    public func endpoint(_ service: AWSService, region: String) -> URL {
        if let specific = variables[service.endpointVariable], !specific.isEmpty, let url = URL(string: specific) { return url }
        if let global = variables["AWS_ENDPOINT_URL"], !global.isEmpty, let url = URL(string: global) { return url }
        switch service {
        case .ec2: return URL(string: "https://ec2.\(region).amazonaws.com")!
        case .sts: return URL(string: "https://sts.\(region).amazonaws.com")!
        case .route53:
            return URL(string: region.hasPrefix("us-gov-") ? "https://route53.us-gov.amazonaws.com" : "https://route53.amazonaws.com")!
        }
    }
}
