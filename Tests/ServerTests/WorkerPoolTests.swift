import Foundation
import Testing
import Core
@testable import Server

/// The handler pool starts threads only when work waits, and never more than its maximum.
@Suite struct WorkerPoolTests {
    @Test func threadsStartOnDemandUpToTheMaximum() {
        let pool = WorkerPool(threads: 2, name: "test-pool")
        #expect(pool.threadsStarted == 0)  // an idle pool holds no threads

        let release = DispatchSemaphore(value: 0)
        let entered = DispatchSemaphore(value: 0)
        let running = Locked(0), most = Locked(0)
        for _ in 0..<5 {
            pool.submit {
                let now = running.withLock {
                    $0 += 1; return $0
                }
                most.withLock { $0 = max($0, now) }
                entered.signal()
                release.wait()
                running.withLock { $0 -= 1 }
            }
        }
        // Two jobs run at once (the maximum); the other three wait for a free thread.
        entered.wait()
        entered.wait()
        #expect(pool.threadsStarted == 2)
        for _ in 0..<5 { release.signal() }
        for _ in 0..<3 { entered.wait() }
        pool.shutdown()
        #expect(most.withLock { $0 } == 2)
        #expect(pool.threadsStarted == 2)
    }
}
