import Foundation
import Testing
@testable import Core

/// Each source of the chain, its precedence, expiry refresh and the IMDSv2 token flow. Every test
/// passes its own variables (never the process's) and disables or fakes instance metadata, so no
/// test can reach 169.254.169.254.
@Suite struct CredentialChainTests {
    func folder() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("aws-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path + "/.aws", withIntermediateDirectories: true)
        return path
    }

    let noMetadata = ["AWS_EC2_METADATA_DISABLED": "true"]

    @Test func environmentComesFirst() throws {
        let home = try folder()
        try "[default]\naws_access_key_id = AKIAFROMFILE\naws_secret_access_key = file\n".write(
            toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        let chain = CredentialChain(
            variables: noMetadata.merging(["AWS_ACCESS_KEY_ID": "AKIAFROMENV", "AWS_SECRET_ACCESS_KEY": "env", "AWS_SESSION_TOKEN": "tok"]) { a, _ in a },
            home: home)
        let found = try chain.credentials()
        #expect(found.accessKeyID == "AKIAFROMENV" && found.sessionToken == "tok" && found.source == "environment")
        let fromFile = try CredentialChain(variables: noMetadata, home: home).credentials()
        #expect(fromFile.accessKeyID == "AKIAFROMFILE" && fromFile.source == "profile:default")
    }

    @Test func namedProfileFromCredentialsAndConfigFiles() throws {
        let home = try folder()
        try """
        [default]
        aws_access_key_id = AKIADEFAULT
        aws_secret_access_key = d
        [ops]
        aws_access_key_id = AKIAOPS
        aws_secret_access_key = o
        aws_session_token = session-ops
        """.write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try "[profile cfgonly]\naws_access_key_id = AKIACFG\naws_secret_access_key = c\nregion = eu-west-1\n[sso-session x]\nsso_region = us-east-1\n"
            .write(toFile: home + "/.aws/config", atomically: true, encoding: .utf8)
        let ops = try CredentialChain(variables: noMetadata.merging(["AWS_PROFILE": "ops"]) { a, _ in a }, home: home).credentials()
        #expect(ops.accessKeyID == "AKIAOPS" && ops.sessionToken == "session-ops")
        let cfg = try CredentialChain(variables: noMetadata.merging(["AWS_PROFILE": "cfgonly"]) { a, _ in a }, home: home).credentials()
        #expect(cfg.accessKeyID == "AKIACFG")
        #expect {
            try CredentialChain(variables: noMetadata.merging(["AWS_PROFILE": "missing"]) { a, _ in a }, home: home).credentials()
        } throws: { "\($0)".contains("AWS_PROFILE names a profile") }
    }

    @Test func profileWithRoleARNAssumesTheRoleThroughSTS() throws {
        let moto = try MotoServer.shared()
        let home = try folder()
        try "[base]\naws_access_key_id = AKIABASE\naws_secret_access_key = b\n".write(toFile: home + "/.aws/credentials", atomically: true, encoding: .utf8)
        try "[profile deployer]\nrole_arn = arn:aws:iam::123456789012:role/deployer\nsource_profile = base\nexternal_id = x-1\n"
            .write(toFile: home + "/.aws/config", atomically: true, encoding: .utf8)
        let variables = noMetadata.merging(["AWS_PROFILE": "deployer", "AWS_ENDPOINT_URL": moto.url.absoluteString, "AWS_REGION": "us-east-1"]) { a, _ in a }
        let assumed = try CredentialChain(variables: variables, home: home).credentials()
        #expect(assumed.source == "assume-role:arn:aws:iam::123456789012:role/deployer")
        #expect(assumed.accessKeyID.hasPrefix("ASIA") && assumed.sessionToken != nil && assumed.expiration != nil)
    }

    @Test func webIdentityAsOnEKS() throws {
        let moto = try MotoServer.shared()
        let home = try folder()
        try "eyJ.web.identity".write(toFile: home + "/token", atomically: true, encoding: .utf8)
        let variables = noMetadata.merging([
            "AWS_WEB_IDENTITY_TOKEN_FILE": home + "/token", "AWS_ROLE_ARN": "arn:aws:iam::123456789012:role/eks-pod",
            "AWS_ENDPOINT_URL": moto.url.absoluteString, "AWS_REGION": "eu-west-1",
        ]) { a, _ in a }
        let found = try CredentialChain(variables: variables, home: home).credentials()
        #expect(found.source == "web-identity:arn:aws:iam::123456789012:role/eks-pod")
        #expect(found.sessionToken?.isEmpty == false)
    }

    @Test func containerCredentialsWithAuthorizationToken() throws {
        let server = try FakeHTTPServer { request in
            guard request.headers["authorization"] == "Bearer ecs-token" else { return (401, "") }
            return (200, #"{"AccessKeyId":"ASIACONTAINER","SecretAccessKey":"c","Token":"t","Expiration":"2099-01-01T00:00:00Z"}"#)
        }
        let home = try folder()
        try "Bearer ecs-token\n".write(toFile: home + "/auth", atomically: true, encoding: .utf8)
        let found = try CredentialChain(
            variables: noMetadata.merging([
                "AWS_CONTAINER_CREDENTIALS_FULL_URI": server.url + "/v2/credentials", "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": home + "/auth",
            ]) { a, _ in a }, home: home
        ).credentials()
        #expect(found.accessKeyID == "ASIACONTAINER" && found.source == "container")
        #expect(server.requests.withLock { $0.map(\.path) } == ["/v2/credentials"])
    }

    @Test func instanceMetadataUsesIMDSv2TokensAndRefreshesBeforeExpiry() throws {
        let time = VirtualClock()
        let issued = Locked(0)
        let server = try FakeHTTPServer { request in
            switch (request.method, request.path) {
            case ("PUT", "/latest/api/token"):
                return request.headers["x-aws-ec2-metadata-token-ttl-seconds"] != nil ? (200, "imds-token") : (400, "")
            case (_, _) where request.headers["x-aws-ec2-metadata-token"] != "imds-token":
                return (401, "")  // IMDSv2 only: no token, no answer
            case ("GET", "/latest/meta-data/iam/security-credentials/"):
                return (200, "node-role")
            case ("GET", "/latest/meta-data/iam/security-credentials/node-role"):
                let n = issued.withLock {
                    $0 += 1; return $0
                }
                let expiry = Timestamp.string(time.clock.now().addingTimeInterval(3600))
                return (200, #"{"Code":"Success","AccessKeyId":"ASIAIMDS\#(n)","SecretAccessKey":"s","Token":"t","Expiration":"\#(expiry)"}"#)
            default:
                return (404, "")
            }
        }
        let home = try folder()
        let chain = CredentialChain(variables: ["AWS_EC2_METADATA_SERVICE_ENDPOINT": server.url], home: home, clock: time.clock)
        #expect(try chain.credentials().accessKeyID == "ASIAIMDS1")
        time.sleep(3600 - 301)  // still more than five minutes left: cached
        #expect(try chain.credentials().accessKeyID == "ASIAIMDS1")
        time.sleep(2)  // inside the five-minute margin: fetched again
        #expect(try chain.credentials().accessKeyID == "ASIAIMDS2")
        let calls = server.requests.withLock { $0 }
        #expect(calls.first?.method == "PUT")
        #expect(calls.filter { $0.method == "GET" }.allSatisfy { $0.headers["x-aws-ec2-metadata-token"] == "imds-token" })
    }

    @Test func nothingFoundSaysWhatWasTried() throws {
        #expect {
            try CredentialChain(variables: noMetadata, home: try folder()).credentials()
        } throws: { error in
            guard let error = error as? CredentialsNotFound else { return false }
            return error.tried.count == 5 && error.description.contains("instance metadata (disabled)")
        }
    }

    @Test func assumedRolesAreCachedPerRole() throws {
        let moto = try MotoServer.shared()
        let roles = AssumedRoles(base: StaticCredentialProvider(MotoServer.credentials), environment: moto.environment(), region: "us-east-1")
        let a = roles.provider(roleARN: "arn:aws:iam::111111111111:role/a", externalID: nil)
        #expect(roles.provider(roleARN: "arn:aws:iam::111111111111:role/a", externalID: nil) === a)
        #expect(roles.provider(roleARN: "arn:aws:iam::111111111111:role/a", externalID: "x") !== a)
        let first = try a.credentials()
        #expect(try a.credentials() == first)  // cached, not assumed again
    }
}
