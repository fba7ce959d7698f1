import CSystem
import Foundation

/// One client connection's state. Touched only by its event loop's thread.
final class HTTPConnection {
    /// `waiting`: a long poll's answer is pending; `streaming`: the head is written and events follow.
    enum Phase { case reading, processing, writing, waiting, streaming }

    let fd: Int32
    let peer: PeerAddress
    var parser: RequestParser
    var phase: Phase = .reading
    var output: [UInt8] = []
    var outputOffset = 0
    var closeAfterWrite = false
    var closed = false
    /// Monotonic seconds of the last byte read or written.
    var lastActivity: Double
    /// When the first byte of the request being read arrived.
    var requestStartedAt: Double?
    /// When the current response started to be written.
    var writeStartedAt: Double?
    /// True while `processBuffered` runs for this connection (guards against re-entry).
    var parsing = false
    /// The epoll events registered for this socket.
    var interest: UInt32 = EPOLLIN.rawValue | EPOLLRDHUP.rawValue
    /// Requests answered on this connection.
    var served = 0
    /// The stream being written (phase `streaming`, and `writing` while its head goes out).
    var stream: (any ResponseStream)?
    /// The pending answer, its request and when that request was complete (phase `waiting`).
    var pending: (pending: any PendingResponse, request: Request, started: Double)?

    init(fd: Int32, peer: PeerAddress, limits: HTTPLimits, now: Double) {
        self.fd = fd
        self.peer = peer
        self.parser = RequestParser(limits: limits)
        self.lastActivity = now
    }

    /// Idle: between requests, nothing buffered and nothing being answered.
    var isIdle: Bool { phase == .reading && !parser.isMidRequest }
}

/// Monotonic time in seconds.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
