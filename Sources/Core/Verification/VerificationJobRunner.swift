import Foundation
import Logging

/// Runs `verify` jobs: reads the endpoints' network-interface IPs from AWS, checks every name of
/// the setup, and stores the run with its checks in the transaction that ends the job.
public final class VerificationJobRunner: Sendable {
    let store: SetupStore
    let queue: JobQueue
    let aws: AWSAccess?
    let catalog: Catalog
    let verifier: Verifier
    public let settings: VerificationSettings
    let logger: Logger

    public init(store: SetupStore, aws: AWSAccess?, catalog: Catalog, verifier: Verifier, settings: VerificationSettings, logger: Logger) {
        self.store = store
        self.queue = JobQueue(database: store.database, clock: store.clock)
        self.aws = aws
        self.catalog = catalog
        self.verifier = verifier
        self.settings = settings
        self.logger = logger
    }

    /// Runs one claimed job to its end.
    public func run(_ job: JobRecord, owner: String) {
        do {
            try queue.beginStep(job, owner: owner, step: Step.verify.text)
            try queue.whileHeld(job.id, owner: owner) { db, now in try VerificationRows.markRunning(db, jobID: job.id, now: now) }
            guard let detail = try store.get(job.setupID) else { throw StepFailure("setup_missing", "setup \(job.setupID) no longer exists") }
            let (addresses, note) = endpointAddresses(detail, job: job)
            let targets = VerificationTargets.of(detail, site: catalog.site(detail.setup.site), addresses: addresses)
            guard !targets.isEmpty else { throw StepFailure("nothing_to_verify", "setup \(detail.setup.id) has no endpoints to verify") }
            var checks = verifier.check(targets)
            var notes = [note].compactMap { $0 }
            // A spoke's run also reads the way from the spoke's VPC, as AWS describes it.
            if let (path, problem) = spokePath(detail.setup, job: job, owner: owner) {
                if let path { checks = checks.map(path.judge) }
                notes += [problem].compactMap { $0 }
            }
            let outcome = VerificationOutcome(
                resolver: settings.resolverLabel, endpointAddressesKnown: addresses != nil, note: notes.isEmpty ? nil : notes.joined(separator: "; "),
                checks: checks)
            let passed = outcome.checks.filter(\.passed).count
            try queue.finish(
                job, owner: owner, state: .succeeded, setupStatus: nil,
                reason: "verification \(passed == outcome.checks.count ? "passed" : "failed"): \(passed) of \(outcome.checks.count) names pass"
            ) { db, now in
                _ = try VerificationRows.finish(db, jobID: job.id, outcome: outcome, now: now)
            }
        } catch is LeaseLost {
            logger.notice("lease lost on a verification", metadata: ["job": "\(job.id)"])
        } catch {
            let message = (error as? StepFailure)?.message ?? "\(error)"
            try? queue.finish(
                job, owner: owner, state: .failed, setupStatus: nil, reason: message,
                error: ((error as? StepFailure)?.code ?? "verification_error", message)
            ) { db, now in
                try VerificationRows.fail(db, jobID: job.id, note: message, now: now)
            }
        }
    }

    /// For a spoke's run: the spoke's view of the way to the endpoints, or why it could not be
    /// read. nil for a setup's own run.
    func spokePath(_ hub: SetupRecord, job: JobRecord, owner: String) -> (SpokePath?, String?)? {
        do {
            guard let spokeID = try store.database.read({ try VerificationRows.spokeID($0, jobID: job.id) }),
                let spoke = try store.spoke(spokeID)
            else { return nil }
            guard let aws else { return (nil, "the spoke's view unknown: no AWS access; checked from privatelinkd only") }
            let steps = SpokeSteps(
                hub: hub, request: try store.storedRequest(hub.id), spoke: spoke, job: job, owner: owner, queue: queue, store: store, aws: aws)
            return (try steps.path(), nil)
        } catch {
            logger.warning("cannot read the spoke's view", metadata: ["job": "\(job.id)", "error": "\(error)"])
            return (nil, "the spoke's view unknown (\(error)); checked from privatelinkd only")
        }
    }

    /// Each endpoint row's network-interface IPs (`DescribeNetworkInterfaces`), or `nil` and the
    /// reason when AWS cannot tell (then the check is "private" only, and says so).
    func endpointAddresses(_ detail: SetupDetail, job: JobRecord) -> ([String: Set<String>]?, String?) {
        guard let aws else { return (nil, "endpoint addresses unknown: no AWS access; checked that names resolve to private addresses only") }
        let setup = detail.setup
        do {
            let context = aws.context(for: setup, request: try store.storedRequest(setup.id), job: job)
            let ec2 = aws.ec2(region: setup.region, context: context)
            var interfaces: [String: [String]] = [:]  // endpoint row → ENI ids
            let missing = detail.endpoints.filter { $0.networkInterfaceIDs.isEmpty && $0.vpcEndpointID != nil }
            let described = missing.isEmpty ? [] : try ec2.describeVpcEndpoints(ids: missing.compactMap(\.vpcEndpointID))
            for endpoint in detail.endpoints {
                interfaces[endpoint.id] =
                    endpoint.networkInterfaceIDs.isEmpty
                    ? described.first { $0.id == endpoint.vpcEndpointID }?.networkInterfaceIDs ?? []
                    : endpoint.networkInterfaceIDs
            }
            let allIDs = Array(Set(interfaces.values.joined())).sorted()
            let ips = allIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try ec2.describeNetworkInterfaces(ids: allIDs).map { ($0.id, $0.privateIPs) })
            return (interfaces.mapValues { Set($0.flatMap { ips[$0] ?? [] }) }, nil)
        } catch {
            logger.warning("cannot read the endpoints' addresses", metadata: ["setup": "\(setup.id)", "error": "\(error)"])
            return (nil, "endpoint addresses unknown (\(error)); checked that names resolve to private addresses only")
        }
    }
}
