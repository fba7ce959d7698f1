import Foundation
import Testing
import TestSupport
@testable import Core
#if canImport(Glibc)
    import Glibc
#endif

/// The `privatelinkd` executable as users run it: start-up, configuration, signals, crashes.
@Suite(.serialized) struct ProcessTests {
    static var executable: URL { BuiltExecutable.privatelinkd }

    final class RunningServer: @unchecked Sendable {
        let process = Process()
        let output = Pipe()
        /// Standard error goes to a file: complete once the process has exited, with no reader race.
        let errorsFile = FileManager.default.temporaryDirectory.appendingPathComponent("privatelinkd-stderr-\(UUID().uuidString)")
        var port = 0

        init(arguments: [String], environment: [String: String] = [:]) throws {
            process.executableURL = ProcessTests.executable
            process.arguments = arguments
            var env = ProcessInfo.processInfo.environment
            // Never real AWS from a test: a closed loopback port, dummy keys, no instance metadata.
            env["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9"
            env["AWS_ACCESS_KEY_ID"] = "AKIATESTTESTTESTTEST"
            env["AWS_SECRET_ACCESS_KEY"] = "test"
            env["AWS_EC2_METADATA_DISABLED"] = "true"
            // Never the system's resolver: verifications ask a closed loopback port.
            env["PRIVATELINKD_DNS_SERVER"] = "127.0.0.1:9"
            for (k, v) in environment { env[k] = v }
            process.environment = env
            process.standardOutput = output
            _ = FileManager.default.createFile(atPath: errorsFile.path, contents: nil)
            process.standardError = try FileHandle(forWritingTo: errorsFile)
            try process.run()
        }

        var stderr: String { (try? String(contentsOf: errorsFile, encoding: .utf8)) ?? "" }

        /// Reads the start-up line (`… listening on http://127.0.0.1:PORT …`); nil if the process
        /// ended or said nothing within the timeout.
        func waitForListening(timeout: Double = 20) -> String? {
            let box = Locked<String?>(nil)
            let got = DispatchSemaphore(value: 0)
            let handle = output.fileHandleForReading
            Thread.detachNewThread {
                var line = Data()
                while true {
                    let byte = handle.readData(ofLength: 1)
                    if byte.isEmpty || byte == Data("\n".utf8) { break }
                    line.append(byte)
                }
                box.withLock { $0 = String(decoding: line, as: UTF8.self) }
                got.signal()
            }
            guard got.wait(timeout: .now() + timeout) == .success, let line = box.withLock({ $0 }), !line.isEmpty else { return nil }
            if let range = line.range(of: #"http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                port = Int(line[range].split(separator: ":").last!)!
            }
            return line
        }

        /// Waits for the process to end, bounded; returns its exit status or nil on timeout.
        func waitForExit(timeout: Double = 15) -> Int32? {
            let done = DispatchSemaphore(value: 0)
            let process = self.process
            Thread.detachNewThread {
                process.waitUntilExit()
                done.signal()
            }
            guard done.wait(timeout: .now() + timeout) == .success else { return nil }
            return process.terminationStatus
        }

        deinit {
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        }
    }

    static func temporaryFolder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("privatelinkd-process-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    @Test func startsWithFlagsServesAndStopsCleanlyOnSIGTERM() throws {
        let folder = try Self.temporaryFolder()
        let db = folder.appendingPathComponent("flags.sqlite").path
        let server = try RunningServer(arguments: ["--port", "0", "--db", db, "--log-level", "warning"])
        let line = try #require(server.waitForListening(), "no start-up line; stderr: \(server.stderr)")
        #expect(line.contains("listening on http://127.0.0.1:"))
        #expect(server.port > 0)
        let client = try RawClient(port: server.port)
        client.send("GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
        #expect(try client.readResponse().status == 200)
        kill(server.process.processIdentifier, SIGTERM)
        #expect(server.waitForExit() == 0)
        // The database was closed cleanly: the WAL was checkpointed and removed or emptied.
        let wal = (try? FileManager.default.attributesOfItem(atPath: db + "-wal")[.size] as? Int) ?? 0
        #expect(wal == 0)
    }

    @Test func environmentConfiguresItToo() throws {
        let folder = try Self.temporaryFolder()
        let db = folder.appendingPathComponent("env.sqlite").path
        let server = try RunningServer(
            arguments: [],
            environment: [
                "PRIVATELINKD_PORT": "0", "PRIVATELINKD_DB": db, "PRIVATELINKD_LOG_LEVEL": "error",
            ])
        #expect(server.waitForListening() != nil, "stderr: \(server.stderr)")
        #expect(FileManager.default.fileExists(atPath: db))
        kill(server.process.processIdentifier, SIGINT)
        #expect(server.waitForExit() == 0)
    }

    /// Runs the real curl (as the README does) with a bound on its time; its stdout.
    static func curl(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "--silent", "--max-time", "5", "--noproxy", "*"] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test func curlWorksBrowserOnlyRequestsAreRefusedAndTheDatabaseIsTheOwnersOnly() throws {
        let folder = try Self.temporaryFolder()
        let db = folder.appendingPathComponent("guarded.sqlite").path
        let server = try RunningServer(arguments: ["--port", "0", "--db", db, "--workers", "0", "--log-level", "warning"])
        try #require(server.waitForListening() != nil, "stderr: \(server.stderr)")
        let url = "http://127.0.0.1:\(server.port)/v1/setups"
        let status = ["--output", "/dev/null", "--write-out", "%{http_code}"]
        // The README's line: curl -d sends a form content type and no browser headers.
        #expect(try Self.curl(status + [url, "-d", validSetupJSON]) == "202")
        #expect(try Self.curl(status + ["http://localhost:\(server.port)/v1/setups"]) == "200")
        // What a page elsewhere could make a browser send.
        #expect(try Self.curl(status + [url, "-H", "Origin: https://evil.example", "-H", "Content-Type: text/plain", "-d", validSetupJSON]) == "403")
        #expect(try Self.curl(status + [url, "-H", "Sec-Fetch-Site: cross-site", "-d", validSetupJSON]) == "403")
        #expect(try Self.curl(status + [url, "-H", "Origin: http://127.0.0.1:\(server.port)", "-d", validSetupJSON]) == "415")
        #expect(try Self.curl(status + [url, "-H", "Host: rebound.evil.example:\(server.port)"]) == "421")
        let list = try JSON.parse(Array(Self.curl([url]).utf8))
        #expect(list["setups"]?.arrayValue?.count == 1)
        // Role ARNs and external ids live in these files: the owner's only.
        for suffix in ["", "-wal", "-shm"] {
            let mode = try FileManager.default.attributesOfItem(atPath: db + suffix)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(db + suffix) is \(String(mode ?? 0, radix: 8))")
        }
    }

    @Test func badConfigurationIsRefusedWithAClearMessage() throws {
        let server = try RunningServer(arguments: ["--port", "70000"])
        #expect(server.waitForExit() != 0)
        #expect(server.stderr.contains("port must be a number from 0 to 65535"))
    }

    @Test func tamperedMigrationStopsStartUp() throws {
        let folder = try Self.temporaryFolder()
        let migrations = folder.appendingPathComponent("migrations")
        try FileManager.default.copyItem(at: Migrator.locateDirectory(explicit: nil), to: migrations)
        let db = folder.appendingPathComponent("tamper.sqlite").path
        let first = try RunningServer(arguments: ["--port", "0", "--db", db, "--migrations-dir", migrations.path])
        #expect(first.waitForListening() != nil)
        kill(first.process.processIdentifier, SIGTERM)
        #expect(first.waitForExit() == 0)

        let file = migrations.appendingPathComponent("0001_init.sql")
        try (String(contentsOf: file, encoding: .utf8) + "\n-- edited later\n").write(to: file, atomically: true, encoding: .utf8)
        let second = try RunningServer(arguments: ["--port", "0", "--db", db, "--migrations-dir", migrations.path])
        #expect(second.waitForExit() != 0)
        #expect(second.stderr.contains("was changed after it was applied"))
    }

    @Test func killDashNineMidWritesLeavesNoHalfWrittenSetupAndLosesNoAcknowledgedOne() throws {
        let folder = try Self.temporaryFolder()
        let db = folder.appendingPathComponent("crash.sqlite").path
        // Provisioning off: the invariant below counts exactly what the API writes.
        let server = try RunningServer(arguments: ["--port", "0", "--db", db, "--log-level", "error", "--workers", "0"])
        #expect(server.waitForListening() != nil)
        let port = server.port

        // Four clients post setups as fast as they can; the server is killed while they do.
        let acknowledged = Locked<[String]>([])
        let enough = DispatchSemaphore(value: 0)
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                guard let client = try? RawClient(port: port, timeout: 2) else { return }
                for _ in 0..<500 {
                    client.send(post("/v1/setups", validSetupJSON))
                    guard let response = try? client.readResponse(), response.status == 202,
                        let id = response.json?["id"]?.stringValue
                    else { return }
                    let count = acknowledged.withLock { list -> Int in
                        list.append(id)
                        return list.count
                    }
                    if count == 60 { enough.signal() }
                }
            }
        }
        #expect(enough.wait(timeout: .now() + 30) == .success)
        kill(server.process.processIdentifier, SIGKILL)
        _ = server.waitForExit()
        #expect(group.wait(timeout: .now() + 10) == .success)

        // Reopen as the next start would and check every invariant of a complete setup.
        let database = try Database(path: db, readers: 1)
        defer { database.close() }
        try Migrator(migrations: Migration.load(from: Migrator.locateDirectory(explicit: nil))).migrate(database)
        let integrity = try database.read { try $0.firstRow("PRAGMA integrity_check", [], { $0.string(0) }) }
        #expect(integrity == "ok")
        let broken = try database.read { db in
            try db.rows(
                """
                SELECT s.id FROM setups s
                WHERE (SELECT count(*) FROM endpoints e WHERE e.setup_id = s.id) != 2
                   OR (SELECT count(*) FROM jobs j WHERE j.setup_id = s.id) != 1
                   OR (SELECT count(*) FROM transitions t WHERE t.setup_id = s.id) != 4
                """, [], { $0.string(0) })
        }
        #expect(broken.isEmpty, "half-written setups: \(broken)")
        let stored = Set(try database.read { try $0.rows("SELECT id FROM setups", [], { $0.string(0) }) })
        let acked = Set(acknowledged.withLock { $0 })
        #expect(acked.isSubset(of: stored), "acknowledged but lost: \(acked.subtracting(stored).count)")
        #expect(stored.count >= 60)
    }
}
