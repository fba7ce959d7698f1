/// What a caller may do. Each role includes the ones below it: `reader` every GET, `operator`
/// also creates, retries, verifies, reconciles and changes setups, `admin` also deletes setups
/// and manages tokens.
public enum Role: String, Sendable, CaseIterable, Comparable {
    case reader
    case `operator`
    case admin

    private var rank: Int {
        switch self {
        case .reader: return 0
        case .operator: return 1
        case .admin: return 2
        }
    }

    public static func < (a: Role, b: Role) -> Bool { a.rank < b.rank }
}
