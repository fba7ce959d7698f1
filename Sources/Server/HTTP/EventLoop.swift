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
    private let epfd: Int32
    private let wakeFD: Int32
    private let listenFD: Int32
    private let limits: HTTPLimits
    private let budget: ConnectionBudget
    private let responder: any HTTPResponder
    private let workers: WorkerPool
    private let logger: Logger
    private var connections: [Int32: HTTPConnection] = [:]
    private var listening = true
    private var lastSweep = monotonicSeconds()

    // Shared with worker threads and the server (guarded by `lock`).
    private let lock = NSLock()
    private var completions: [(HTTPConnection, HTTPRequest, HTTPResponse, Double)] = []
    /// Sockets handed over by a sibling loop at the connection cap (it had nothing idle to close).
    private var adoptions: [Int32] = []
    /// Connections not yet being answered at the last sweep: where siblings send a newcomer at the cap.
    private var evictableHint = 0
    /// The other loops of the server, for hand-overs at the connection cap.
    var siblings: [EventLoop] = []
    private var wakePending = false
    private var draining = false
    private var stopped = false
    private let done = DispatchSemaphore(value: 0)
    private let listenerReleased = DispatchSemaphore(value: 0)

    init(listenFD: Int32, limits: HTTPLimits, budget: ConnectionBudget, responder: any HTTPResponder,
         workers: WorkerPool, logger: Logger) throws {
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
    private var connectionCount = 0

    // MARK: Loop

    private func run() {
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
                    if fd == listenFD { acceptAll() }
                    else if fd == wakeFD { drainCompletions() }
                    else if let connection = connections[fd] { handle(connection, events: flags) }
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

    private func lockedFlags() -> (Bool, Bool) {
        lock.lock()
        defer { lock.unlock() }
        return (draining, stopped)
    }

    // MARK: Accept

    private func acceptAll() {
        while true {
            var address = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    csystem_accept4(listenFD, $0, &length, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                if errno == EMFILE || errno == ENFILE {
                    logger.warning("out of file descriptors: cannot accept", metadata: ["open": "\(connections.count)"])
                    if makeRoom() { budget.give() }  // a descriptor freed; the slot goes back
                }
                return
            }
            var one: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
            if !budget.take() && !makeRoom() {
                // Nothing to close here: a sibling that has some closes one and takes the newcomer.
                // (The counts are from each loop's last sweep; the chosen one checks again.)
                if let sibling = siblings.max(by: { $0.evictableConnections < $1.evictableConnections }) {
                    sibling.adopt(fd)
                } else {
                    refuseOverCapacity(fd)
                }
                continue
            }
            register(fd, peer: PeerAddress(address))
        }
    }

    /// Every connection is busy: say so rather than leave the client hanging.
    private func refuseOverCapacity(_ fd: Int32) {
        let bytes = Self.overCapacity.serialized(keepAlive: false, includeBody: true, date: HTTPDate.now())
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        Glibc.close(fd)
    }

    private func register(_ fd: Int32, peer: PeerAddress) {
        let connection = HTTPConnection(fd: fd, peer: peer, limits: limits, now: monotonicSeconds())
        connections[fd] = connection
        setCount()
        if (try? add(fd, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue)) == nil { close(connection) }
    }

    /// Called by a sibling loop: take over a socket accepted at the connection cap.
    func adopt(_ fd: Int32) {
        lock.lock()
        adoptions.append(fd)
        lock.unlock()
        wake()
    }

    /// Connections that could be closed for a newcomer, at the last sweep.
    var evictableConnections: Int {
        lock.lock()
        defer { lock.unlock() }
        return evictableHint
    }

    private func adoptPending() {
        lock.lock()
        let fds = adoptions
        adoptions.removeAll()
        lock.unlock()
        for fd in fds {
            if budget.take() || makeRoom() { register(fd, peer: PeerAddress(ofSocket: fd)) } else { refuseOverCapacity(fd) }
        }
    }

    /// At the connection cap, closes one connection that has not finished sending a request, so a
    /// newcomer is served at once, and hands its slot of the budget to the caller (never back to
    /// the pool, where another loop's accept could take it first). False when every connection
    /// here is being answered.
    ///
    /// The victim is taken from the peer address holding the most such connections, so that one
    /// host trickling thousands of requests cannot lock out anyone else; within that peer, an idle
    /// keep-alive connection goes first (longest idle), then the request that started longest ago.
    @discardableResult
    private func makeRoom() -> Bool {
        var perPeer: [String: [HTTPConnection]] = [:]
        for connection in connections.values where connection.phase == .reading {
            perPeer[connection.peer.host, default: []].append(connection)
        }
        guard let heaviest = perPeer.values.max(by: { $0.count < $1.count }) else { return false }
        let keptAlive = { (c: HTTPConnection) in c.isIdle && c.served > 0 }
        let victim = heaviest.filter(keptAlive).min { $0.lastActivity < $1.lastActivity }
            ?? heaviest.min { ($0.requestStartedAt ?? $0.lastActivity) < ($1.requestStartedAt ?? $1.lastActivity) }
        guard let victim else { return false }
        if !keptAlive(victim) {
            // It is (or was about to be) sending a request: tell it why, best effort and without
            // blocking. What it sent is read first, or closing would reset the connection and
            // lose the answer.
            var scratch = [UInt8](repeating: 0, count: 16 * 1024)
            for _ in 0..<8 where scratch.withUnsafeMutableBytes({ recv(victim.fd, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }) > 0 {}
            let bytes = Self.overCapacity.serialized(keepAlive: false, includeBody: true, date: HTTPDate.now())
            _ = bytes.withUnsafeBytes { send(victim.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL | MSG_DONTWAIT)) }
        }
        close(victim, releasingSlot: false)
        return true
    }

    private static let overCapacity = HTTPResponse.error(
        503, code: "service_unavailable", message: "too many connections; send the whole request at once, or retry shortly",
        headers: [("Retry-After", "1")])

    // MARK: Read

    private func handle(_ connection: HTTPConnection, events: UInt32) {
        if events & (EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 && connection.phase != .writing {
            if connection.phase != .processing { close(connection) }
            return
        }
        if events & EPOLLOUT.rawValue != 0 && connection.phase == .writing {
            flush(connection)
            return
        }
        if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 && connection.phase == .reading {
            readAvailable(connection)
        }
    }

    private static let readSize = 64 * 1024
    private var readBuffer = [UInt8](repeating: 0, count: EventLoop.readSize)

    private func readAvailable(_ connection: HTTPConnection) {
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
    private func processBuffered(_ connection: HTTPConnection) {
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
                let request = HTTPRequest(method: "-", target: "-")
                let response = HTTPResponse.error(error.status, code: error.code, message: error.message)
                connection.closeAfterWrite = true
                respond(connection, request: request, response: response, started: connection.requestStartedAt ?? monotonicSeconds())
                return
            }
        }
    }

    private func dispatch(_ connection: HTTPConnection, request: HTTPRequest) {
        let started = connection.requestStartedAt ?? monotonicSeconds()
        connection.requestStartedAt = nil
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

    // MARK: Write

    /// Called on a worker thread.
    private func complete(_ connection: HTTPConnection, request: HTTPRequest, response: HTTPResponse, started: Double) {
        lock.lock()
        completions.append((connection, request, response, started))
        let needsWake = !wakePending
        wakePending = true
        lock.unlock()
        if needsWake { wake() }
    }

    private func wake() {
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
    }

    private func drainCompletions() {
        var counter: UInt64 = 0
        _ = read(wakeFD, &counter, 8)
        lock.lock()
        let batch = completions
        completions.removeAll(keepingCapacity: true)
        wakePending = false
        lock.unlock()
        for (connection, request, response, started) in batch where !connection.closed {
            respond(connection, request: request, response: response, started: started)
        }
        adoptPending()
    }

    private func respond(_ connection: HTTPConnection, request: HTTPRequest, response: HTTPResponse, started: Double) {
        let (isDraining, _) = lockedFlags()
        let keepAlive = request.keepAlive && !connection.closeAfterWrite && !isDraining
            && !(response.header("Connection")?.lowercased() == "close")
        if !keepAlive { connection.closeAfterWrite = true }
        var response = response
        response.headers.removeAll { $0.name.caseInsensitiveEquals("Connection") }
        let bytes = response.serialized(keepAlive: keepAlive, includeBody: request.method != "HEAD", date: HTTPDate.now())
        connection.output.append(contentsOf: bytes)
        connection.phase = .writing
        connection.writeStartedAt = monotonicSeconds()
        connection.served += 1
        let elapsed = (monotonicSeconds() - started) * 1000
        logger.info("\(request.method) \(request.path) \(response.status) \(String(format: "%.2f", elapsed))ms \(response.body.count)B",
                    metadata: ["peer": "\(connection.peer)"])
        flush(connection)
    }

    private func flush(_ connection: HTTPConnection) {
        while connection.outputOffset < connection.output.count {
            let n = connection.output.withUnsafeBytes { buffer in
                send(connection.fd, buffer.baseAddress! + connection.outputOffset,
                     buffer.count - connection.outputOffset, Int32(MSG_NOSIGNAL))
            }
            if n > 0 {
                connection.outputOffset += n
                connection.lastActivity = monotonicSeconds()
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                setInterest(connection, EPOLLOUT.rawValue | EPOLLRDHUP.rawValue)
                return
            } else {
                close(connection)
                return
            }
        }
        connection.output.removeAll(keepingCapacity: true)
        connection.outputOffset = 0
        connection.writeStartedAt = nil
        if connection.closeAfterWrite {
            close(connection)
            return
        }
        connection.phase = .reading
        setInterest(connection, EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
        processBuffered(connection)  // a pipelined request may be waiting already
    }

    // MARK: Timers

    private func sweep(now: Double, draining: Bool) {
        var evictable = 0
        defer {
            lock.lock()
            evictableHint = evictable
            lock.unlock()
        }
        for connection in Array(connections.values) {
            if connection.phase == .reading { evictable += 1 }
            switch connection.phase {
            case .reading:
                if connection.parser.isMidRequest {
                    if let started = connection.requestStartedAt, now - started > limits.requestTimeout {
                        connection.closeAfterWrite = true
                        respond(connection, request: HTTPRequest(method: "-", target: "-"),
                                response: .error(408, code: "request_timeout", message: "the request did not arrive in full within \(Int(limits.requestTimeout))s"),
                                started: started)
                    }
                } else if draining || now - connection.lastActivity > limits.idleTimeout {
                    close(connection)
                }
            case .writing:
                if let started = connection.writeStartedAt, now - started > limits.writeTimeout { close(connection) }
            case .processing:
                break
            }
        }
    }

    // MARK: epoll helpers

    private func add(_ fd: Int32, events: UInt32) throws {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        guard epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &event) == 0 else { throw ServerError.system("epoll_ctl", errno) }
    }

    /// Changes what epoll reports for a connection; no system call when it is unchanged (the
    /// common case: an inline answer written at once leaves the connection reading).
    private func setInterest(_ connection: HTTPConnection, _ events: UInt32) {
        guard connection.interest != events else { return }
        connection.interest = events
        var event = epoll_event()
        event.events = events
        event.data.fd = connection.fd
        epoll_ctl(epfd, EPOLL_CTL_MOD, connection.fd, &event)
    }

    private func close(_ connection: HTTPConnection, releasingSlot: Bool = true) {
        guard !connection.closed else { return }
        connection.closed = true
        epoll_ctl(epfd, EPOLL_CTL_DEL, connection.fd, nil)
        Glibc.close(connection.fd)
        connections[connection.fd] = nil
        if releasingSlot { budget.give() }
        setCount()
    }

    private func setCount() {
        lock.lock()
        connectionCount = connections.count
        lock.unlock()
    }
}

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

/// The `Date` header value, formatted once per second.
enum HTTPDate {
    private static let cache = Locked<(Int, String)>((0, ""))

    static func now() -> String {
        let seconds = Int(time(nil))
        return cache.withLock { entry in
            if entry.0 == seconds { return entry.1 }
            var t = time_t(seconds)
            var parts = tm()
            gmtime_r(&t, &parts)
            var buffer = [CChar](repeating: 0, count: 64)
            strftime(&buffer, 64, "%a, %d %b %Y %H:%M:%S GMT", &parts)
            entry = (seconds, String(nulTerminated: buffer))
            return entry.1
        }
    }
}

import Core
