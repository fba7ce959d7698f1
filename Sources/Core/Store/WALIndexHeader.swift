import CSQLite
import Foundation
import Synchronization

/// The wal-index header at the start of the database's `-shm` file, mapped read-only: SQLite
/// rewrites it on every commit, from any process (its `iChange` counts transactions), and its
/// layout is fixed because processes linked with different SQLite versions share the file
/// (https://www.sqlite.org/walformat.html, "The WAL-Index Header").
///
/// Comparing it costs no system call, where `PRAGMA data_version` starts a read transaction and
/// takes and drops a shared-memory lock (two `fcntl` calls per authenticated request). SQLite
/// writes the second copy, a barrier, then the first; reading the first, a barrier, then the
/// second, equal copies are a consistent snapshot, as SQLite's own readers check it. Unequal copies
/// (a commit in progress) or an uninitialised header give nil, and the caller asks SQLite instead.
///
/// The header is read through SQLite's own mapping of the shared memory, obtained from a
/// connection kept open for it (`SQLITE_FCNTL_FILE_POINTER`, then the VFS's `xShmMap` of region 0,
/// both public interfaces): opening the `-shm` file ourselves and closing it would drop this
/// process's POSIX locks on it, and another process could then truncate it under SQLite.
final class WALIndexHeader: @unchecked Sendable {
    /// Both 48-byte copies of the header are 6 words each.
    struct Mark: Equatable, Sendable {
        let words: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
        static func == (a: Mark, b: Mark) -> Bool {
            a.words.0 == b.words.0 && a.words.1 == b.words.1 && a.words.2 == b.words.2 && a.words.3 == b.words.3
                && a.words.4 == b.words.4 && a.words.5 == b.words.5
        }
    }

    private let base: UnsafeRawPointer
    /// The connection whose shared-memory mapping `base` points into: it lives as long as this.
    private let connection: Connection
    /// SQLite's shared memory comes in 32 KiB regions; the header is in the first.
    private static let regionSize: Int32 = 32768

    /// Maps the header through `connection`, which has read the database in WAL mode; nil when
    /// there is no shared memory (another journal mode, or an in-memory database).
    init?(connection: Connection) {
        var file: UnsafeMutablePointer<sqlite3_file>?
        guard sqlite3_file_control(connection.handle, "main", SQLITE_FCNTL_FILE_POINTER, &file) == SQLITE_OK, let file,
            let methods = file.pointee.pMethods, methods.pointee.iVersion >= 2, let map = methods.pointee.xShmMap
        else { return nil }
        var region: UnsafeMutableRawPointer?
        guard map(file, 0, Self.regionSize, 0, &region) == SQLITE_OK, let region else { return nil }
        base = UnsafeRawPointer(region)
        self.connection = connection
    }

    /// The current header when both copies agree and it is initialised (`isInit`, byte 12).
    func mark() -> Mark? {
        let first = words(at: 0)
        atomicMemoryFence(ordering: .acquiring)
        let second = words(at: 48)
        guard first == second, base.load(fromByteOffset: 12, as: UInt8.self) == 1 else { return nil }
        return first
    }

    private func words(at offset: Int) -> Mark {
        func word(_ i: Int) -> UInt64 { base.loadUnaligned(fromByteOffset: offset + i * 8, as: UInt64.self) }
        return Mark(words: (word(0), word(1), word(2), word(3), word(4), word(5)))
    }
}
