import Foundation
import Logging
import CSystem
#if canImport(Glibc)
    import Glibc
#endif

/// Answers one complete request. Called on a worker thread, where it may block (SQLite writes);
/// or, when `answersInline(_:)` says so, directly on the event loop, which must then never wait.
public protocol HTTPResponder: Sendable {
    func respond(to request: Request) -> Response
    /// True for requests answered quickly without waiting on anything (reads from WAL-mode SQLite):
    /// the event loop answers them itself and skips two thread hand-offs.
    func answersInline(_ request: Request) -> Bool
    /// Work done once per request before the two calls above, such as resolving its route.
    func prepare(_ request: inout Request)
}

extension HTTPResponder {
    public func answersInline(_ request: Request) -> Bool { false }
    public func prepare(_ request: inout Request) {}
}

/// A socket-level failure.
public enum ServerError: Error, CustomStringConvertible {
    case system(String, Int32)
    case address(String)

    public var description: String {
        switch self {
        case let .system(call, code): return "\(call) failed: \(String(cString: strerror(code)))"
        case let .address(text): return "cannot listen on \(text)"
        }
    }
}

/// HTTP/1.1 on POSIX sockets: event loops (epoll) for I/O, a worker pool for handlers.
public final class HTTPServer: @unchecked Sendable {
    public struct Configuration: Sendable {
        public var host = "127.0.0.1"
        public var port = 8080
        public var limits = HTTPLimits()
        /// Event-loop threads (socket I/O and inline reads); one per core by default.
        public var eventLoops = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))
        /// Handler threads.
        public var workers = 8
        public init() {}
    }

    public let configuration: Configuration
    private let responder: any HTTPResponder
    private let logger: Logger
    private var listenFD: Int32 = -1
    private var loops: [EventLoop] = []
    private var pool: WorkerPool?
    /// The port actually bound (differs from the configuration's when it asked for 0).
    public private(set) var port = 0

    public init(configuration: Configuration, responder: any HTTPResponder, logger: Logger) {
        self.configuration = configuration
        self.responder = responder
        self.logger = logger
    }

    /// Binds, listens and starts the loops. Returns the bound port.
    @discardableResult
    public func start() throws -> Int {
        signal(SIGPIPE, SIG_IGN)
        raiseFileLimit()
        listenFD = try bind(host: configuration.host, port: configuration.port)
        port = boundPort(listenFD)
        let pool = WorkerPool(threads: configuration.workers, name: "privatelinkd-worker")
        self.pool = pool
        let budget = ConnectionBudget(limit: configuration.limits.maxConnections)
        for _ in 0..<max(1, configuration.eventLoops) {
            loops.append(
                try EventLoop(
                    listenFD: listenFD, limits: configuration.limits, budget: budget,
                    responder: responder, workers: pool, logger: logger))
        }
        for (index, loop) in loops.enumerated() {
            loop.siblings = loops.filter { $0 !== loop }
            loop.start(name: "privatelinkd-loop-\(index)")
        }
        return port
    }

    /// Graceful stop: no new connections; in-flight requests are answered (with `Connection: close`);
    /// then the loops and workers end. Waits up to `grace` seconds for connections to finish.
    public func shutdown(grace: Double = 10) {
        guard !loops.isEmpty else { return }
        defer { loops = [] }
        for loop in loops { loop.beginDraining() }
        for loop in loops { loop.waitUntilListenerReleased() }
        if listenFD >= 0 { Glibc.close(listenFD) }  // new connections are refused from here on
        listenFD = -1
        let deadline = monotonicSeconds() + grace
        while loops.contains(where: { $0.openConnections > 0 }) && monotonicSeconds() < deadline {
            usleep(20_000)  // polling the drain, bounded by the grace period
        }
        for loop in loops { loop.stop() }
        pool?.shutdown()
    }

    public var openConnections: Int { loops.reduce(0) { $0 + $1.openConnections } }

    private func bind(host: String, port: Int) throws -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV
        var result: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &result)
        guard rc == 0, let first = result else { throw ServerError.address("\(host):\(port) (\(String(cString: gai_strerror(rc))))") }
        defer { freeaddrinfo(result) }
        var lastError: Int32 = 0
        var info: UnsafeMutablePointer<addrinfo>? = first
        while let current = info {
            info = current.pointee.ai_next
            let fd = socket(current.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
            if fd < 0 { lastError = errno; continue }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            if Glibc.bind(fd, current.pointee.ai_addr, current.pointee.ai_addrlen) == 0, listen(fd, 4096) == 0 {
                return fd
            }
            lastError = errno
            Glibc.close(fd)
        }
        throw ServerError.system("bind \(host):\(port)", lastError)
    }

    private func boundPort(_ fd: Int32) -> Int {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        let family = address.ss_family
        return withUnsafePointer(to: &address) { pointer -> Int in
            if family == sa_family_t(AF_INET6) {
                return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin6_port)) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { Int(UInt16(bigEndian: $0.pointee.sin_port)) }
        }
    }

    /// Lifts the soft open-file limit to the hard one: each connection is a descriptor.
    private func raiseFileLimit() {
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }
}
