import Foundation
@testable import Core
#if canImport(Glibc)
    import Glibc
#endif

/// The AWS API emulator (moto in server mode) on a free loopback port, started once for the test
/// process and stopped when it exits. Tests point `AWS_ENDPOINT_URL` at it: nothing leaves loopback.
final class MotoServer: @unchecked Sendable {
    let process = Process()
    let port: Int
    var url: URL { URL(string: "http://127.0.0.1:\(port)")! }

    nonisolated(unsafe) private static var instance: MotoServer?
    private static let lock = NSLock()

    /// The shared emulator; throws when moto cannot be started (not installed: run .ci/run).
    ///
    /// Started from a thread that lives as long as the test process: PR_SET_PDEATHSIG fires when
    /// the parent *thread* ends, and test threads come and go.
    static func shared() throws -> MotoServer {
        lock.lock()
        defer { lock.unlock() }
        if let instance { return instance }
        let started = DispatchSemaphore(value: 0)
        let result = Locked<Result<MotoServer, Error>?>(nil)
        let thread = Thread {
            result.withLock { $0 = Result { try MotoServer() } }
            started.signal()
            DispatchSemaphore(value: 0).wait()  // park forever: this thread is moto's parent
        }
        thread.name = "moto-parent"
        thread.start()
        started.wait()
        let server = try result.withLock { $0! }.get()
        instance = server
        atexit { MotoServer.instance?.stop() }
        return server
    }

    private init() throws {
        port = try Self.freePort()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        // PR_SET_PDEATHSIG: the emulator is killed with the test process, however that ends.
        process.arguments = [
            "python3", "-c",
            """
            import ctypes, runpy, signal, sys
            ctypes.CDLL("libc.so.6").prctl(1, signal.SIGKILL)
            sys.argv = ["moto_server", "-H", "127.0.0.1", "-p", "\(port)"]
            runpy.run_module("moto.server", run_name="__main__")
            """,
        ]
        var environment = ProcessInfo.processInfo.environment
        environment["MOTO_ALLOW_NONEXISTENT_REGION"] = "false"
        process.environment = environment
        let output = Pipe()
        process.standardError = output
        process.standardOutput = output
        try process.run()
        // Wait for Werkzeug's "Running on http://127.0.0.1:PORT" (bounded), then keep draining.
        let ready = DispatchSemaphore(value: 0)
        let handle = output.fileHandleForReading
        let seen = Locked("")
        Thread.detachNewThread {
            var signalled = false
            while true {
                let data = handle.availableData
                if data.isEmpty { break }
                if !signalled {
                    let text = seen.withLock {
                        $0 += String(decoding: data, as: UTF8.self); return $0
                    }
                    if text.contains("Running on") { signalled = true; ready.signal() }
                }
            }
            if !signalled { ready.signal() }
        }
        guard ready.wait(timeout: .now() + 60) == .success, process.isRunning else {
            stop()
            throw MotoUnavailable(output: seen.withLock { $0 })
        }
    }

    /// Kills the emulator; no waiting (this also runs from `atexit`, where waiting can hang).
    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// An environment for an AWS client aimed at this emulator, with dummy credentials.
    func environment(region: String = "us-east-1") -> AWSEnvironment {
        AWSEnvironment(variables: ["AWS_ENDPOINT_URL": url.absoluteString, "AWS_REGION": region])
    }

    static let credentials = AWSCredentials(accessKeyID: "AKIATESTTESTTESTTEST", secretAccessKey: "test-secret", source: "test")

    private static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard ok else { throw MotoUnavailable(output: "no free port") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}

struct MotoUnavailable: Error, CustomStringConvertible {
    let output: String
    var description: String { "moto server did not start (pip install 'moto[server]'): \(output.suffix(2000))" }
}
