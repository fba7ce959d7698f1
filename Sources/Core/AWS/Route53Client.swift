import Foundation

/// Route53 (REST-XML, 2013-04-01): the private hosted zones of the VPC-peering procedure. A global
/// service, signed in us-east-1; paced at its five requests per second per account.
public struct Route53Client: Sendable {
    public let client: AWSClient
    public let context: CallContext
    /// The region whose partition decides the endpoint (commercial or GovCloud).
    public let partitionRegion: String
    static let namespace = "https://route53.amazonaws.com/doc/2013-04-01/"
    static let maxPages = 100

    public init(client: AWSClient, context: CallContext = CallContext(), partitionRegion: String = "us-east-1") {
        self.client = client
        self.context = context
        self.partitionRegion = partitionRegion
    }

    /// `/hostedzone/Z123` or `Z123` → `Z123`.
    public static func bareID(_ id: String) -> String { String(id.split(separator: "/").last ?? Substring(id)) }

    public struct HostedZone: Sendable, Equatable {
        public let id: String
        public let name: String
        public let changeID: String?
    }

    public enum ChangeStatus: String, Sendable { case pending = "PENDING", insync = "INSYNC" }

    func call(_ action: String, method: String, path: String, query: [(String, String)] = [], body: String? = nil) throws -> XMLTree {
        var request = AWSRequest(service: .route53, action: action, region: partitionRegion, actionClass: .route53)
        request.method = method
        request.path = path
        request.query = query
        let bytes = body.map { Array(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + $0).utf8) } ?? []
        request.body = bytes
        // Signed payload hash: Route53 (and moto with signature checks) expect it on every call.
        request.headers = [("X-Amz-Content-SHA256", SigV4Signer.hexSHA256(bytes))]
        if body != nil { request.headers.append(("Content-Type", "text/xml")) }
        let response = try client.send(request, context: context)
        guard !response.body.isEmpty else { return XMLTree(name: "Empty") }
        do { return try XMLTree.parse(Data(response.body)) } catch {
            throw AWSResponseError(action: action, reason: "not XML: \(error)")
        }
    }

    private static func vpcXML(_ vpcID: String, _ region: String) -> String {
        "<VPC>\(XMLWriter.element("VPCRegion", region))\(XMLWriter.element("VPCId", vpcID))</VPC>"
    }

    /// A private hosted zone attached to one VPC. `callerReference` makes the call idempotent.
    public func createPrivateHostedZone(name: String, vpcID: String, vpcRegion: String, callerReference: String, comment: String) throws -> HostedZone {
        let body = """
            <CreateHostedZoneRequest xmlns="\(Self.namespace)">\(XMLWriter.element("Name", name))\
            \(Self.vpcXML(vpcID, vpcRegion))\(XMLWriter.element("CallerReference", callerReference))\
            <HostedZoneConfig>\(XMLWriter.element("Comment", comment))<PrivateZone>true</PrivateZone></HostedZoneConfig>\
            </CreateHostedZoneRequest>
            """
        let answer = try call("CreateHostedZone", method: "POST", path: "/2013-04-01/hostedzone", body: body)
        guard let id = answer.text("HostedZone", "Id") else { throw AWSResponseError(action: "CreateHostedZone", reason: "no HostedZone Id") }
        return HostedZone(id: Self.bareID(id), name: answer.text("HostedZone", "Name") ?? name, changeID: answer.text("ChangeInfo", "Id").map(Self.bareID))
    }

    /// A zone's `CallerReference`: who made it (ours are `<setup>.<key>.g<generation>`).
    public func callerReference(zoneID: String) throws -> String? {
        try call("GetHostedZone", method: "GET", path: "/2013-04-01/hostedzone/\(Self.bareID(zoneID))").text("HostedZone", "CallerReference")
    }

    /// UPSERTs (or DELETEs) an alias A record to a VPC endpoint's DNS name; returns the change id.
    @discardableResult
    public func changeAliasRecord(zoneID: String, action: String = "UPSERT", name: String, targetDNSName: String, targetZoneID: String) throws -> String {
        let body = """
            <ChangeResourceRecordSetsRequest xmlns="\(Self.namespace)"><ChangeBatch><Changes><Change>\
            \(XMLWriter.element("Action", action))<ResourceRecordSet>\(XMLWriter.element("Name", name))<Type>A</Type>\
            <AliasTarget>\(XMLWriter.element("HostedZoneId", targetZoneID))\(XMLWriter.element("DNSName", targetDNSName))\
            <EvaluateTargetHealth>false</EvaluateTargetHealth></AliasTarget></ResourceRecordSet></Change></Changes></ChangeBatch>\
            </ChangeResourceRecordSetsRequest>
            """
        let answer = try call("ChangeResourceRecordSets", method: "POST", path: "/2013-04-01/hostedzone/\(Self.bareID(zoneID))/rrset/", body: body)
        return Self.bareID(answer.text("ChangeInfo", "Id") ?? "")
    }

    public func getChange(id: String) throws -> ChangeStatus {
        let answer = try call("GetChange", method: "GET", path: "/2013-04-01/change/\(Self.bareID(id))")
        return ChangeStatus(rawValue: answer.text("ChangeInfo", "Status") ?? "") ?? .pending
    }

    public struct ZoneSummary: Sendable, Equatable {
        public let id: String
        public let name: String
    }

    /// Every private zone associated with a VPC, all pages.
    public func listHostedZonesByVPC(vpcID: String, vpcRegion: String) throws -> [ZoneSummary] {
        var zones: [ZoneSummary] = []
        var token: String?
        for _ in 0..<Self.maxPages {
            var query = [("vpcid", vpcID), ("vpcregion", vpcRegion), ("maxitems", "100")]
            if let token { query.append(("nexttoken", token)) }
            let answer = try call("ListHostedZonesByVPC", method: "GET", path: "/2013-04-01/hostedzonesbyvpc", query: query)
            zones += answer.items("HostedZoneSummaries", member: "HostedZoneSummary").map {
                ZoneSummary(id: Self.bareID($0.text("HostedZoneId") ?? ""), name: $0.text("Name") ?? "")
            }
            token = answer.text("NextToken")
            if token?.isEmpty ?? true { return zones }
        }
        throw AWSResponseError(action: "ListHostedZonesByVPC", reason: "more than \(Self.maxPages) pages")
    }

    /// Lets a VPC of another account associate with the zone (called with the zone owner's credentials).
    public func createVPCAssociationAuthorization(zoneID: String, vpcID: String, vpcRegion: String) throws {
        let body =
            "<CreateVPCAssociationAuthorizationRequest xmlns=\"\(Self.namespace)\">\(Self.vpcXML(vpcID, vpcRegion))</CreateVPCAssociationAuthorizationRequest>"
        _ = try call(
            "CreateVPCAssociationAuthorization", method: "POST", path: "/2013-04-01/hostedzone/\(Self.bareID(zoneID))/authorizevpcassociation", body: body)
    }

    public func deleteVPCAssociationAuthorization(zoneID: String, vpcID: String, vpcRegion: String) throws {
        let body =
            "<DeleteVPCAssociationAuthorizationRequest xmlns=\"\(Self.namespace)\">\(Self.vpcXML(vpcID, vpcRegion))</DeleteVPCAssociationAuthorizationRequest>"
        _ = try call(
            "DeleteVPCAssociationAuthorization", method: "POST", path: "/2013-04-01/hostedzone/\(Self.bareID(zoneID))/deauthorizevpcassociation", body: body)
    }

    /// Associates the zone with another VPC; returns the change id.
    @discardableResult
    public func associateVPC(zoneID: String, vpcID: String, vpcRegion: String) throws -> String {
        let body = "<AssociateVPCWithHostedZoneRequest xmlns=\"\(Self.namespace)\">\(Self.vpcXML(vpcID, vpcRegion))</AssociateVPCWithHostedZoneRequest>"
        let answer = try call("AssociateVPCWithHostedZone", method: "POST", path: "/2013-04-01/hostedzone/\(Self.bareID(zoneID))/associatevpc", body: body)
        return Self.bareID(answer.text("ChangeInfo", "Id") ?? "")
    }

    @discardableResult
    public func disassociateVPC(zoneID: String, vpcID: String, vpcRegion: String) throws -> String {
        let body = "<DisassociateVPCFromHostedZoneRequest xmlns=\"\(Self.namespace)\">\(Self.vpcXML(vpcID, vpcRegion))</DisassociateVPCFromHostedZoneRequest>"
        let answer = try call(
            "DisassociateVPCFromHostedZone", method: "POST", path: "/2013-04-01/hostedzone/\(Self.bareID(zoneID))/disassociatevpc", body: body)
        return Self.bareID(answer.text("ChangeInfo", "Id") ?? "")
    }

    @discardableResult
    public func deleteHostedZone(id: String) throws -> String {
        let answer = try call("DeleteHostedZone", method: "DELETE", path: "/2013-04-01/hostedzone/\(Self.bareID(id))")
        return Self.bareID(answer.text("ChangeInfo", "Id") ?? "")
    }

    public struct RecordSet: Sendable, Equatable {
        public let name: String
        public let type: String
        public let aliasDNSName: String?
        public let aliasZoneID: String?
    }

    /// The zone's records (first page of up to 300: a zone of ours holds three).
    public func listResourceRecordSets(zoneID: String) throws -> [RecordSet] {
        let answer = try call(
            "ListResourceRecordSets", method: "GET", path: "/2013-04-01/hostedzone/\(Self.bareID(zoneID))/rrset",
            query: [("maxitems", "300")])
        return answer.items("ResourceRecordSets", member: "ResourceRecordSet").map {
            RecordSet(
                name: $0.text("Name") ?? "", type: $0.text("Type") ?? "",
                aliasDNSName: $0.text("AliasTarget", "DNSName"), aliasZoneID: $0.text("AliasTarget", "HostedZoneId"))
        }
    }
}
