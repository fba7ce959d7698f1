/// AWS's own services a setup may ask endpoints for beside the Datadog ones (`extra_services`):
/// Secrets Manager, which the Lambda Extension needs when it reads the API key from
/// `DD_API_KEY_SECRET_ARN`. They live in the setup's own region, never across regions.
public enum AWSServiceEndpoints {
    public static let supported = ["secretsmanager"]

    /// `com.amazonaws.<region>.secretsmanager`
    public static func serviceName(_ id: String, region: String) -> String { "com.amazonaws.\(region).\(id)" }

    /// `secretsmanager.<region>.amazonaws.com`, what private DNS answers for.
    public static func privateDNSName(_ id: String, region: String) -> String { "\(id).\(region).amazonaws.com" }

    /// Whether a service name is one of AWS's own (no ServiceRegion, no Datadog catalog entry).
    public static func isAWSService(_ serviceName: String) -> Bool {
        serviceName.hasPrefix("com.amazonaws.") && !serviceName.hasPrefix("com.amazonaws.vpce.")
    }
}
