import Foundation
import Testing
import TestSupport
@testable import Core
#if canImport(Glibc)
    import Glibc
#endif

/// Tokens as operators use them: the `token` commands beside a running server, bearer tokens over
/// the wire, and where authentication is required.
@Suite(.serialized) struct TokenProcessTests {
    /// Runs a `privatelinkd` command to its end (bounded by the command itself); stdout, stderr, status.
    static func command(_ arguments: [String]) throws -> (out: String, err: String, status: Int32) {
        let process = Process()
        process.executableURL = ProcessTests.executable
        process.arguments = arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self), process.terminationStatus)
    }

    @Test func aTokensSecretIsNowhereInTheDatabaseItsWALOrTheLogs() throws {
        let folder = try ProcessTests.temporaryFolder()
        let db = folder.appendingPathComponent("tokens.sqlite").path
        let created = try Self.command(["token", "create", "--name", "ci", "--role", "operator", "--db", db])
        #expect(created.status == 0, "\(created.err)")
        let secret = created.out.trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(secret.hasPrefix("plk_") && secret.utf8.count == 64)

        // Trace-level logs, explicitly tokens on loopback.
        let server = try ProcessTests.RunningServer(arguments: ["--port", "0", "--db", db, "--workers", "0", "--auth", "tokens", "--log-level", "trace"])
        try #require(server.waitForListening() != nil, "stderr: \(server.stderr)")
        let url = "http://127.0.0.1:\(server.port)"
        let status = ["--output", "/dev/null", "--write-out", "%{http_code}"]
        let bearer = ["-H", "Authorization: Bearer \(secret)"]
        #expect(try ProcessTests.curl(status + ["\(url)/v1/setups", "-d", validSetupJSON]) == "401")
        #expect(try ProcessTests.curl(status + bearer + ["\(url)/v1/setups", "-d", validSetupJSON]) == "202")
        #expect(try ProcessTests.curl(status + bearer + ["\(url)/v1/setups"]) == "200")
        #expect(try ProcessTests.curl(status + ["-H", "Authorization: Bearer \(secret.dropLast())x", "\(url)/v1/setups"]) == "401")
        // Revoked by the command while the server runs: refused from the next request on.
        #expect(try Self.command(["token", "revoke", "ci", "--db", db]).status == 0)
        #expect(try ProcessTests.curl(status + bearer + ["\(url)/v1/setups"]) == "401")
        let listed = try Self.command(["token", "list", "--json", "--db", db])
        #expect(listed.out.contains("\"revoked\""))

        // The files as they are while the server runs, and after it stopped.
        let files = [db, db + "-wal", db + "-shm"]
        var seen = files.compactMap { FileManager.default.contents(atPath: $0) }
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForExit() == 0)
        seen += files.compactMap { FileManager.default.contents(atPath: $0) }
        let logs = Data(server.stderr.utf8) + Data(created.err.utf8) + Data(listed.out.utf8) + Data(listed.err.utf8)
        #expect(server.stderr.contains("/v1/setups"), "the trace log covered the requests")
        // The 43 secret characters after plk_<id>_ (base64url: they may hold '_' themselves).
        let secretPart = Data(secret.utf8.suffix(43))
        for blob in seen + [logs] {
            #expect(blob.range(of: Data(secret.utf8)) == nil)
            #expect(blob.range(of: secretPart) == nil)
        }
        #expect(seen.contains { $0.range(of: Data(APIToken.digest(secret).utf8)) != nil }, "its hash is what is kept")
    }

    @Test func offLoopbackTokensAreTheDefaultAndNoAuthIsRefused() throws {
        let folder = try ProcessTests.temporaryFolder()
        let db = folder.appendingPathComponent("exposed.sqlite").path
        let refused = try ProcessTests.RunningServer(arguments: ["--host", "0.0.0.0", "--port", "0", "--db", db, "--auth", "none"])
        #expect(refused.waitForExit() != 0)
        #expect(refused.stderr.contains("--auth none is refused on a non-loopback address"))

        // Bound to every address (traffic still goes to 127.0.0.1 only): a token is required.
        let server = try ProcessTests.RunningServer(arguments: ["--host", "0.0.0.0", "--port", "0", "--db", db, "--workers", "0", "--log-level", "warning"])
        let line = try #require(server.waitForListening(), "stderr: \(server.stderr)")
        let port = try #require(line.range(of: #":(\d+) "#, options: .regularExpression).map { line[$0].dropFirst().dropLast() })
        let status = ["--output", "/dev/null", "--write-out", "%{http_code}"]
        #expect(try ProcessTests.curl(status + ["http://127.0.0.1:\(port)/v1/sites"]) == "401")
        #expect(try ProcessTests.curl(status + ["http://127.0.0.1:\(port)/healthz"]) == "200")
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForExit() == 0)
    }
}
