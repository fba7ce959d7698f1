import Foundation
import Testing
import TestSupport
@testable import Core
#if canImport(Glibc)
    import Glibc
#endif

/// The OpenAPI contract (`GET /openapi.json`) checked against the running binary by schemathesis
/// (PyPI; `.ci/run` installs it), with moto behind the server: no server errors, status codes,
/// content types, response schemas and headers as documented, valid data accepted and invalid data
/// refused (all its default checks), a bounded number of examples per operation.
@Suite(.serialized) struct ContractTests {
    /// A process started for the test and killed when the test ends (moto's development server
    /// does not stop on SIGTERM).
    final class Child {
        let process = Process()
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("contract-\(UUID().uuidString).log")

        init(
            _ arguments: [String], environment: [String: String] = [:], executable: URL = URL(fileURLWithPath: "/usr/bin/env"),
            directory: URL? = nil
        ) throws {
            process.executableURL = executable
            if let directory { process.currentDirectoryURL = directory }
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
            let handle = try FileHandle(forWritingTo: log)
            process.standardOutput = handle
            process.standardError = handle
            try process.run()
        }

        var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

        deinit {
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
            }
        }
    }

    static func freePort() throws -> Int {
        let (fd, port) = try #require(LoopbackSocket.bind(type: SOCK_STREAM))
        close(fd)
        return port
    }

    /// Polls (bounded) until something answers on the port.
    static func waitForPort(_ port: Int, seconds: Double = 20) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? RawClient(port: port, timeout: 1)) != nil { return true }
            usleep(100_000)  // waiting for a child process to listen, bounded by the deadline
        }
        return false
    }

    @Test func theRunningServerKeepsItsOpenAPIContract() throws {
        let folder = try ProcessTests.temporaryFolder()
        let motoPort = try Self.freePort()
        let moto = try Child(["python3", "-m", "moto.server", "-H", "127.0.0.1", "-p", String(motoPort)])
        try #require(Self.waitForPort(motoPort), "moto did not start: \(moto.output)")
        let port = try Self.freePort()
        let server = try Child(
            ["--port", String(port), "--db", folder.appendingPathComponent("contract.sqlite").path, "--log-level", "warning", "--poll-interval", "200ms"],
            environment: [
                "AWS_ENDPOINT_URL": "http://127.0.0.1:\(motoPort)", "AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test",
                "AWS_EC2_METADATA_DISABLED": "true", "PRIVATELINKD_DNS_SERVER": "127.0.0.1:9",
            ], executable: ProcessTests.executable)
        try #require(Self.waitForPort(port), "privatelinkd did not start: \(server.output)")

        // All of schemathesis's default checks, with the settings in Tests/Contract/schemathesis.toml.
        let config = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Contract/schemathesis.toml")
        let run = try Child(
            [
                "python3", "-m", "schemathesis.cli", "--config-file", config.path, "run", "http://127.0.0.1:\(port)/openapi.json",
                "--max-examples", "4", "--seed", "1", "--request-timeout", "5", "--no-color",
            ], environment: ["SCHEMATHESIS_HOOKS": ""], directory: folder)
        run.process.waitUntilExit()  // schemathesis bounds itself: 4 examples per operation and phase
        let report = run.output
        #expect(run.process.terminationStatus == 0, "schemathesis found failures:\n\(report.suffix(4000))")
        #expect(report.contains("Stateful") && report.contains("Fuzzing"), "the run covered its phases:\n\(report.suffix(2000))")
    }
}
