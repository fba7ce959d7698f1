import Core
import Foundation

/// The newest transitions, shared by every open event stream: one query per 100 ms for the whole
/// process, however many streams there are. It reads the table, not an in-process hook, so rows
/// written by workers, by another process on the same database, or by the CLI all arrive.
final class TransitionFeed: @unchecked Sendable {
    let store: SetupStore
    private var database: Database { store.database }
    private let lock = NSLock()
    private var recent: [TransitionRecord] = []  // ascending ids, at most `capacity`
    private var newestID: Int?
    private var refreshedAt = -Double.infinity
    private var teams: [String: String?] = [:]  // setup id → its team (never changes)
    static let capacity = 4096
    static let refreshInterval = 0.1

    init(store: SetupStore) { self.store = store }

    /// The events after `cursor` for one stream (its setup and team filters applied), oldest
    /// first, at most `limit`. A cursor older than what is held is served from the table.
    func events(after cursor: Int, setupID: String?, team: String?, limit: Int, now: Double) throws -> [TransitionRecord] {
        lock.lock()
        defer { lock.unlock() }
        try refresh(now: now)
        let candidates: [TransitionRecord]
        if cursor >= newestID ?? 0 {
            candidates = []  // nothing newer
        } else if let oldest = recent.first?.id, cursor >= oldest - 1 {
            candidates = Array(recent.drop { $0.id <= cursor })  // all of it is held
        } else {
            candidates = try database.read { try TransitionLog.page($0, after: cursor, limit: limit, setupID: setupID, team: team) }
        }
        var out: [TransitionRecord] = []
        for event in candidates where out.count < limit {
            if let setupID, event.setupID != setupID { continue }
            if let team, try self.team(of: event.setupID) != team { continue }
            out.append(event)
        }
        return out
    }

    /// The newest transition id now: where a stream without `Last-Event-ID` starts.
    func latestID(now: Double) throws -> Int {
        lock.lock()
        defer { lock.unlock() }
        try refresh(now: now)
        return newestID ?? 0
    }

    private func refresh(now: Double) throws {
        guard now - refreshedAt >= Self.refreshInterval else { return }
        refreshedAt = now
        if newestID == nil { newestID = try database.read { try TransitionLog.lastID($0) } }
        for _ in 0..<8 {  // bounded: a burst beyond 8,000 rows is read by later refreshes
            let page = try database.read { try TransitionLog.page($0, after: newestID ?? 0, limit: 1000) }
            guard let last = page.last else { break }
            recent.append(contentsOf: page)
            newestID = last.id
            if page.count < 1000 { break }
        }
        if recent.count > Self.capacity { recent.removeFirst(recent.count - Self.capacity) }
    }

    private func team(of setupID: String) throws -> String? {
        if let known = teams[setupID] { return known }
        let team = try store.owner(of: setupID)?.team
        teams[setupID] = .some(team)
        return team
    }
}
