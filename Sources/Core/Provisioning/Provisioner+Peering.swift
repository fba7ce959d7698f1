import Foundation

extension Provisioner {
    /// The peering side of a `vpc_peering` setup: the agents' region, account and role.
    func peeringSteps(setup: SetupRecord, request: JSON, job: JobRecord, owner: String, context: CallContext) throws -> PeeringSteps? {
        guard setup.mode.makesHostedZones else { return nil }
        // A hub has no peer: its zone steps (zones, records, their teardown) are the peering
        // steps that never reach past the hub's own VPC, so the hub stands in as the peer.
        guard let peer = setup.mode == .hub ? PeerRequest(vpcID: setup.vpcID, region: setup.region) : PeerRequest(stored: request["peer"]) else {
            return nil
        }
        let peerContext = otherSideContext(peer, of: setup, job: job, sameSide: context)
        return PeeringSteps(
            setup: setup, peer: peer, job: job, owner: owner, queue: queue, store: store,
            ec2: aws.ec2(region: setup.region, context: context), peerEC2: aws.ec2(region: peer.region, context: peerContext),
            route53: aws.route53(context: context, partitionRegion: setup.region),
            peerRoute53: aws.route53(context: peerContext, partitionRegion: peer.region))
    }

    /// The calls on the agents' (or a spoke's) side: the setup's own context when it is the same
    /// account without a role, else that account through its role, tagged with the same job.
    func otherSideContext(_ side: PeerRequest, of setup: SetupRecord, job: JobRecord, sameSide context: CallContext) -> CallContext {
        guard side.roleARN != nil || (side.accountID != nil && side.accountID != setup.accountID) else { return context }
        return aws.context(
            accountID: side.accountID ?? setup.accountID, roleARN: side.roleARN, externalID: side.externalID, setupID: setup.id, jobID: job.id, job: job)
    }
}
