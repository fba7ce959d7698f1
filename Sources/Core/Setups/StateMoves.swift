/// The allowed status moves of each entity, as tables. `TransitionLog`'s move functions check
/// them; a move not in its table is an `IllegalMove`, never written.
public protocol StateMachine: RawRepresentable, Hashable, CaseIterable, Sendable where RawValue == String {
    /// The states a new row may start in.
    static var initial: Set<Self> { get }
    /// Where each state may go (a state absent from the table is final).
    static var moves: [Self: Set<Self>] { get }
}

extension StateMachine {
    /// `'a', 'b'`: states for an SQL `IN (…)`, spelled by the enum rather than by hand.
    public static func sqlList(_ states: [Self]) -> String { states.map { "'\($0.rawValue)'" }.joined(separator: ", ") }

    /// Whether `from` (nil: a new row) may move to `to`.
    public static func allows(from: Self?, to: Self) -> Bool {
        guard let from else { return initial.contains(to) }
        return moves[from]?.contains(to) ?? false
    }
}

/// A status move that the entity's table does not allow.
public struct IllegalMove: Error, Sendable, CustomStringConvertible {
    public let entity: String
    public let id: String
    public let from: String?
    public let to: String
    public var description: String { "\(entity) \(id) may not move from \(from ?? "nothing") to \(to)" }
}

extension SpokeStatus: StateMachine {
    public static let initial: Set<SpokeStatus> = [.pending]
    public static let moves: [SpokeStatus: Set<SpokeStatus>] = [
        .pending: [.provisioning, .failed, .deleting],
        .provisioning: [.ready, .failed, .deleting],
        .ready: [.deleting],
        .failed: [.provisioning, .deleting],
        .deleting: [.deleted, .failed],
    ]
}

extension SetupStatus: StateMachine {
    public static let initial: Set<SetupStatus> = [.pending]
    public static let moves: [SetupStatus: Set<SetupStatus>] = [
        .pending: [.provisioning, .failed, .deleting],
        .provisioning: [.waiting, .ready, .failed, .deleting],
        .waiting: [.provisioning, .ready, .failed, .deleting],
        .ready: [.degraded, .updating, .deleting],
        .updating: [.ready, .failed, .deleting],
        .degraded: [.ready, .pending, .updating, .deleting],
        .failed: [.pending, .updating, .deleting],
        .deleting: [.deleted, .failed],
    ]
}

extension EndpointState: StateMachine {
    public static let initial: Set<EndpointState> = [.requested]
    /// What AWS may report of an endpoint.
    static let reported: Set<EndpointState> = [.pendingAcceptance, .pending, .available, .deleting, .deleted, .rejected, .failed, .expired, .partial]
    public static let moves: [EndpointState: Set<EndpointState>] = {
        var moves: [EndpointState: Set<EndpointState>] = [:]
        // AWS's word goes, and a row AWS no longer lists is `missing`; a retry or repair asks again.
        for state in EndpointState.allCases { moves[state] = reported.union([.missing, .requested]) }
        moves[.requested] = reported.union([.missing])
        // A teardown marks `deleting` before its call; only the end of the deletion (or a failure) follows.
        moves[.deleting] = [.deleted, .missing, .failed, .rejected, .expired, .partial, .requested]
        moves[.deleted] = [.requested]
        return moves
    }()
}

extension JobState: StateMachine {
    public static let initial: Set<JobState> = [.queued]
    public static let moves: [JobState: Set<JobState>] = [
        .queued: [.running, .cancelled],
        // running → running: a dead worker's job taken over once its lease expired.
        .running: [.running, .queued, .succeeded, .failed, .cancelled],
        .failed: [.queued],
        .cancelled: [.queued],
    ]
}
