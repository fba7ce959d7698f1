import Foundation

/// Builds the AWS clients a setup's work uses: the default credential chain, or the setup's
/// `role_arn` assumed through STS (cached per role); every call tagged with the setup and job.
public final class AWSAccess: Sendable {
    public let client: AWSClient
    let roles: AssumedRoles

    public init(client: AWSClient, stsRegion: String) {
        self.client = client
        roles = AssumedRoles(base: client.credentials, environment: client.environment, region: stsRegion,
                             transport: client.transport, recorder: client.recorder, clock: client.clock)
    }

    public func context(accountID: String?, roleARN: String?, externalID: String?, setupID: String?, jobID: String?) -> CallContext {
        CallContext(accountID: accountID, setupID: setupID, jobID: jobID,
                    credentials: roleARN.map { roles.provider(roleARN: $0, externalID: externalID) })
    }

    public func ec2(region: String, context: CallContext) -> EC2Client { EC2Client(client: client, region: region, context: context) }
    public func route53(context: CallContext, partitionRegion: String) -> Route53Client {
        Route53Client(client: client, context: context, partitionRegion: partitionRegion)
    }
}
