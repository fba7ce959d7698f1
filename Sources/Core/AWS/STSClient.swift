import Foundation

/// STS (Query, 2011-06-15): who we are, and temporary credentials for another role.
public struct STSClient: Sendable {
    public let client: AWSClient
    public let region: String
    public let context: CallContext
    static let version = "2011-06-15"

    public init(client: AWSClient, region: String, context: CallContext = CallContext()) {
        self.client = client
        self.region = region
        self.context = context
    }

    public struct CallerIdentity: Sendable, Equatable {
        public let account: String
        public let arn: String
        public let userID: String
    }

    public func getCallerIdentity() throws -> CallerIdentity {
        let answer = try client.query(
            .sts, action: "GetCallerIdentity", version: Self.version, region: region,
            parameters: [], actionClass: .sts, context: context)
        guard let result = answer.child("GetCallerIdentityResult"), let account = result.text("Account") else {
            throw AWSResponseError(action: "GetCallerIdentity", reason: "no Account in the answer")
        }
        return CallerIdentity(account: account, arn: result.text("Arn") ?? "", userID: result.text("UserId") ?? "")
    }

    public func assumeRole(roleARN: String, sessionName: String, externalID: String? = nil, durationSeconds: Int = 3600) throws -> AWSCredentials {
        var p = QueryParameters()
        p.add("RoleArn", roleARN)
        p.add("RoleSessionName", sessionName)
        p.add("ExternalId", externalID)
        p.add("DurationSeconds", durationSeconds)
        let answer = try client.query(
            .sts, action: "AssumeRole", version: Self.version, region: region,
            parameters: p.items, actionClass: .sts, context: context)
        return try Self.credentials(answer, action: "AssumeRole", source: "assume-role:\(roleARN)")
    }

    /// Exchanges a web identity token (EKS service account) for role credentials. Unsigned by design.
    public func assumeRoleWithWebIdentity(roleARN: String, sessionName: String, token: String) throws -> AWSCredentials {
        var p = QueryParameters()
        p.add("Action", "AssumeRoleWithWebIdentity")
        p.add("Version", Self.version)
        p.add("RoleArn", roleARN)
        p.add("RoleSessionName", sessionName)
        p.add("WebIdentityToken", token)
        var request = AWSRequest(service: .sts, action: "AssumeRoleWithWebIdentity", region: region, actionClass: .sts)
        request.headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
        request.body = Array(AWSURIEncoding.form(p.items).utf8)
        request.unsigned = true
        let response = try client.send(request, context: context)
        let answer = try XMLTree.parse(Data(response.body))
        return try Self.credentials(answer, action: "AssumeRoleWithWebIdentity", source: "web-identity:\(roleARN)")
    }

    static func credentials(_ answer: XMLTree, action: String, source: String) throws -> AWSCredentials {
        guard let c = answer.find("Credentials"), let key = c.text("AccessKeyId"), let secret = c.text("SecretAccessKey") else {
            throw AWSResponseError(action: action, reason: "no Credentials in the answer")
        }
        return AWSCredentials(
            accessKeyID: key, secretAccessKey: secret, sessionToken: c.text("SessionToken"),
            expiration: c.text("Expiration").flatMap(Timestamp.date), source: source)
    }
}
