/// What `/metrics` reads from the database at a scrape: counts grouped by status, each answered
/// from an index (`setups_by_status`, `jobs_by_state`, …) rather than a table scan.
public enum MetricsRows {
    public struct Snapshot: Sendable, Equatable {
        public var setupsByStatus: [String: Int] = [:]
        public var spokesByStatus: [String: Int] = [:]
        public var jobsByKindAndState: [JobKey: Int] = [:]
        /// Seconds since the oldest queued job was created; nil when none is queued.
        public var oldestQueuedJobAge: Double?
        public var verificationsByState: [String: Int] = [:]
        public var checksByCode: [String: Int] = [:]
    }

    public struct JobKey: Hashable, Sendable {
        public let kind: String
        public let state: String

        public init(kind: String, state: String) {
            self.kind = kind
            self.state = state
        }
    }

    public static func snapshot(_ db: Connection, now: String) throws -> Snapshot {
        var snapshot = Snapshot()
        for (status, count) in try db.rows("SELECT status, count(*) FROM setups GROUP BY status", [], { ($0.string(0), $0.int(1)) }) {
            snapshot.setupsByStatus[status] = count
        }
        for (status, count) in try db.rows("SELECT status, count(*) FROM spokes GROUP BY status", [], { ($0.string(0), $0.int(1)) }) {
            snapshot.spokesByStatus[status] = count
        }
        for (kind, state, count) in try db.rows("SELECT kind, state, count(*) FROM jobs GROUP BY kind, state", [], { ($0.string(0), $0.string(1), $0.int(2)) })
        {
            snapshot.jobsByKindAndState[JobKey(kind: kind, state: state)] = count
        }
        snapshot.oldestQueuedJobAge =
            try db.firstRow(
                "SELECT (julianday(?) - julianday(min(created_at))) * 86400 FROM jobs WHERE state = ?", [.text(now), .text(JobState.queued.rawValue)]
            ) { $0.isNull(0) ? nil : $0.double(0) } ?? nil
        for (state, count) in try db.rows("SELECT state, count(*) FROM verifications GROUP BY state", [], { ($0.string(0), $0.int(1)) }) {
            snapshot.verificationsByState[state] = count
        }
        for (code, count) in try db.rows("SELECT code, count(*) FROM verification_checks GROUP BY code", [], { ($0.string(0), $0.int(1)) }) {
            snapshot.checksByCode[code] = count
        }
        return snapshot
    }
}
