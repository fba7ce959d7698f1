import Foundation

/// The standard credential chain, in the standard order: environment; the shared config files'
/// profile (`AWS_PROFILE`, else `default`; with `role_arn` and `source_profile` or
/// `credential_source`); web identity (`AWS_WEB_IDENTITY_TOKEN_FILE` + `AWS_ROLE_ARN`, as on EKS);
/// container credentials (ECS); EC2 instance metadata (IMDSv2). The result is cached and refreshed
/// five minutes before it expires. Nothing is looked up until the first AWS call.
public final class CredentialChain: CredentialProvider {
    private let variables: [String: String]
    private let home: String?
    private let transport: any HTTPTransport
    private let clock: Clock
    private let cached: CachingCredentialProvider
    private let resolved = Locked<(any CredentialProvider)?>(nil)

    public init(
        variables: [String: String] = ProcessInfo.processInfo.environment, home: String? = nil,
        transport: any HTTPTransport = URLSessionTransport(), clock: Clock = .system
    ) {
        self.variables = variables
        self.home = home
        self.transport = transport
        self.clock = clock
        let box = Locked<CredentialChain?>(nil)
        cached = CachingCredentialProvider(clock: clock) {
            guard let chain = box.withLock({ $0 }) else { throw CredentialsNotFound(tried: []) }
            return try chain.resolve()
        }
        box.withLock { $0 = self }
    }

    public func credentials() throws -> AWSCredentials { try cached.credentials() }

    /// The region STS is called in for role assumptions.
    var stsRegion: String { AWSEnvironment(variables: variables).defaultRegion ?? "us-east-1" }

    /// Finds the first source that has credentials and asks it. A source that is configured but
    /// fails (a broken profile, an unreachable role) stops the chain with its error, as the SDKs do.
    func resolve() throws -> AWSCredentials {
        if let provider = resolved.withLock({ $0 }) { return try provider.credentials() }
        var tried: [String] = []
        let environment = EnvironmentCredentialProvider(variables: variables)
        if let found = environment.credentialsIfPresent() { return found }
        tried.append("environment (AWS_ACCESS_KEY_ID)")

        let files = SharedConfigFiles(variables: variables, home: home)
        let explicitProfile = variables["AWS_PROFILE"].flatMap { $0.isEmpty ? nil : $0 }
        let profileName = explicitProfile ?? "default"
        if let provider = try profileProvider(profileName, files: files, depth: 0) {
            return try remember(provider)
        } else if let explicitProfile {
            throw CredentialsError(
                source: "profile:\(explicitProfile)", reason: "AWS_PROFILE names a profile that is in neither ~/.aws/credentials nor ~/.aws/config")
        }
        tried.append("profile \(profileName)")

        if let tokenFile = variables["AWS_WEB_IDENTITY_TOKEN_FILE"], let role = variables["AWS_ROLE_ARN"] {
            return try remember(webIdentity(tokenFile: tokenFile, roleARN: role, sessionName: variables["AWS_ROLE_SESSION_NAME"]))
        }
        tried.append("web identity (AWS_WEB_IDENTITY_TOKEN_FILE)")

        if let container = ContainerCredentialProvider(variables: variables, transport: transport) {
            return try remember(container)
        }
        tried.append("container (AWS_CONTAINER_CREDENTIALS_*_URI)")

        if !InstanceMetadataCredentialProvider.isDisabled(variables) {
            do {
                return try remember(InstanceMetadataCredentialProvider(variables: variables, transport: transport))
            } catch {
                tried.append("instance metadata (\(error))")
            }
        } else {
            tried.append("instance metadata (disabled)")
        }
        throw CredentialsNotFound(tried: tried)
    }

    /// Keeps the source that worked, so refreshes go straight to it.
    private func remember(_ provider: any CredentialProvider) throws -> AWSCredentials {
        let credentials = try provider.credentials()
        resolved.withLock { $0 = provider }
        return credentials
    }

    func profileProvider(_ name: String, files: SharedConfigFiles, depth: Int) throws -> (any CredentialProvider)? {
        guard depth < 5 else { throw CredentialsError(source: "profile:\(name)", reason: "source_profile chain is too deep or circular") }
        guard let profile = files.profile(name) else { return nil }
        if let role = profile["role_arn"] {
            let base: any CredentialProvider
            if let source = profile["source_profile"] {
                if source == name, let keys = Self.staticKeys(profile, name) {
                    base = StaticCredentialProvider(keys)
                } else if let provider = try profileProvider(source, files: files, depth: depth + 1) {
                    base = provider
                } else {
                    throw CredentialsError(source: "profile:\(name)", reason: "source_profile \(source) not found")
                }
            } else if let source = profile["credential_source"] {
                switch source {
                case "Environment": base = EnvironmentCredentialProvider(variables: variables)
                case "Ec2InstanceMetadata": base = InstanceMetadataCredentialProvider(variables: variables, transport: transport)
                case "EcsContainer":
                    guard let container = ContainerCredentialProvider(variables: variables, transport: transport) else {
                        throw CredentialsError(source: "profile:\(name)", reason: "credential_source EcsContainer without container credentials variables")
                    }
                    base = container
                default: throw CredentialsError(source: "profile:\(name)", reason: "unknown credential_source \(source)")
                }
            } else {
                throw CredentialsError(source: "profile:\(name)", reason: "role_arn needs source_profile or credential_source")
            }
            return AssumeRoleProvider(
                roleARN: role, externalID: profile["external_id"],
                sessionName: profile["role_session_name"] ?? "privatelinkd", base: base,
                environment: AWSEnvironment(variables: variables), region: profile["region"] ?? stsRegion,
                transport: transport, clock: clock)
        }
        return Self.staticKeys(profile, name).map(StaticCredentialProvider.init)
    }

    static func staticKeys(_ profile: [String: String], _ name: String) -> AWSCredentials? {
        guard let key = profile["aws_access_key_id"], let secret = profile["aws_secret_access_key"] else { return nil }
        return AWSCredentials(accessKeyID: key, secretAccessKey: secret, sessionToken: profile["aws_session_token"], source: "profile:\(name)")
    }

    func webIdentity(tokenFile: String, roleARN: String, sessionName: String?) -> any CredentialProvider {
        let sts = STSClient(
            client: AWSClient(
                environment: AWSEnvironment(variables: variables),
                credentials: StaticCredentialProvider(AWSCredentials(accessKeyID: "", secretAccessKey: "")),
                transport: transport, clock: clock),
            region: stsRegion)
        return CachingCredentialProvider(clock: clock) {
            guard let token = try? String(contentsOfFile: tokenFile, encoding: .utf8) else {
                throw CredentialsError(source: "web-identity", reason: "cannot read AWS_WEB_IDENTITY_TOKEN_FILE \(tokenFile)")
            }
            return try sts.assumeRoleWithWebIdentity(
                roleARN: roleARN, sessionName: sessionName ?? "privatelinkd",
                token: token.trimmingCharacters(in: .whitespacesAndNewlines))
        }
    }
}

/// Credentials of a role assumed with `sts:AssumeRole` from base credentials; cached and renewed
/// before they expire.
public final class AssumeRoleProvider: CredentialProvider {
    private let cached: CachingCredentialProvider
    public let roleARN: String

    public init(
        roleARN: String, externalID: String?, sessionName: String, base: any CredentialProvider,
        environment: AWSEnvironment, region: String, transport: any HTTPTransport = URLSessionTransport(),
        recorder: (any AWSCallRecorder)? = nil, clock: Clock = .system
    ) {
        self.roleARN = roleARN
        let sts = STSClient(
            client: AWSClient(
                environment: environment, credentials: base, transport: transport,
                recorder: recorder, clock: clock),
            region: region)
        cached = CachingCredentialProvider(clock: clock) {
            try sts.assumeRole(roleARN: roleARN, sessionName: sessionName, externalID: externalID)
        }
    }

    public func credentials() throws -> AWSCredentials { try cached.credentials() }
}

/// One `AssumeRoleProvider` per (role, external id), shared by every setup that names that role,
/// so their workers reuse one set of temporary credentials.
public final class AssumedRoles: Sendable {
    private let providers = Locked<[String: AssumeRoleProvider]>([:])
    private let make: @Sendable (String, String?, String) -> AssumeRoleProvider

    public init(
        base: any CredentialProvider, environment: AWSEnvironment, region: String,
        transport: any HTTPTransport = URLSessionTransport(), recorder: (any AWSCallRecorder)? = nil, clock: Clock = .system
    ) {
        make = { role, externalID, sessionName in
            AssumeRoleProvider(
                roleARN: role, externalID: externalID, sessionName: sessionName, base: base,
                environment: environment, region: region, transport: transport, recorder: recorder, clock: clock)
        }
    }

    /// The role's credentials for one session name (each actor's own session, so the customer's
    /// CloudTrail names who asked), cached per role, external id and session name.
    public func provider(roleARN: String, externalID: String?, sessionName: String = RoleSessionName.service) -> AssumeRoleProvider {
        providers.withLock { providers in
            let key = roleARN + "\u{0}" + (externalID ?? "") + "\u{0}" + sessionName
            if let existing = providers[key] { return existing }
            let created = make(roleARN, externalID, sessionName)
            providers[key] = created
            return created
        }
    }
}
