import Foundation
import Logging

/// Settings of the provisioning workers.
public struct ProvisioningConfiguration: Sendable {
    /// Worker threads claiming jobs.
    public var workers = 2
    /// How long a claimed job stays ours without a heartbeat.
    public var lease: TimeInterval = 60
    /// The poller's first interval; it doubles while nothing changes, up to `maxPollInterval`.
    public var pollInterval: TimeInterval = 5
    public var maxPollInterval: TimeInterval = 60
    /// The interval for a few ticks right after a create or a modify, doubling after them: a new
    /// endpoint's first states are seen at once, not after a back-off grown while nothing happened.
    /// Describes are cheap (20 per second per account and region) and still one per account and
    /// region per tick.
    public var pollIntervalAfterCreate: TimeInterval = 0.25
    /// An endpoint not available by then fails its setup.
    public var endpointTimeout: TimeInterval = 15 * 60
    /// How often the reconciler re-reads ready and degraded setups for drift.
    public var reconcileInterval: TimeInterval = 300
    /// Retries of a job whose AWS calls kept failing transiently, before the setup fails.
    public var maxJobAttempts = 6
    /// Identifies this process in leases and transitions.
    public var owner = "worker:\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier)"

    public init() {}
}

/// Runs provisioning jobs on worker threads: claims a job with a lease, runs the setup's plan step by
/// step (recording each), never holding a database transaction across an AWS call. A crash leaves
/// the lease to expire; the next claimant resumes from the last recorded step. With a
/// `VerificationJobRunner`, one more thread runs `verify` jobs, so slow probes never hold up
/// provisioning, and a setup that becomes ready is queued for verification in the same transaction.
public final class Provisioner: @unchecked Sendable {
    let store: SetupStore
    let queue: JobQueue
    let aws: AWSAccess
    let configuration: ProvisioningConfiguration
    let logger: Logger
    let clock: Clock
    private let condition = NSCondition()
    private var stopping = false
    private var held: [String: String] = [:]  // job id → the worker owner holding it, for the heartbeat
    private let finished = DispatchGroup()
    public let poller: EndpointPoller
    public let reconciler: Reconciler
    public let verification: VerificationJobRunner?

    public init(
        store: SetupStore, aws: AWSAccess, configuration: ProvisioningConfiguration, logger: Logger, clock: Clock = .system,
        verification: VerificationJobRunner? = nil
    ) {
        self.verification = verification
        self.store = store
        self.queue = JobQueue(database: store.database, clock: clock)
        self.aws = aws
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
        poller = EndpointPoller(database: store.database, queue: queue, aws: aws, configuration: configuration, logger: logger, clock: clock)
        reconciler = Reconciler(database: store.database, aws: aws, logger: logger, clock: clock)
    }

    public func start() {
        // A job the poller wakes is claimed now, not at a worker's next idle check.
        poller.onJobsWoken = { [weak self] in self?.notify() }
        do {
            let released = try queue.releaseAbandonedLeases(isAbandoned: Self.ownerIsDeadLocalProcess)
            if !released.isEmpty { logger.notice("resuming jobs of a process that ended", metadata: ["jobs": "\(released)"]) }
        } catch {
            logger.error("could not check for abandoned jobs", metadata: ["error": "\(error)"])
        }
        for index in 0..<max(1, configuration.workers) {
            spawn("provision-\(index)") { $0.workLoop(index, kinds: [.provision, .update, .teardown, .addSpoke, .removeSpoke]) }
        }
        if verification != nil { spawn("verify") { $0.workLoop($0.configuration.workers, kinds: [.verify]) } }
        spawn("heartbeat") { $0.heartbeatLoop() }
        spawn("reconciler") { $0.reconcileLoop() }
        poller.start()
    }

    /// `worker:<host>:<pid>#n` of this host whose process no longer exists.
    static func ownerIsDeadLocalProcess(_ owner: String) -> Bool {
        let parts = owner.split(separator: "#")[0].split(separator: ":")
        guard parts.count == 3, parts[0] == "worker", parts[1] == ProcessInfo.processInfo.hostName,
            let pid = Int32(parts[2]), pid != ProcessInfo.processInfo.processIdentifier
        else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Stops claiming and waits up to `timeout` for the steps in progress. A step still running then
    /// (a long rate-limiter wait) is abandoned safely: its lease expires and another run resumes it.
    public func stop(timeout: TimeInterval = 15) {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        poller.stop()
        if finished.wait(timeout: .now() + timeout) == .timedOut {
            logger.warning("provisioning workers still busy at shutdown; their leases will expire and the work resume on the next start")
        }
    }

    /// A job became due (a new setup, a retry, a verification): wake the idle workers.
    public func notify() {
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    private func spawn(_ name: String, _ body: @escaping @Sendable (Provisioner) -> Void) {
        finished.enter()
        let thread = Thread { [self] in
            body(self)
            self.finished.leave()
        }
        thread.name = name
        thread.start()
    }

    private var isStopping: Bool {
        condition.lock()
        defer { condition.unlock() }
        return stopping
    }

    /// Sleeps until notified, stopped, or `seconds` passed.
    private func idle(_ seconds: TimeInterval) {
        condition.lock()
        if !stopping { _ = condition.wait(until: Date().addingTimeInterval(max(0.01, seconds))) }
        condition.unlock()
    }

    private func workLoop(_ index: Int, kinds: [JobKind]) {
        let owner = "\(configuration.owner)#\(index)"
        while !isStopping {
            do {
                guard let job = try queue.claim(owner: owner, lease: configuration.lease, kinds: kinds) else {
                    let next = (try? queue.nextDue())?.timeIntervalSince(clock.now()) ?? 1
                    idle(min(1, max(0.05, next)))
                    continue
                }
                hold(job.id, owner: owner)
                defer { hold(job.id, owner: nil) }
                if job.kind == .verify { verification?.run(job, owner: owner) } else { run(job, owner: owner) }
            } catch {
                logger.error("worker error", metadata: ["error": "\(error)"])
                idle(1)
            }
        }
    }

    private func hold(_ id: String, owner: String?) {
        condition.lock()
        held[id] = owner
        condition.unlock()
    }

    private func reconcileLoop() {
        while !isStopping {
            idle(configuration.reconcileInterval)
            if isStopping { return }
            do { try reconciler.reconcileOnce() } catch { logger.warning("reconcile failed", metadata: ["error": "\(error)"]) }
        }
    }

    private func heartbeatLoop() {
        while !isStopping {
            idle(configuration.lease / 3)
            condition.lock()
            let byOwner = Dictionary(grouping: held, by: \.value).mapValues { $0.map(\.key) }
            condition.unlock()
            for (owner, ids) in byOwner {
                _ = try? queue.heartbeat(owner: owner, jobIDs: ids, lease: configuration.lease)
            }
        }
    }

    /// Runs the job's remaining steps.
    func run(_ job: JobRecord, owner: String) {
        if job.kind.isSpokeWork { return runSpoke(job, owner: owner) }
        do {
            guard let setup = try store.get(job.setupID)?.setup else { return }
            if job.kind == .provision && setup.status == .pending {
                _ = try queue.whileHeld(job.id, owner: owner) { db, now in
                    try TransitionLog.moveSetup(db, id: setup.id, to: .provisioning, actor: owner, reason: "provisioning started", now: now)
                }
            }
            // A failed peer is provisioned again by a retry, or by a change that resumes its steps.
            if job.kind == .provision || job.kind == .update {
                _ = try queue.whileHeld(job.id, owner: owner) { db, now in
                    try Self.movePeer(db, of: setup.id, from: [.pending, .failed], to: .provisioning, actor: owner, reason: "provisioning started", now: now)
                }
            }
            let request = try store.storedRequest(setup.id)
            let context = aws.context(for: setup, request: request, job: job)
            let ec2 = aws.ec2(region: setup.region, context: context)
            let steps = EndpointSteps(
                setup: setup, job: job, owner: owner, queue: queue, store: store, ec2: ec2,
                endpointTimeout: configuration.endpointTimeout, clock: clock)
            let teardown = TeardownSteps(
                setup: setup, job: job, owner: owner, queue: queue, store: store, ec2: ec2,
                timeout: configuration.endpointTimeout, clock: clock)
            let zones = zoneSteps(setup: setup, job: job, owner: owner, context: context)
            // A `vpc_peering` setup's peer is its spoke, whose steps run in the setup's own jobs.
            let peer = setup.mode == .vpcPeering ? try spokeSteps(hub: setup, job: job, owner: owner).first { $0.spoke.setupPeer } : nil
            var subnets: [Subnet] = []
            for (index, name) in job.steps.enumerated() where index >= job.completedSteps {
                guard let step = Step(text: name) else {
                    throw StepFailure("step_unknown", "step \(Echo.text(name)) is not known to this version of privatelinkd")
                }
                try queue.beginStep(job, owner: owner, step: name)
                if let peer, step.isSpokeStep {  // the peer shows the step it is at, as any spoke does
                    _ = try queue.whileHeld(job.id, owner: owner) { db, now in try SpokeRows.setStep(db, spokeID: peer.spoke.id, step: name, now: now) }
                }
                let outcome = try runStep(step, steps: steps, teardown: teardown, zones: zones, peer: peer, subnets: &subnets)
                if case let .park(until, reason) = outcome {
                    if job.kind == .provision {
                        _ = try queue.whileHeld(job.id, owner: owner) { db, now in
                            try TransitionLog.moveSetup(db, id: setup.id, to: .waiting, actor: owner, reason: reason, now: now)
                        }
                    }
                    poller.wakeUp()
                    try queue.park(job, owner: owner, until: until, reason: reason)
                    return
                }
                try queue.completeStep(job, owner: owner, completed: index + 1)
            }
            if job.kind == .teardown {
                try queue.finish(
                    job, owner: owner, state: .succeeded, setupStatus: .deleted,
                    reason: "every endpoint privatelinkd created that no other setup uses is deleted")
            } else {
                // After an in-place change too: its verification checks what changed.
                let verifyNow = verification?.settings.verifyOnReady == true
                try queue.finish(
                    job, owner: owner, state: .succeeded, setupStatus: .ready,
                    reason: job.kind == .update
                        ? "the change is applied: every endpoint is available"
                        : setup.mode.makesHostedZones
                            ? "every endpoint is available and every zone, record and association is in place"
                            : "every endpoint is available"
                ) { db, now in
                    try Self.movePeer(db, of: setup.id, from: [.provisioning], to: .ready, actor: owner, reason: "associated with the setup's zones", now: now)
                    if let peer { try SpokeRows.setStep(db, spokeID: peer.spoke.id, step: nil, now: now) }
                    if verifyNow { _ = try VerificationRows.request(db, setupID: setup.id, trigger: .onReady, actor: Actor(owner), now: now) }
                }
                if verifyNow { notify() }
            }
        } catch {
            switch FailurePolicy.decide(error, attempts: job.attempts, maxAttempts: configuration.maxJobAttempts) {
            case .abandon:
                logger.notice("lease lost; another worker has the job", metadata: ["job": "\(job.id)"])
            case let .fail(code, message):
                try? queue.finish(job, owner: owner, state: .failed, setupStatus: .failed, reason: message, error: (code, message)) { db, now in
                    try Self.movePeer(
                        db, of: job.setupID, from: [.pending, .provisioning], to: .failed, actor: owner, reason: message, error: (code, message), now: now)
                }
            case let .retry(delay, error):
                try? queue.park(job, owner: owner, until: clock.now().addingTimeInterval(delay), reason: "retry in \(Int(delay))s", error: error)
            }
        }
    }
}
