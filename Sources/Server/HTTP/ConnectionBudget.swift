import Foundation

/// Open connections across all event loops, against the configured cap.
final class ConnectionBudget: @unchecked Sendable {
    private let lock = NSLock()
    private var open = 0
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Counts a new connection; false (and counts nothing) at the cap.
    func take() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard open < limit else { return false }
        open += 1
        return true
    }

    func give() {
        lock.lock()
        open -= 1
        lock.unlock()
    }
}
