import CSQLite
import Foundation
import Synchronization
#if canImport(Glibc)
    import Glibc
#endif

/// The database: one writer connection and a small pool of reader connections to one SQLite file.
///
/// In WAL mode readers never wait for the writer, so API reads stay fast while workers write.
/// Writes from this process are serialized here; writes from another process wait on SQLite's busy
/// timeout. Every write runs inside `BEGIN IMMEDIATE`.
public final class Database: Sendable {
    public let path: String
    private let writer: Locked<Connection?>
    /// The thread inside `write`, to catch a nested one.
    private let writingThread = Locked<pthread_t?>(nil)
    /// Idle reader connections. Readers are opened on demand, up to `readerCount`: an idle server
    /// keeps one (each open connection holds its own schema and page cache).
    private let readers: Locked<[Connection]>
    private let readerSlots: DispatchSemaphore
    private let readerCount: Int
    private let isClosed = Locked(false)
    /// Connections that only ask `PRAGMA data_version` (each opened on first use), one per stripe:
    /// a request thread uses its own stripe's, so authenticated requests on several threads do not
    /// queue behind one connection.
    private let versionReaders = (0..<Database.versionStripes).map { _ in Locked<(connection: Connection, statement: Statement)?>(nil) }
    /// How many `versionReaders`: a version is only comparable with one from the same stripe.
    public static let versionStripes = 4

    public init(path: String, readers: Int = 4) throws {
        self.path = path
        try Self.restrictToOwner(path)
        let writer = try Connection(path: path)
        self.writer = Locked(writer)
        self.readerCount = max(1, readers)
        self.readers = Locked([try Self.openReader(path)])
        self.readerSlots = DispatchSemaphore(value: readerCount)
    }

    /// Readers are opened read-write (a read-only open cannot create the -shm file before the
    /// writer has), so they run the same pragmas as the writer, then refuse writes with `query_only`.
    private static func openReader(_ path: String) throws -> Connection {
        let reader = try Connection(path: path, readOnly: false)
        try reader.execute("PRAGMA query_only = ON")
        return reader
    }

    /// The database holds customers' role ARNs and external ids: its file is created `0600` (and an
    /// older, wider one narrowed) before SQLite opens it. SQLite gives `-wal` and `-shm` the main
    /// file's mode when it creates them; existing ones are narrowed here too.
    static func restrictToOwner(_ path: String) throws {
        guard path != ":memory:", !path.hasPrefix("file:") else { return }
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw SQLiteError(extendedCode: SQLITE_CANTOPEN, message: "cannot create \(path): \(String(cString: strerror(errno)))", sql: nil) }
        // Narrowing an existing file fails when another user owns it; SQLite then reports the open.
        _ = fchmod(fd, 0o600)
        Glibc.close(fd)
        for suffix in ["-wal", "-shm", "-journal"] where FileManager.default.fileExists(atPath: path + suffix) {
            chmod(path + suffix, 0o600)
        }
    }

    /// A number that changes whenever another connection (another process, or this one's writer)
    /// has committed since the last call: `PRAGMA data_version` on a connection of its own. Lets a
    /// cache of rarely changed rows skip a read transaction while nothing was written.
    public func dataVersion(stripe: Int = Database.currentVersionStripe()) throws -> Int {
        try versionReaders[stripe % Self.versionStripes].withLock { reader in
            guard !isClosed.withLock({ $0 }) else { throw DatabaseClosedError() }
            if reader == nil {
                let connection = try Self.openReader(path)
                reader = (connection, try connection.statement("PRAGMA data_version"))
            }
            return try reader!.statement.singleInt()  // kept prepared: this runs per authenticated request
        }
    }

    /// The calling thread's stripe (versions compare within a stripe): threads take stripes in
    /// turn on first use, so a handful of request threads never share one, as hashing their ids
    /// could make them.
    public static func currentVersionStripe() -> Int {
        if let stored = pthread_getspecific(stripeKey) { return Int(bitPattern: stored) - 1 }
        let stripe = nextStripe.add(1, ordering: .relaxed).oldValue % versionStripes
        pthread_setspecific(stripeKey, UnsafeRawPointer(bitPattern: stripe + 1))
        return stripe
    }
    private static let stripeKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    private static let nextStripe = Atomic<Int>(0)

    /// Answers when a reader connection can run a statement (the health check).
    public func ping() throws {
        _ = try read { try $0.firstRow("SELECT 1", [], { $0.int(0) }) }
    }

    /// Runs `body` in a write transaction (`BEGIN IMMEDIATE`). A `write` inside a `write` on the
    /// same thread would wait for itself forever: it stops the process at once instead (pass the
    /// `Connection` down, as every persistence function takes it).
    public func write<T>(_ body: (Connection) throws -> T) throws -> T {
        let me = pthread_self()
        precondition(
            writingThread.withLock { $0.map { pthread_equal($0, me) == 0 } ?? true },
            "Database.write called inside Database.write on the same thread")
        return try writer.withLock { connection in
            guard let connection else { throw DatabaseClosedError() }
            writingThread.withLock { $0 = me }
            defer { writingThread.withLock { $0 = nil } }
            return try connection.transaction { try body(connection) }
        }
    }

    /// Runs `body` on the writer connection outside any transaction (migrations manage their own).
    public func withWriter<T>(_ body: (Connection) throws -> T) throws -> T {
        try writer.withLock { connection in
            guard let connection else { throw DatabaseClosedError() }
            return try body(connection)
        }
    }

    /// Runs `body` on a reader connection inside a deferred transaction: every statement in it
    /// sees one consistent snapshot, whatever writers do meanwhile.
    public func read<T>(_ body: (Connection) throws -> T) throws -> T {
        readerSlots.wait()
        defer { readerSlots.signal() }
        // Holding a slot means fewer than `readerCount` readers are busy: take an idle one or open one.
        let idle = readers.withLock { $0.popLast() }
        guard !isClosed.withLock({ $0 }) else { throw DatabaseClosedError() }
        let connection = try idle ?? Self.openReader(path)
        defer { readers.withLock { $0.append(connection) } }
        try connection.run("BEGIN DEFERRED")
        defer { try? connection.run("COMMIT") }
        return try body(connection)
    }

    /// Closes every connection (after waiting for readers in use). Further calls throw.
    public func close() {
        for _ in 0..<readerCount { readerSlots.wait() }
        isClosed.withLock { $0 = true }
        readers.withLock { $0.removeAll() }
        for reader in versionReaders { reader.withLock { $0 = nil } }
        for _ in 0..<readerCount { readerSlots.signal() }
        writer.withLock { connection in
            try? connection?.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            connection = nil
        }
    }
}

/// The database was closed (shutdown) while a caller still wanted it.
public struct DatabaseClosedError: Error, CustomStringConvertible {
    public var description: String { "the database is closed" }
}
