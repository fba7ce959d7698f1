import Foundation

/// Builds the AWS clients a setup's work uses: the default credential chain, or the setup's
/// `role_arn` assumed through STS (cached per role); every call tagged with the setup and job.
public final class AWSAccess: Sendable {
    public let client: AWSClient
    let roles: AssumedRoles

    public init(client: AWSClient, stsRegion: String) {
        self.client = client
        roles = AssumedRoles(
            base: client.credentials, environment: client.environment, region: stsRegion,
            transport: client.transport, recorder: client.recorder, clock: client.clock)
    }

    /// A call context; with `job`, the role session is named after who asked for the job and
    /// every call carries the job's API request id.
    public func context(
        accountID: String?, roleARN: String?, externalID: String?, setupID: String?, jobID: String?, job: JobRecord? = nil
    ) -> CallContext {
        let sessionName = RoleSessionName.forActor(job?.requestedBy)
        return CallContext(
            accountID: accountID, setupID: setupID, jobID: jobID ?? job?.id,
            credentials: roleARN.map { roles.provider(roleARN: $0, externalID: externalID, sessionName: sessionName) },
            apiRequestID: job?.apiRequestID)
    }

    /// The context of a setup's own calls: its account, its role (with the stored request's
    /// `external_id`), tagged with the setup and the job.
    public func context(for setup: SetupRecord, request: JSON, job: JobRecord?) -> CallContext {
        context(
            accountID: setup.accountID, roleARN: setup.roleARN, externalID: request["external_id"]?.stringValue,
            setupID: setup.id, jobID: job?.id, job: job)
    }

    /// The calls on a spoke's side (a setup's peer included): the setup's own context when it is
    /// the same account without a role, else that account through its role, tagged with the same job.
    public func context(forSide side: PeerRequest, of setup: SetupRecord, job: JobRecord?, sameSide context: CallContext) -> CallContext {
        guard side.roleARN != nil || (side.accountID != nil && side.accountID != setup.accountID) else { return context }
        return self.context(
            accountID: side.accountID ?? setup.accountID, roleARN: side.roleARN, externalID: side.externalID, setupID: setup.id, jobID: job?.id,
            job: job)
    }

    public func ec2(region: String, context: CallContext) -> EC2Client { EC2Client(client: client, region: region, context: context) }

    /// Whose endpoint it is, for AWS: calls are grouped by this, one describe per group.
    public struct EndpointOwner: Hashable, Sendable {
        public let account: String?
        public let region: String
        public let roleARN: String?
        public let externalID: String?
    }

    /// AWS's view of many endpoints with one `DescribeVpcEndpoints` per owner (account, region,
    /// role); an endpoint AWS no longer has is absent from the answer.
    public func describeEndpoints<T>(_ items: [T], owner: (T) -> EndpointOwner, id: (T) -> String) throws -> [String: VpcEndpoint] {
        var found: [String: VpcEndpoint] = [:]
        for (group, members) in Dictionary(grouping: items, by: owner) {
            let context = self.context(accountID: group.account, roleARN: group.roleARN, externalID: group.externalID, setupID: nil, jobID: nil)
            for endpoint in try EndpointPoller.describeTolerant(ec2(region: group.region, context: context), ids: members.map(id)) {
                found[endpoint.id] = endpoint
            }
        }
        return found
    }
    public func route53(context: CallContext, partitionRegion: String) -> Route53Client {
        Route53Client(client: client, context: context, partitionRegion: partitionRegion)
    }
}
