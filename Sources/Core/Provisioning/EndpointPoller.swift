import Foundation
import Logging

/// Follows endpoints that AWS is still working on. Each tick makes one `DescribeVpcEndpoints` per
/// (account, region, role) covering every waiting endpoint there, never one call per endpoint; the
/// interval starts at `pollInterval` and doubles while nothing changes. When a setup's endpoints
/// have all settled, its parked job is woken.
public final class EndpointPoller: @unchecked Sendable {
    let database: Database
    let queue: JobQueue
    let aws: AWSAccess
    let configuration: ProvisioningConfiguration
    let logger: Logger
    let clock: Clock
    private let condition = NSCondition()
    private var stopping = false
    private var nudged = false
    private var nudgedAfterCreate = false
    /// Ticks left at `pollIntervalAfterCreate` before the back-off doubles again.
    private var fastTicks = 0
    static let fastTicksAfterCreate = 4
    /// Called after a tick made parked jobs due (the Provisioner wakes its workers).
    var onJobsWoken: (@Sendable () -> Void)?
    private let done = DispatchSemaphore(value: 0)
    private var running = false

    init(database: Database, queue: JobQueue, aws: AWSAccess, configuration: ProvisioningConfiguration, logger: Logger, clock: Clock) {
        self.database = database
        self.queue = queue
        self.aws = aws
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
    }

    func start() {
        running = true
        let thread = Thread { [self] in
            self.loop()
            self.done.signal()
        }
        thread.name = "endpoint-poller"
        thread.start()
    }

    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        if running { done.wait() }
    }

    /// Endpoints are waiting: poll now. After a create or a modify the back-off starts again
    /// from `pollIntervalAfterCreate`; otherwise from `pollInterval` (a shorter one is kept).
    public func wakeUp(afterCreate: Bool = false) {
        condition.lock()
        nudged = true
        if afterCreate { nudgedAfterCreate = true }
        condition.signal()
        condition.unlock()
    }

    private func loop() {
        var interval = configuration.pollInterval
        while true {
            condition.lock()
            if !stopping && !nudged { _ = condition.wait(until: Date().addingTimeInterval(interval)) }
            let stop = stopping
            let wasNudged = nudged
            let afterCreate = nudgedAfterCreate
            nudged = false
            nudgedAfterCreate = false
            condition.unlock()
            if stop { return }
            let fast = min(configuration.pollIntervalAfterCreate, configuration.pollInterval)
            if afterCreate { fastTicks = Self.fastTicksAfterCreate }
            if wasNudged { interval = min(interval, afterCreate ? fast : configuration.pollInterval) }
            do {
                let changed = try tick()
                // A few quick ticks after a create; then a change keeps the pace and quiet doubles it.
                if fastTicks > 0 {
                    fastTicks -= 1
                    interval = fast
                } else {
                    interval = changed ? min(interval, configuration.pollInterval) : min(configuration.maxPollInterval, interval * 2)
                }
            } catch {
                logger.warning("endpoint poll failed", metadata: ["error": "\(error)"])
                interval = min(configuration.maxPollInterval, interval * 2)
            }
        }
    }

    /// `DescribeVpcEndpoints` by ids, where AWS fails the whole call if one id no longer exists:
    /// drop the ids its message names and ask again (bounded), so one vanished endpoint does not
    /// hide the others. Each id is asked once: setups that share an endpoint list it each.
    static func describeTolerant(_ ec2: EC2Client, ids: [String]) throws -> [VpcEndpoint] {
        var seen = Set<String>()
        var remaining = ids.filter { seen.insert($0).inserted }
        for _ in 0..<5 {
            guard !remaining.isEmpty else { return [] }
            do { return try ec2.describeVpcEndpoints(ids: remaining) } catch let error as AWSError where error.isNotFound {
                let named = error.message.matches(of: /vpce-[0-9a-f]+/).map { String($0.output) }
                let before = remaining.count
                remaining.removeAll { named.contains($0) }
                if remaining.count == before { return [] }  // could not tell which: treat all as gone
            }
        }
        return try ec2.describeVpcEndpoints(ids: remaining)
    }

    /// One round; returns whether any endpoint changed. Public for tests that drive ticks directly.
    @discardableResult
    public func tick() throws -> Bool {
        let waiting = try database.read { try EndpointRows.waiting($0) }
        guard !waiting.isEmpty else { return false }
        let described = try aws.describeEndpoints(
            waiting,
            owner: {
                AWSAccess.EndpointOwner(account: $0.accountID, region: $0.region, roleARN: $0.roleARN, externalID: $0.externalID)
            }, id: \.vpcEndpointID)
        var changed = false
        var settledSetups = Set<String>()
        try database.write { db in
            let now = Timestamp.string(clock.now())
            for row in waiting {
                let found = described[row.vpcEndpointID]
                let current = try EndpointRows.state(db, endpointID: row.endpointID)
                // Gone from AWS: the end of a deletion, or an endpoint removed behind our back.
                let state = found?.state ?? (current == .deleting ? .deleted : .missing)
                // A teardown marks a row `deleting` just before its delete call: a describe answered
                // before that call still says available, and must not undo the mark.
                if current == .deleting && [.available, .pending, .pendingAcceptance].contains(state) { continue }
                if try EndpointRows.updateState(
                    db, endpointID: row.endpointID, to: state, lastError: found?.failureReason,
                    dnsName: found?.dnsNames.first, networkInterfaceIDs: found?.networkInterfaceIDs,
                    actor: "poller", reason: found == nil ? "AWS no longer lists \(row.vpcEndpointID)" : nil, now: now)
                {
                    changed = true
                    if !state.isWaiting { settledSetups.insert(row.setupID) }
                }
            }
        }
        var woken = false
        for setupID in settledSetups {
            let (stillWaiting, anyFailed) = try database.read { try EndpointRows.settlement($0, setupID: setupID) }
            if stillWaiting == 0 || anyFailed > 0 {
                try queue.wake(setupID: setupID)
                woken = true
            }
        }
        if woken { onJobsWoken?() }
        return changed
    }
}
