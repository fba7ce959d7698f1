import Foundation
import Testing
@testable import Core

/// `Database.changeMark`: read from the mapped wal-index header, it changes with every commit from
/// any connection (another process's included) and with nothing else.
@Suite struct ChangeMarkTests {
    @Test func theMarkChangesWithEachCommitFromAnyConnectionAndOnlyThen() throws {
        let (database, folder) = try makeTestDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try database.changeMark()
        _ = try database.read { try $0.firstRow("SELECT count(*) FROM setups", []) { $0.int(0) } }
        #expect(try database.changeMark() == first)  // reads leave it alone

        try database.write { try $0.execute("CREATE TABLE marker (x INTEGER)") }
        let afterOwnWrite = try database.changeMark()
        #expect(afterOwnWrite != first)

        // A connection of its own, as `privatelinkd token revoke` beside the server has.
        let other = try Connection(path: database.path)
        try other.execute("INSERT INTO marker VALUES (1)")
        let afterOtherWrite = try database.changeMark()
        #expect(afterOtherWrite != afterOwnWrite)
        #expect(try database.changeMark() == afterOtherWrite)

        // A checkpoint moves pages, not content; a reset WAL rewrites the header.
        try other.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        try other.execute("INSERT INTO marker VALUES (2)")
        #expect(try database.changeMark() != afterOtherWrite)
    }

    @Test func theHeaderIsMappedForAFileDatabaseAndNotForAnInMemoryOne() throws {
        let (database, folder) = try makeTestDatabase()
        defer { try? FileManager.default.removeItem(at: folder) }
        let reader = try Connection(path: database.path)
        _ = try reader.firstRow("SELECT count(*) FROM setups", []) { $0.int(0) }
        #expect(WALIndexHeader(connection: reader)?.mark() != nil)
        #expect(WALIndexHeader(connection: try Connection(path: ":memory:")) == nil)
    }
}
