import Core

/// Rendered `GET /v1/setups/{id}` bodies, each valid for one setup revision. A hit is only used
/// after SQLite confirmed the revision (one indexed lookup), so the answer is always what the
/// database holds, whoever wrote it. Bounded: past `capacity` an arbitrary entry makes room.
final class RenderedSetupCache: Sendable {
    private let entries = Locked<[String: (revision: Int, body: [UInt8])]>([:])
    let capacity: Int

    init(capacity: Int = 4096) { self.capacity = capacity }

    func body(for id: String, revision: Int) -> [UInt8]? {
        entries.withLock { entries in
            guard let entry = entries[id], entry.revision == revision else { return nil }
            return entry.body
        }
    }

    func store(_ body: [UInt8], for id: String, revision: Int) {
        entries.withLock { entries in
            if entries.count >= capacity, entries[id] == nil, let victim = entries.keys.first { entries[victim] = nil }
            entries[id] = (revision, body)
        }
    }
}
