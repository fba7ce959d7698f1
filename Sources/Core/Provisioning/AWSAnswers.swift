/// How the workers read some of AWS's answers: "already gone" when undoing, and "not visible
/// yet" when EC2's eventual consistency hides what was just made.
enum AWSAnswers {
    /// AWS's answer meant "already gone": done.
    static func gone(_ error: Error) -> Bool {
        guard let error = error as? AWSError else { return false }
        return error.isNotFound
            || [
                "VPCAssociationNotFound", "VPCAssociationAuthorizationNotFound", "InvalidRoute.NotFound",
                "InvalidVpcPeeringConnectionID.NotFound", "HostedZoneNotFound",
            ].contains(error.code)
            || (error.code == "InvalidChangeBatch" && error.message.contains("not found"))
    }

    /// Runs an undo; "already gone" counts as done.
    static func ignoringGone(_ body: () throws -> Void) throws {
        do { try body() } catch  where gone(error) {}
    }
}

/// A resource just created is not visible yet (EC2's eventual consistency): retry later.
struct NotYetVisible: Error, CustomStringConvertible {
    let what: String
    var description: String { "\(what) is not visible yet (eventual consistency); retrying" }
}
