import Foundation

/// `Tests/Fixtures/verify_fixture.py`: TLS listeners (and a DNS responder) on loopback with the
/// test certificates. Stopped by closing its standard input, which also happens if the test dies.
public final class VerifyFixture: @unchecked Sendable {
    /// `Tests/Fixtures`: certificates, the fixture, the namespace script.
    public static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    public static func certificate(_ name: String) -> String { directory.appendingPathComponent("tls/\(name)").path }
    public static var caFile: String { certificate("ca.pem") }

    private let process = Process()
    private let input = Pipe()
    public let tlsPorts: [Int]
    public let dnsPort: Int?

    /// One TLS listener on 127.0.0.1 per certificate name (`intake`, `wrong-name`, `self-signed`;
    /// `plain` is a listener that answers in plain HTTP).
    public convenience init(tls certificates: [String]) throws {
        let specs: [[String: Any]] = certificates.map {
            $0 == "plain"
                ? ["host": "127.0.0.1", "port": 0, "plain": true]
                : ["host": "127.0.0.1", "port": 0, "cert": Self.certificate("\($0).pem"), "key": Self.certificate("\($0).key")]
        }
        try self.init(config: ["tls": specs])
    }

    /// A DNS responder on 127.0.0.1 answering `names` (see verify_fixture.py for their form).
    public convenience init(dns names: [String: Any]) throws {
        try self.init(config: ["dns": ["host": "127.0.0.1", "port": 0, "names": names]])
    }

    public init(config: [String: Any]) throws {
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let json = String(decoding: try JSONSerialization.data(withJSONObject: config), as: UTF8.self)
        process.arguments = ["python3", Self.directory.appendingPathComponent("verify_fixture.py").path, json]
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // The first line names the ports; bounded by the fixture's start-up (a second or so).
        var line = Data()
        let handle = output.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        guard let ports = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else {
            process.terminate()
            throw FixtureFailed(output: String(decoding: line, as: UTF8.self))
        }
        tlsPorts = ports["tls"] as? [Int] ?? []
        dnsPort = ports["dns"] as? Int
    }

    public func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    deinit { stop() }
}

/// The fixture did not start; what it printed.
public struct FixtureFailed: Error { public let output: String }
