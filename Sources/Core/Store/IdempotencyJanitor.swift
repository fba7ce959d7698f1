import Foundation
import Logging

/// Deletes expired `Idempotency-Key` rows in the background, in small batches (each its own short
/// write transaction, so API writes never wait long behind it), every `interval`. It runs in every
/// `serve`, whether or not provisioning workers do.
public final class IdempotencyJanitor: @unchecked Sendable {
    let store: SetupStore
    let interval: TimeInterval
    let batchSize: Int
    let logger: Logger
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let stopping = Locked(false)
    private let running = Locked(false)

    public init(store: SetupStore, interval: TimeInterval = 600, batchSize: Int = 500, logger: Logger) {
        self.store = store
        self.interval = interval
        self.batchSize = batchSize
        self.logger = logger
    }

    /// Deletes every key older than the store's time to live, batch by batch (at most `maxBatches`
    /// in one sweep, so a huge backlog is spread over several sweeps); returns how many it deleted.
    @discardableResult
    public func sweep(maxBatches: Int = 100) throws -> Int {
        let cutoff = Timestamp.string(store.clock.now().addingTimeInterval(-store.idempotencyTTL))
        var deleted = 0
        for _ in 0..<maxBatches {
            let n = try store.database.write { try IdempotencyKeys.deleteExpired($0, before: cutoff, limit: batchSize) }
            deleted += n
            if n < batchSize { break }
        }
        return deleted
    }

    public func start() {
        running.withLock { $0 = true }
        let thread = Thread { [self] in
            while !stopping.withLock({ $0 }) {
                do {
                    let deleted = try sweep()
                    if deleted > 0 { logger.info("expired idempotency keys", metadata: ["deleted": "\(deleted)"]) }
                } catch {
                    logger.warning("could not expire idempotency keys", metadata: ["error": "\(error)"])
                }
                _ = wake.wait(timeout: .now() + interval)
            }
            finished.signal()
        }
        thread.name = "privatelinkd-janitor"
        thread.start()
    }

    /// Ends the loop and waits for it (at most a sweep's time).
    public func stop() {
        stopping.withLock { $0 = true }
        guard running.withLock({ $0 }) else { return }
        wake.signal()
        _ = finished.wait(timeout: .now() + 10)
    }
}
