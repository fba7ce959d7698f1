import Foundation
import Logging
import CSystem
#if canImport(Glibc)
    import Glibc
#endif

/// One epoll loop on its own thread: accepts connections from the shared listener, reads requests
/// until they are complete, hands them to the worker pool, and writes the answers back in order.
/// All socket I/O happens here; workers only compute responses.
final class EventLoop: @unchecked Sendable {
    let epfd: Int32
    let wakeFD: Int32
    let listenFD: Int32
    let limits: HTTPLimits
    let budget: ConnectionBudget
    let responder: any HTTPResponder
    let workers: WorkerPool
    let logger: Logger
    var connections: [Int32: HTTPConnection] = [:]
    var listening = true
    var lastSweep = monotonicSeconds()

    // Shared with worker threads and the server (guarded by `lock`).
    let lock = NSLock()
    var completions: [(HTTPConnection, Request, Response, Double)] = []
    /// Sockets handed over by a sibling loop at the connection cap (it had nothing idle to close).
    var adoptions: [Int32] = []
    /// Connections not yet being answered at the last sweep: where siblings send a newcomer at the cap.
    var evictableHint = 0
    /// The other loops of the server, for hand-overs at the connection cap.
    var siblings: [EventLoop] = []
    var wakePending = false
    var draining = false
    var stopped = false
    let done = DispatchSemaphore(value: 0)
    let listenerReleased = DispatchSemaphore(value: 0)

    init(
        listenFD: Int32, limits: HTTPLimits, budget: ConnectionBudget, responder: any HTTPResponder,
        workers: WorkerPool, logger: Logger
    ) throws {
        self.listenFD = listenFD
        self.limits = limits
        self.budget = budget
        self.responder = responder
        self.workers = workers
        self.logger = logger
        epfd = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        guard epfd >= 0, wakeFD >= 0 else { throw ServerError.system("epoll/eventfd", errno) }
        try add(listenFD, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue)
        try add(wakeFD, events: EPOLLIN.rawValue)
    }

    func start(name: String) {
        let thread = Thread { [self] in
            self.run()
            self.done.signal()
        }
        thread.name = name
        thread.start()
    }

    /// Stop accepting; close idle connections now, the rest once their answer is written.
    func beginDraining() {
        lock.lock()
        draining = true
        lock.unlock()
        wake()
    }

    /// Waits until this loop no longer watches the listener, so the server may close it.
    func waitUntilListenerReleased() { listenerReleased.wait() }

    /// Close everything and leave the loop; waits for the loop thread.
    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        wake()
        done.wait()
    }

    var openConnections: Int {
        lock.lock()
        defer { lock.unlock() }
        return connectionCount
    }
    var connectionCount = 0

    // MARK: Loop

    func run() {
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        while true {
            let n = events.withUnsafeMutableBufferPointer { epoll_wait(epfd, $0.baseAddress, 256, 100) }
            let (isDraining, isStopped) = lockedFlags()
            if isStopped { break }
            if isDraining && listening {
                epoll_ctl(epfd, EPOLL_CTL_DEL, listenFD, nil)
                listening = false
                listenerReleased.signal()
            }
            if n > 0 {
                for i in 0..<Int(n) {
                    let fd = events[i].data.fd
                    let flags = events[i].events
                    if fd == listenFD {
                        acceptAll()
                    } else if fd == wakeFD {
                        drainCompletions()
                    } else if let connection = connections[fd] {
                        handle(connection, events: flags)
                    }
                }
            }
            let now = monotonicSeconds()
            if now - lastSweep >= 0.1 || isDraining {
                sweep(now: now, draining: isDraining)
                lastSweep = now
            }
        }
        for connection in Array(connections.values) { close(connection) }
        for fd in adoptions { Glibc.close(fd) }
        siblings = []
        Glibc.close(epfd)
        Glibc.close(wakeFD)
    }

    func lockedFlags() -> (Bool, Bool) {
        lock.lock()
        defer { lock.unlock() }
        return (draining, stopped)
    }

    // MARK: Read

    func handle(_ connection: HTTPConnection, events: UInt32) {
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 && connection.phase != .writing {
            if connection.phase != .processing { close(connection) }
            return
        }
        if events & (EPOLLRDHUP.rawValue | EPOLLIN.rawValue) != 0 && (connection.phase == .waiting || connection.phase == .streaming) {
            close(connection)  // the client left (or sent more than it may while its answer is open)
            return
        }
        if events & EPOLLOUT.rawValue != 0 && (connection.phase == .writing || connection.phase == .streaming) {
            flush(connection)
            return
        }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 && connection.phase == .reading {
            readAvailable(connection)
        }
    }

    static let readSize = 64 * 1024
    var readBuffer = [UInt8](repeating: 0, count: EventLoop.readSize)

    func readAvailable(_ connection: HTTPConnection) {
        var sawEOF = false
        for _ in 0..<16 {
            let n = readBuffer.withUnsafeMutableBytes { recv(connection.fd, $0.baseAddress, $0.count, 0) }
            if n > 0 {
                let now = monotonicSeconds()
                if !connection.parser.isMidRequest { connection.requestStartedAt = now }
                connection.lastActivity = now
                readBuffer.withUnsafeBytes { connection.parser.append(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
                if n < EventLoop.readSize { break }
                if connection.parser.bufferedByteCount > limits.maxHeadBytes + limits.maxBodyBytes + 65536 { break }
            } else if n == 0 {
                sawEOF = true
                break
            } else {
                if errno == EINTR { continue }
                if errno == EAGAIN || errno == EWOULDBLOCK { break }
                close(connection)
                return
            }
        }
        if sawEOF { connection.closeAfterWrite = true }
        processBuffered(connection)
        if sawEOF && connection.phase == .reading && !connection.closed { close(connection) }
    }

    /// Parses what is buffered: answers `100 Continue`, dispatches a complete request, or answers a
    /// malformed one and closes.
    func processBuffered(_ connection: HTTPConnection) {
        // An inline answer flushes and comes back here; the outer call's loop carries on instead,
        // so many pipelined requests never deepen the stack.
        guard !connection.parsing else { return }
        connection.parsing = true
        defer { connection.parsing = false }
        while connection.phase == .reading && !connection.closed {
            switch connection.parser.next() {
            case .needMore:
                if connection.parser.isMidRequest && connection.requestStartedAt == nil {
                    connection.requestStartedAt = monotonicSeconds()
                }
                return
            case .sendContinue:
                let bytes = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
                _ = bytes.withUnsafeBytes { send(connection.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            case let .request(head, body):
                dispatch(connection, request: head.request(body: body))
            case let .failure(error):
                let response = Response.error(error.status, code: error.code, message: error.message)
                connection.closeAfterWrite = true
                respond(connection, request: nil, response: response, started: connection.requestStartedAt ?? monotonicSeconds())
                return
            }
        }
    }

    func dispatch(_ connection: HTTPConnection, request: Request) {
        var request = request
        request.peer = connection.peer.description
        request.peerHost = connection.peer.host
        let started = connection.requestStartedAt ?? monotonicSeconds()
        connection.requestStartedAt = nil
        responder.prepare(&request)
        if responder.answersInline(request) {
            respond(connection, request: request, response: responder.respond(to: request), started: started)
            return
        }
        connection.phase = .processing
        setInterest(connection, EPOLLRDHUP.rawValue)  // no reads while answering: in order, bounded
        let responder = self.responder
        workers.submit { [self] in
            let response = responder.respond(to: request)
            self.complete(connection, request: request, response: response, started: started)
        }
    }

    // MARK: Timers

    func sweep(now: Double, draining: Bool) {
        var evictable = 0
        defer {
            lock.lock()
            evictableHint = evictable
            lock.unlock()
        }
        for connection in Array(connections.values) {
            if connection.phase == .reading { evictable += 1 }
            if connection.phase == .streaming || connection.phase == .waiting { serviceLongLived(connection, now: now) }
            if connection.closed { continue }
            let action = ConnectionTimeouts.action(
                phase: connection.phase, midRequest: connection.parser.isMidRequest, requestStartedAt: connection.requestStartedAt,
                lastActivity: connection.lastActivity, writeStartedAt: connection.writeStartedAt, now: now, draining: draining, limits: limits)
            switch action {
            case .keep:
                break
            case .requestTimedOut:
                connection.closeAfterWrite = true
                respond(
                    connection, request: nil,
                    response: .error(408, code: "request_timeout", message: "the request did not arrive in full within \(Int(limits.requestTimeout))s"),
                    started: connection.requestStartedAt ?? now)
            case .close:
                close(connection)
            }
        }
    }

    // MARK: epoll helpers

    func add(_ fd: Int32, events: UInt32) throws {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        guard epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) == 0 else { throw ServerError.system("epoll_ctl", errno) }
    }

    /// Changes what epoll reports for a connection; no system call when it is unchanged (the
    /// common case: an inline answer written at once leaves the connection reading).
    func setInterest(_ connection: HTTPConnection, _ events: UInt32) {
        guard connection.interest != events else { return }
        connection.interest = events
        var event = epoll_event()
        event.events = events
        event.data.fd = connection.fd
        epoll_ctl(epfd, EPOLL_CTL_MOD, connection.fd, &event)
    }

    func close(_ connection: HTTPConnection, releasingSlot: Bool = true) {
        guard !connection.closed else { return }
        connection.closed = true
        connection.stream?.closed()
        connection.stream = nil
        connection.pending = nil
        epoll_ctl(epfd, EPOLL_CTL_DEL, connection.fd, nil)
        Glibc.close(connection.fd)
        connections[connection.fd] = nil
        if releasingSlot { budget.give() }
        setCount()
    }

    func setCount() {
        lock.lock()
        connectionCount = connections.count
        lock.unlock()
    }
}

import Core
import HTTPTypes
