import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// Connects to an address and port with a timeout (non-blocking connect, then poll).
public enum TCPProbe {
    public enum Result: Sendable, Equatable { case connected, refused, timeout, failed(String) }

    /// Connects and closes.
    public static func connect(host: String, port: Int, timeout: TimeInterval) -> Result {
        let (result, fd) = open(host: host, port: port, timeout: timeout)
        if let fd { close(fd) }
        return result
    }

    /// Connects; on `.connected` the caller owns the returned socket and must close it.
    public static func open(host: String, port: Int, timeout: TimeInterval) -> (Result, Int32?) {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return (.failed("not an IPv4 address: \(host)"), nil) }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return (.failed("socket: \(String(cString: strerror(errno)))"), nil) }
        let result = connect(fd, &address, timeout: timeout)
        guard result == .connected else {
            close(fd)
            return (result, nil)
        }
        return (result, fd)
    }

    private static func connect(_ fd: Int32, _ address: inout sockaddr_in, timeout: TimeInterval) -> Result {
        let flags = fcntl(fd, F_GETFL, 0)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        if rc == 0 { return .connected }
        guard errno == EINPROGRESS else { return errno == ECONNREFUSED ? .refused : .failed(String(cString: strerror(errno))) }
        var descriptor = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        let ready = poll(&descriptor, 1, Int32(timeout * 1000))
        guard ready > 0 else { return .timeout }
        var error: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
        switch error {
        case 0: return .connected
        case ECONNREFUSED: return .refused
        case ETIMEDOUT, EHOSTUNREACH, ENETUNREACH: return .timeout
        default: return .failed(String(cString: strerror(error)))
        }
    }
}
