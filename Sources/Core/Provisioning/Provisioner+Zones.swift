import Foundation

extension Provisioner {
    /// A hub's (or a `vpc_peering` setup's) zone steps; nil for modes without zones.
    func zoneSteps(setup: SetupRecord, job: JobRecord, owner: String, context: CallContext) -> ZoneSteps? {
        guard setup.mode.makesHostedZones else { return nil }
        return ZoneSteps(
            setup: setup, job: job, owner: owner, queue: queue, store: store, route53: aws.route53(context: context, partitionRegion: setup.region))
    }

    /// The calls on a spoke's side (a setup's peer included): the setup's own context when it is
    /// the same account without a role, else that account through its role, tagged with the same job.
    func otherSideContext(_ side: PeerRequest, of setup: SetupRecord, job: JobRecord, sameSide context: CallContext) -> CallContext {
        guard side.roleARN != nil || (side.accountID != nil && side.accountID != setup.accountID) else { return context }
        return aws.context(
            accountID: side.accountID ?? setup.accountID, roleARN: side.roleARN, externalID: side.externalID, setupID: setup.id, jobID: job.id, job: job)
    }
}
