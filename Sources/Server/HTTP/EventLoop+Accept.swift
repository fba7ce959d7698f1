import CSystem
import Core
import HTTPTypes
import Foundation
import Logging
#if canImport(Glibc)
    import Glibc
#endif

/// Accepting connections, and making room at the connection cap.
extension EventLoop {
    // MARK: Accept

    func acceptAll() {
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
    func refuseOverCapacity(_ fd: Int32) {
        let bytes = Self.overCapacity.serialized(keepAlive: false, includeBody: true, date: HTTPDate.now())
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        Glibc.close(fd)
    }

    func register(_ fd: Int32, peer: PeerAddress) {
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

    func adoptPending() {
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
    func makeRoom() -> Bool {
        var perPeer: [String: [HTTPConnection]] = [:]
        for connection in connections.values where connection.phase == .reading {
            perPeer[connection.peer.host, default: []].append(connection)
        }
        guard let heaviest = perPeer.values.max(by: { $0.count < $1.count }) else { return false }
        let keptAlive = { (c: HTTPConnection) in c.isIdle && c.served > 0 }
        let victim =
            heaviest.filter(keptAlive).min { $0.lastActivity < $1.lastActivity }
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

    static let overCapacity = Response.error(
        503, code: "service_unavailable", message: "too many connections; send the whole request at once, or retry shortly",
        headerFields: [.retryAfter: "1"])
}
