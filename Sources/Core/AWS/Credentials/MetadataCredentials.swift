import Foundation

/// EC2 instance metadata (IMDSv2): a session token from `PUT /latest/api/token`, then the role's
/// credentials. `AWS_EC2_METADATA_SERVICE_ENDPOINT` moves it (tests: a fake on loopback);
/// `AWS_EC2_METADATA_DISABLED=true` turns it off.
public struct InstanceMetadataCredentialProvider: CredentialProvider {
    public let endpoint: URL
    let transport: any HTTPTransport
    let timeout: TimeInterval

    public init(variables: [String: String], transport: any HTTPTransport = URLSessionTransport(), timeout: TimeInterval = 1) {
        endpoint = URL(string: variables["AWS_EC2_METADATA_SERVICE_ENDPOINT"] ?? "http://169.254.169.254")!
        self.transport = transport
        self.timeout = timeout
    }

    public static func isDisabled(_ variables: [String: String]) -> Bool {
        variables["AWS_EC2_METADATA_DISABLED"]?.lowercased() == "true"
    }

    public func credentials() throws -> AWSCredentials {
        let base = endpoint.absoluteString.hasSuffix("/") ? String(endpoint.absoluteString.dropLast()) : endpoint.absoluteString
        func call(_ method: String, _ path: String, _ headers: [(name: String, value: String)]) throws -> TransportResponse {
            let response: TransportResponse
            do {
                response = try transport.send(TransportRequest(method: method, url: URL(string: base + path)!, headers: headers, timeout: timeout))
            } catch let failure as TransportFailure {
                throw CredentialsError(source: "imds", reason: "no answer from \(base): \(failure.reason)")
            }
            guard response.status == 200 else { throw CredentialsError(source: "imds", reason: "\(method) \(path) answered \(response.status)") }
            return response
        }
        let token = String(decoding: try call("PUT", "/latest/api/token", [("X-aws-ec2-metadata-token-ttl-seconds", "21600")]).body, as: UTF8.self)
        let auth = [(name: "X-aws-ec2-metadata-token", value: token)]
        let roles = String(decoding: try call("GET", "/latest/meta-data/iam/security-credentials/", auth).body, as: UTF8.self)
        guard let role = roles.split(whereSeparator: \.isNewline).first.map(String.init), !role.isEmpty else {
            throw CredentialsError(source: "imds", reason: "the instance has no IAM role")
        }
        let body = try call("GET", "/latest/meta-data/iam/security-credentials/\(role)", auth).body
        return try MetadataDocument.credentials(body, source: "imds:\(role)")
    }
}

/// ECS/EKS Pod Identity container credentials: `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI` (below
/// 169.254.170.2) or `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN`
/// or `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` as the Authorization header.
public struct ContainerCredentialProvider: CredentialProvider {
    public let url: URL
    let authorization: @Sendable () -> String?
    let transport: any HTTPTransport

    public init?(variables: [String: String], transport: any HTTPTransport = URLSessionTransport()) {
        if let relative = variables["AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"], let url = URL(string: "http://169.254.170.2" + relative) {
            self.url = url
        } else if let full = variables["AWS_CONTAINER_CREDENTIALS_FULL_URI"], let url = URL(string: full) {
            self.url = url
        } else {
            return nil
        }
        let token = variables["AWS_CONTAINER_AUTHORIZATION_TOKEN"]
        let tokenFile = variables["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"]
        authorization = {
            if let tokenFile, let text = try? String(contentsOfFile: tokenFile, encoding: .utf8) {
                return text.trimmingCharacters(in: .whitespacesAndNewlines)
            }
            return token
        }
        self.transport = transport
    }

    public func credentials() throws -> AWSCredentials {
        var headers: [(name: String, value: String)] = []
        if let token = authorization() { headers.append(("Authorization", token)) }
        let response: TransportResponse
        do { response = try transport.send(TransportRequest(method: "GET", url: url, headers: headers, timeout: 2)) } catch let failure as TransportFailure {
            throw CredentialsError(source: "container", reason: "no answer from \(url): \(failure.reason)")
        }
        guard response.status == 200 else { throw CredentialsError(source: "container", reason: "\(url) answered \(response.status)") }
        return try MetadataDocument.credentials(response.body, source: "container")
    }
}

/// The JSON both metadata services answer: `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration`.
enum MetadataDocument {
    static func credentials(_ body: [UInt8], source: String) throws -> AWSCredentials {
        guard let json = try? JSON.parse(body), let key = json["AccessKeyId"]?.stringValue,
            let secret = json["SecretAccessKey"]?.stringValue
        else {
            throw CredentialsError(source: source, reason: "the answer holds no credentials")
        }
        return AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: json["Token"]?.stringValue,
            expiration: json["Expiration"]?.stringValue.flatMap(Timestamp.date), source: source)
    }
}
