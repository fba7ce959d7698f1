/// `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and optionally `AWS_SESSION_TOKEN`.
public struct EnvironmentCredentialProvider: CredentialProvider {
    public let variables: [String: String]

    public init(variables: [String: String]) { self.variables = variables }

    /// Nil when the environment holds no key pair (the chain then tries the next source).
    public func credentialsIfPresent() -> AWSCredentials? {
        guard let key = variables["AWS_ACCESS_KEY_ID"], !key.isEmpty,
            let secret = variables["AWS_SECRET_ACCESS_KEY"], !secret.isEmpty
        else { return nil }
        let token = variables["AWS_SESSION_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: token, source: "environment")
    }

    public func credentials() throws -> AWSCredentials {
        guard let found = credentialsIfPresent() else { throw CredentialsNotFound(tried: ["environment"]) }
        return found
    }
}
