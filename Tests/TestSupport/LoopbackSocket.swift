import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// A socket bound to a free port on 127.0.0.1, for the fakes and listeners tests start: nothing
/// they serve is reachable from off the machine.
public enum LoopbackSocket {
    /// `SOCK_STREAM` or `SOCK_DGRAM`; the socket and its port, or nil when it cannot be bound
    /// (the socket is then closed). The caller owns the socket.
    public static func bind(type: __socket_type) -> (fd: Int32, port: Int)? {
        let fd = socket(AF_INET, Int32(type.rawValue), 0)
        guard fd >= 0 else { return nil }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else {
            close(fd)
            return nil
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }
}
