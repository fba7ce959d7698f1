import Foundation

extension Provisioner {
    /// A hub's (or a `vpc_peering` setup's) zone steps; nil for modes without zones.
    func zoneSteps(setup: SetupRecord, job: JobRecord, owner: String, context: CallContext) -> ZoneSteps? {
        guard setup.mode.makesHostedZones else { return nil }
        return ZoneSteps(
            setup: setup, job: job, owner: owner, queue: queue, store: store, route53: aws.route53(context: context, partitionRegion: setup.region))
    }
}
