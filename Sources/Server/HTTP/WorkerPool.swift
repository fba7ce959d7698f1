import Foundation

/// Threads that run handlers. Handlers only ever see complete requests, so a slow client never
/// occupies one; a handler may block on SQLite without stalling socket I/O.
///
/// Threads start on demand, when work waits and none is idle, up to `threads`, and then stay: an
/// idle server holds none of their stacks or malloc arenas.
final class WorkerPool: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [() -> Void] = []
    private var head = 0
    private var stopping = false
    /// Threads started, and how many of them wait for work (guarded by `condition`).
    private var started = 0
    private var idle = 0
    private let maxThreads: Int
    private let name: String
    private let finished = DispatchGroup()

    init(threads: Int, name: String) {
        self.maxThreads = max(1, threads)
        self.name = name
    }

    /// How many threads have started so far.
    var threadsStarted: Int {
        condition.lock()
        defer { condition.unlock() }
        return started
    }

    func submit(_ work: @escaping () -> Void) {
        condition.lock()
        queue.append(work)
        let spawn = queue.count - head > idle && started < maxThreads && !stopping
        if spawn { started += 1 }
        let index = started
        condition.signal()
        condition.unlock()
        if spawn { startThread(index) }
    }

    private func startThread(_ index: Int) {
        finished.enter()
        let thread = Thread { [self] in
            self.run()
            self.finished.leave()
        }
        thread.name = "\(name)-\(index)"
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs what is queued, then stops every thread and waits for them.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
        finished.wait()
    }

    private func run() {
        while true {
            condition.lock()
            while head == queue.count && !stopping {
                idle += 1
                condition.wait()
                idle -= 1
            }
            if head == queue.count {
                condition.unlock()
                return
            }
            let work = queue[head]
            head += 1
            if head > 1024 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
            condition.unlock()
            work()
        }
    }
}
