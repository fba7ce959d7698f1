#if canImport(Glibc)
    import Glibc
#endif

/// A client's address as numbers: the host alone groups a peer's connections (the connection
/// cap makes room at the expense of the busiest host); host and port name it in logs.
struct PeerAddress: CustomStringConvertible, Sendable {
    let host: String
    let port: String
    /// `host:port` (`[host]:port` for IPv6), made once: every request of the connection carries it.
    let description: String

    init(_ address: sockaddr_storage) {
        var address = address
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var port = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo(
                    $0, socklen_t(MemoryLayout<sockaddr_storage>.size), &host, socklen_t(host.count),
                    &port, socklen_t(port.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        self.host = rc == 0 ? String(nulTerminated: host) : "?"
        self.port = rc == 0 ? String(nulTerminated: port) : "?"
        description = self.host.contains(":") ? "[\(self.host)]:\(self.port)" : "\(self.host):\(self.port)"
    }

    /// The peer of a connected socket (one handed over by a sibling loop).
    init(ofSocket fd: Int32) {
        var address = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let rc = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getpeername(fd, $0, &length) }
        }
        self.init(rc == 0 ? address : sockaddr_storage())  // an unknown family reads as "?"
    }

}
