/// A spoke's own view of the way to its hub's endpoints, as AWS describes it: which of the hub's
/// zones answer in the spoke's VPC (without its zone, a name resolves there to Datadog's public
/// addresses), and the first break on the way to the endpoints' addresses whatever the name (a
/// security group closed to the spoke's range, a route missing either way). Pure: the facts are
/// gathered by `SpokeSteps.path()`; `judge` reads a name's check from privatelinkd as the spoke
/// would see it.
public struct SpokePath: Sendable, Equatable {
    /// A hub zone: its name (an endpoint's private DNS name), the services its endpoint carries,
    /// and whether the spoke's VPC is associated with it.
    public struct Zone: Sendable, Equatable {
        public let name: String
        public let zoneID: String
        public let services: [String]
        public let associated: Bool
    }

    public let spokeVPC: String
    public let zones: [Zone]
    /// A missing route or a closed security group: every name is cut off.
    public let broken: StepFailure?

    /// The zone answering for a name: its own zone (or the closest parent domain's) or, for a
    /// name that is a CNAME to its endpoint's name (`api.datadoghq.com` → the anchor), its service's.
    public func zone(for target: VerificationTarget) -> Zone? {
        let name = target.hostname.lowercased()
        return zones.filter { name == $0.name || name.hasSuffix("." + $0.name) }.max { $0.name.count < $1.name.count }
            ?? zones.first { $0.services.contains(target.service) }
    }

    /// The check as the spoke sees it: failed with the spoke's reason when its VPC does not answer
    /// from the hub's zone for the name or the way there is broken; otherwise the check as it was.
    public func judge(_ check: VerificationCheck) -> VerificationCheck {
        let failure: StepFailure?
        if let zone = zone(for: check.target), !zone.associated {
            failure = StepFailure(
                "spoke_zone_not_associated",
                "\(spokeVPC) is not associated with the private zone \(zone.name) (\(zone.zoneID)): there \(check.target.hostname) resolves to Datadog's public addresses, not the hub's endpoint; retry the spoke, or associate the zone with the VPC"
            )
        } else {
            failure = broken
        }
        guard let failure else { return check }
        return VerificationCheck(
            target: check.target, answer: check.answer, probes: check.probes, passed: false, code: failure.code, message: failure.message)
    }

    /// The first route missing from `tables` (those that must have one): a route to each
    /// destination (or a wider one) that goes to the target.
    public static func missingRoute(
        in tables: [RouteTable], destinations: [String], goes: (RouteTable.Route) -> Bool, side: String, target: String
    ) -> StepFailure? {
        for table in tables {
            for cidr in destinations
            where !table.routes.contains(where: { route in route.destinationCIDR.map { CIDR.contains($0, cidr) } == true && goes(route) }) {
                return StepFailure(
                    "spoke_route_missing",
                    "\(table.id) (\(side)) has no route to \(cidr) through \(target): packets between the spoke and the hub's endpoints cannot make the trip; retry the spoke, or add the route"
                )
            }
        }
        return nil
    }
}
