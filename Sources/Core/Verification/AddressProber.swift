import Foundation
#if canImport(Glibc)
    import Glibc
#endif

/// What one address showed: TCP to the port, then (when it connected) the TLS handshake.
public struct ProbeOutcome: Sendable, Equatable {
    public let address: String
    public let tcp: TCPProbe.Result
    public let tls: TLSOutcome?

    public init(address: String, tcp: TCPProbe.Result, tls: TLSOutcome?) {
        self.address = address
        self.tcp = tcp
        self.tls = tls
    }

    public var tcpText: String {
        switch tcp {
        case .connected: return "connected"
        case .refused: return "refused"
        case .timeout: return "timeout"
        case let .failed(reason): return "failed: \(reason)"
        }
    }

    public var json: JSON {
        .object([("address", .string(address)), ("tcp", .string(tcpText)), ("tls", tls?.json ?? .null)])
    }
}

/// Probes one address for one hostname; replaced in unit tests.
public protocol AddressProber: Sendable {
    func probe(address: String, hostname: String) -> ProbeOutcome
}

/// The real prober: TCP to `port` (443) with a short timeout, then a TLS handshake on the same
/// connection with the hostname as SNI, checking the certificate against the system's CAs (and an
/// extra CA file, when given).
public struct NetworkProber: AddressProber {
    public let port: Int
    public let timeout: TimeInterval
    public let tls: TLSProbe

    public init(port: Int = 443, timeout: TimeInterval = 3, tls: TLSProbe) {
        self.port = port
        self.timeout = timeout
        self.tls = tls
    }

    public func probe(address: String, hostname: String) -> ProbeOutcome {
        let (tcp, fd) = TCPProbe.open(host: address, port: port, timeout: timeout)
        guard let fd else { return ProbeOutcome(address: address, tcp: tcp, tls: nil) }
        defer { close(fd) }
        return ProbeOutcome(address: address, tcp: tcp, tls: tls.handshake(fd: fd, hostname: hostname, timeout: timeout))
    }
}
