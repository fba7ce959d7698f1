import Foundation

/// The worker no longer holds the job's lease (it expired and another worker claimed it, or the
/// job was cancelled): it must stop without writing anything more about the job.
public struct LeaseLost: Error, Sendable, CustomStringConvertible {
    public let jobID: String
    public var description: String { "lease on job \(jobID) was lost" }
}

/// The durable job queue in the `jobs` table. A claim is one `BEGIN IMMEDIATE` transaction, so two
/// workers (or two processes on the same database) never hold the same job; every later write
/// checks the lease owner. Job state changes write their transition rows in the same transaction.
public final class JobQueue: Sendable {
    public let database: Database
    public let clock: Clock

    public init(database: Database, clock: Clock = .system) {
        self.database = database
        self.clock = clock
    }

    var now: String { Timestamp.string(clock.now()) }

    /// Claims the next due job of these kinds: queued and due, or running with an expired lease
    /// (its worker died). Returns it with the lease taken.
    public func claim(owner: String, lease: TimeInterval, kinds: [JobKind] = JobKind.allCases) throws -> JobRecord? {
        try database.write { db in
            let now = self.now
            let placeholders = kinds.map { _ in "?" }.joined(separator: ", ")
            let candidate = try db.firstRow(
                """
                SELECT id, state FROM jobs
                WHERE kind IN (\(placeholders))
                  AND ((state = 'queued' AND run_after <= ?) OR (state = 'running' AND lease_expires_at < ?))
                ORDER BY run_after, id LIMIT 1
                """, kinds.map { .text($0.rawValue) } + [.text(now), .text(now)]
            ) { ($0.string(0), $0.string(1)) }
            guard let (id, previous) = candidate else { return nil }
            let expires = Timestamp.string(clock.now().addingTimeInterval(lease))
            // `attempts` counts failed tries: a takeover from a dead worker is one; a routine claim
            // (first run, or woken after waiting on AWS) is not.
            try db.run(
                "UPDATE jobs SET lease_owner = ?, lease_expires_at = ?, attempts = attempts + ? WHERE id = ?",
                [.text(owner), .text(expires), .int(previous == JobState.running.rawValue ? 1 : 0), .text(id)])
            try TransitionLog.moveJob(
                db, id: id, to: .running, actor: owner,
                reason: previous == JobState.running.rawValue ? "lease expired; taken over" : "claimed", now: now)
            return try db.firstRow("SELECT \(SetupStore.jobColumns) FROM jobs WHERE id = ?", [.text(id)], SetupStore.job)
        }
    }

    /// Leases held by owners `isAbandoned` says are gone (a process on this host that no longer
    /// exists) are expired at once, so a restart after a crash resumes without waiting them out.
    /// Returns the jobs released.
    @discardableResult
    public func releaseAbandonedLeases(isAbandoned: (String) -> Bool) throws -> [String] {
        try database.write { db in
            let held = try db.rows("SELECT id, lease_owner FROM jobs WHERE state = 'running' AND lease_owner IS NOT NULL", []) {
                ($0.string(0), $0.string(1))
            }
            let now = self.now
            var released: [String] = []
            for (id, owner) in held where isAbandoned(owner) {
                try db.run("UPDATE jobs SET lease_expires_at = ? WHERE id = ?", [.text(now), .text(id)])
                released.append(id)
            }
            return released
        }
    }

    /// Extends the leases of jobs this owner holds; returns the ids it no longer holds.
    @discardableResult
    public func heartbeat(owner: String, jobIDs: [String], lease: TimeInterval) throws -> [String] {
        guard !jobIDs.isEmpty else { return [] }
        return try database.write { db in
            var lost: [String] = []
            let expires = Timestamp.string(clock.now().addingTimeInterval(lease))
            for id in jobIDs {
                try db.run(
                    "UPDATE jobs SET lease_expires_at = ? WHERE id = ? AND lease_owner = ? AND state = 'running'",
                    [.text(expires), .text(id), .text(owner)])
                if db.changes == 0 { lost.append(id) }
            }
            return lost
        }
    }

    /// Runs `body` in a transaction only while `owner` holds the job; throws `LeaseLost` otherwise.
    public func whileHeld<T>(_ jobID: String, owner: String, _ body: (Connection, String) throws -> T) throws -> T {
        try database.write { db in
            let held =
                try db.firstRow(
                    "SELECT 1 FROM jobs WHERE id = ? AND lease_owner = ? AND state = 'running'",
                    [.text(jobID), .text(owner)]
                ) { _ in true } ?? false
            guard held else { throw LeaseLost(jobID: jobID) }
            return try body(db, now)
        }
    }

    /// Records the step now running (and on the setup, for the API, unless it is a verification,
    /// which has its own state); `step_started_at` only moves when the step changes, so a resumed
    /// wait keeps its deadline.
    public func beginStep(_ job: JobRecord, owner: String, step: String) throws {
        try whileHeld(job.id, owner: owner) { db, now in
            try db.run(
                """
                UPDATE jobs SET step_started_at = CASE WHEN current_step IS ? THEN step_started_at ELSE ? END,
                    current_step = ?, updated_at = ? WHERE id = ?
                """, [.text(step), .text(now), .text(step), .text(now), .text(job.id)])
            guard job.kind.isSetupWork else { return }
            try db.run(
                "UPDATE setups SET current_step = ? WHERE id = ? AND (current_step IS NOT ?)",
                [.text(step), .text(job.setupID), .text(step)])
        }
    }

    /// Marks steps done up to `completed` (the count of the plan's first steps).
    public func completeStep(_ job: JobRecord, owner: String, completed: Int) throws {
        try whileHeld(job.id, owner: owner) { db, now in
            try db.run("UPDATE jobs SET completed_steps = ?, updated_at = ? WHERE id = ?", [.int(completed), .text(now), .text(job.id)])
        }
    }

    /// When the current step began.
    public func stepStartedAt(_ jobID: String) throws -> Date? {
        try database.read { db in
            try db.firstRow("SELECT step_started_at FROM jobs WHERE id = ?", [.text(jobID)]) { $0.optionalString(0) }?.flatMap(Timestamp.date)
        }
    }

    /// Gives the job back to the queue until `runAfter`: waiting on AWS, or (with `error`) a retry
    /// after a transient failure, which counts as an attempt.
    public func park(_ job: JobRecord, owner: String, until runAfter: Date, reason: String, error: String? = nil) throws {
        try whileHeld(job.id, owner: owner) { db, now in
            try db.run(
                "UPDATE jobs SET lease_owner = NULL, lease_expires_at = NULL, run_after = ?, last_error = ?, attempts = attempts + ? WHERE id = ?",
                [.text(Timestamp.string(runAfter)), .optional(error), .int(error == nil ? 0 : 1), .text(job.id)])
            try TransitionLog.moveJob(db, id: job.id, to: .queued, actor: owner, reason: reason, now: now)
        }
    }

    /// Ends the job (`succeeded` or `failed`), and moves its setup in the same transaction;
    /// `alongside` writes what else must land with it (a verification's checks, the next job).
    public func finish(
        _ job: JobRecord, owner: String, state: JobState, setupStatus: SetupStatus?, reason: String,
        error: (code: String, message: String)? = nil, alongside: ((Connection, String) throws -> Void)? = nil
    ) throws {
        try whileHeld(job.id, owner: owner) { db, now in
            try alongside?(db, now)
            try db.run(
                """
                UPDATE jobs SET lease_owner = NULL, lease_expires_at = NULL, last_error = ?,
                    completed_steps = CASE WHEN ? THEN json_array_length(steps) ELSE completed_steps END WHERE id = ?
                """, [.optional(error.map { "\($0.code): \($0.message)" }), .int(state == .succeeded ? 1 : 0), .text(job.id)])
            try TransitionLog.moveJob(db, id: job.id, to: state, actor: owner, reason: error?.message ?? reason, now: now)
            if state == .succeeded && job.kind.isSetupWork {
                try db.run("UPDATE setups SET current_step = NULL WHERE id = ?", [.text(job.setupID)])
            }
            if let setupStatus {
                try TransitionLog.moveSetup(db, id: job.setupID, to: setupStatus, actor: owner, reason: reason, error: error, now: now)
            }
        }
    }

    /// Makes a setup's parked job due now (the poller calls it when its endpoints have settled).
    public func wake(setupID: String) throws {
        try database.write { db in
            try db.run(
                "UPDATE jobs SET run_after = ? WHERE setup_id = ? AND state = 'queued' AND current_step IS NOT NULL AND run_after > ?",
                [.text(now), .text(setupID), .text(now)])
        }
    }

    /// The earliest time a queued job becomes due (so idle workers know how long they may sleep).
    public func nextDue() throws -> Date? {
        try database.read { db in
            try db.firstRow("SELECT min(run_after) FROM jobs WHERE state = 'queued'", []) { $0.optionalString(0) }?.flatMap(Timestamp.date)
        }
    }
}
