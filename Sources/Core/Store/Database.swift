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
    private let isClosed = Atomic(false)
    /// Connections that only ask `PRAGMA data_version` (each opened on first use), one per stripe:
    /// a request thread uses its own stripe's, so authenticated requests on several threads do not
    /// queue behind one connection.
    private let versionReaders = (0..<Database.versionStripes).map { _ in Locked<(connection: Connection, statement: Statement)?>(nil) }
    /// How many `versionReaders`: a version is only comparable with one from the same stripe.
    public static let versionStripes = 4
    /// The `-shm` file's wal-index header, mapped (nil for a database without one).
    private let walIndex: WALIndexHeader?

    public init(path: String, readers: Int = 4) throws {
        self.path = path
        try Self.restrictToOwner(path)
        let writer = try Connection(path: path)
        self.writer = Locked(writer)
        self.readerCount = max(1, readers)
        let reader = try Self.openReader(path)
        self.readers = Locked([reader])
        self.readerSlots = DispatchSemaphore(value: readerCount)
        // A first read opens the WAL and its shared memory, which the header lives in.
        let headerConnection = try Self.openReader(path)
        _ = try headerConnection.firstRow("PRAGMA schema_version", []) { $0.int(0) }
        walIndex = WALIndexHeader(connection: headerConnection)
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
            guard !isClosed.load(ordering: .acquiring) else { throw DatabaseClosedError() }
            if reader == nil {
                let connection = try Self.openReader(path)
                reader = (connection, try connection.statement("PRAGMA data_version"))
            }
            return try reader!.statement.singleInt()  // kept prepared: this runs per authenticated request
        }
    }

    /// What `dataVersion` tells, comparable across calls: equal marks mean nobody committed in
    /// between. Read from the mapped wal-index header when it is readable (no system call), else
    /// from `PRAGMA data_version` on the stripe's connection.
    public struct ChangeMark: Equatable, Sendable {
        fileprivate enum Source: Equatable, Sendable {
            case walIndex(WALIndexHeader.Mark)
            case dataVersion(stripe: Int, Int)
            case none
        }
        fileprivate let source: Source
        /// Never equal to a mark that was read: for an empty cache.
        public static let none = ChangeMark(source: .none)
    }

    public func changeMark(stripe: Int = Database.currentVersionStripe()) throws -> ChangeMark {
        if let mark = walIndex?.mark() {
            guard !isClosed.load(ordering: .acquiring) else { throw DatabaseClosedError() }
            return ChangeMark(source: .walIndex(mark))
        }
        return ChangeMark(source: .dataVersion(stripe: stripe, try dataVersion(stripe: stripe)))
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
        try withReader { connection in
            try connection.run("BEGIN DEFERRED")
            defer { try? connection.run("COMMIT") }
            return try body(connection)
        }
    }

    /// Like `read` for a body that runs a single statement: SQLite runs it as its own read
    /// transaction, so the `BEGIN`/`COMMIT` round trip is skipped (the per-request lookups).
    public func readOne<T>(_ body: (Connection) throws -> T) throws -> T { try withReader(body) }

    /// Lends an idle reader connection (or a new one) while fewer than `readerCount` are busy.
    private func withReader<T>(_ body: (Connection) throws -> T) throws -> T {
        readerSlots.wait()
        defer { readerSlots.signal() }
        let idle = readers.withLock { $0.popLast() }
        guard !isClosed.load(ordering: .acquiring) else { throw DatabaseClosedError() }
        let connection = try idle ?? Self.openReader(path)
        defer { readers.withLock { $0.append(connection) } }
        return try body(connection)
    }

    /// Closes every connection (after waiting for readers in use). Further calls throw.
    public func close() {
        for _ in 0..<readerCount { readerSlots.wait() }
        isClosed.store(true, ordering: .releasing)
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
