import Foundation
@testable import Core

/// Route53 across accounts, standing in for what moto 5.2.1 lacks; the `AWSFaultProxy` asks it
/// first about every Route53 request.
///
/// AWS (the API reference and "Associating an Amazon VPC and a private hosted zone that you created
/// with different AWS accounts"): the account that owns a private zone calls
/// `CreateVPCAssociationAuthorization` for a VPC of another account; that account then calls
/// `AssociateVPCWithHostedZone` (without the authorization: `NotAuthorizedException`, 401). Either
/// account may call `DisassociateVPCFromHostedZone`. The owner withdraws the authorization with
/// `DeleteVPCAssociationAuthorization` (`VPCAssociationAuthorizationNotFound`, 404, when there is
/// none), which leaves an association in place. `ListHostedZonesByVPC` lists every zone the VPC is
/// associated with, whoever owns it, the owner in `OwningAccount`.
///
/// moto 5.2.1 answers the authorization calls 404 (see `associationAuthorizationIsMissingFromMoto`),
/// and keeps zones per account: another account does not see the zone at all. moto checks no
/// signature; it takes the account from the access key id in the Authorization header's
/// `Credential=` (an assumed role's keys map to the role's account, an unknown key to 123456789012).
///
/// So here: authorizations are kept in this object, only for a zone moto shows the caller (the
/// caller is then its owner). An association, a disassociation or a listing from another account
/// is checked here and sent to moto *as the owner*: the owner's access key (seen on its
/// authorization) replaces the caller's in `Credential=`. The owner associating a VPC its account
/// does not have is refused (`InvalidVPCId`), as AWS does. Requests about zones no authorization
/// has named go to moto unchanged, so calls within one account behave as before.
final class Route53CrossAccount: @unchecked Sendable {
    struct Authorization: Hashable, Sendable {
        let zoneID: String
        let vpcID: String
        let vpcRegion: String
        /// The zone owner's account, which made it.
        let owner: String
    }

    struct Association: Hashable, Sendable {
        let zoneID: String
        let vpcID: String
        let owner: String
        /// The VPC's account, which made it.
        let account: String
    }

    /// A call answered here: the action, the caller's account, the zone and VPC, the HTTP status.
    struct Call: Equatable, Sendable {
        let action: String
        let account: String
        let zoneID: String
        let vpcID: String
        let status: Int
    }

    /// Authorizations in force, and cross-account associations made through here and not undone.
    let authorizations = Locked<Set<Authorization>>([])
    let associations = Locked<Set<Association>>([])
    /// Every call answered here, in order.
    let calls = Locked<[Call]>([])

    /// Sends a request to moto as it is: method, path with query, headers, body.
    typealias Send = @Sendable (String, String, [(name: String, value: String)], [UInt8]) -> (status: Int, body: String)?
    private let send: Send
    /// Per zone its owner's account; per owner the access key (and session token) it used.
    private let owners = Locked<[String: String]>([:])
    private let keys = Locked<[String: (key: String, token: String?)]>([:])
    private let accountOfKey = Locked<[String: String]>([:])

    init(send: @escaping Send) { self.send = send }

    static let namespace = "https://route53.amazonaws.com/doc/2013-04-01/"

    /// The answer for a request this models, or nil: send it to moto unchanged.
    func answer(method: String, path: String, headers: [(name: String, value: String)], body: [UInt8]) -> (Int, String)? {
        let route = path.split(separator: "?", maxSplits: 1).first.map(String.init) ?? path
        let parts = route.split(separator: "/").map(String.init)
        let text = String(decoding: body, as: UTF8.self)
        if method == "GET", parts == ["2013-04-01", "hostedzonesbyvpc"] { return listByVPC(path, headers) }
        guard method == "POST", parts.count == 4, parts[0] == "2013-04-01", parts[1] == "hostedzone" else { return nil }
        let zoneID = parts[2]
        guard let key = Self.accessKey(headers) else { return nil }
        let vpc = (id: AWSFaultProxy.first("VPCId", in: text) ?? "", region: AWSFaultProxy.first("VPCRegion", in: text) ?? "")
        switch parts[3] {
        case "authorizevpcassociation", "deauthorizevpcassociation":
            if vpc.id.isEmpty || vpc.region.isEmpty { return Self.error(400, "InvalidInput", "VPCId and VPCRegion are required") }
            // The caller must own the zone: moto shows it only in its owner's account.
            guard let zone = send("GET", "/2013-04-01/hostedzone/\(zoneID)", headers, []) else { return nil }
            guard zone.status == 200 else { return (zone.status, zone.body) }
            guard let account = account(of: key) else { return Self.error(500, "InternalFailure", "moto did not tell the caller's account") }
            return authorize(parts[3] == "authorizevpcassociation", zoneID: zoneID, vpc: vpc, account: account, key: key, headers: headers)
        case "associatevpc", "disassociatevpc":
            guard let owner = owners.withLock({ $0[zoneID] }), let account = account(of: key) else { return nil }
            guard account != owner else {
                // The owner associates only its own account's VPCs; the rest is moto's as it is.
                guard parts[3] == "associatevpc", !owns(vpc, headers) else { return nil }
                let answer = Self.invalidVPC
                calls.withLock { $0.append(Call(action: "AssociateVPCWithHostedZone", account: account, zoneID: zoneID, vpcID: vpc.id, status: answer.0)) }
                return answer
            }
            return associate(parts[3] == "associatevpc", zoneID: zoneID, vpc: vpc, account: account, owner: owner, headers: headers, body: body)
        default: return nil
        }
    }

    private func authorize(
        _ create: Bool, zoneID: String, vpc: (id: String, region: String), account: String, key: String, headers: [(name: String, value: String)]
    ) -> (Int, String) {
        let action = create ? "CreateVPCAssociationAuthorization" : "DeleteVPCAssociationAuthorization"
        let authorization = Authorization(zoneID: zoneID, vpcID: vpc.id, vpcRegion: vpc.region, owner: account)
        owners.withLock { $0[zoneID] = account }
        keys.withLock { $0[account] = (key, headers.first { $0.name == "x-amz-security-token" }?.value) }
        let answer: (Int, String)
        if create {
            authorizations.withLock { _ = $0.insert(authorization) }
            answer = (
                200,
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?><CreateVPCAssociationAuthorizationResponse xmlns=\"\(Self.namespace)\"><HostedZoneId>\(zoneID)</HostedZoneId><VPC><VPCRegion>\(vpc.region)</VPCRegion><VPCId>\(vpc.id)</VPCId></VPC></CreateVPCAssociationAuthorizationResponse>"
            )
        } else if authorizations.withLock({ $0.remove(authorization) }) != nil {
            answer = (200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DeleteVPCAssociationAuthorizationResponse xmlns=\"\(Self.namespace)\"/>")
        } else {
            answer = Self.error(404, "VPCAssociationAuthorizationNotFound", "The VPC: \(vpc.id) has not authorized to associate with your hosted zone.")
        }
        calls.withLock { $0.append(Call(action: action, account: account, zoneID: zoneID, vpcID: vpc.id, status: answer.0)) }
        return answer
    }

    /// From the VPC's account: it must own the VPC; associating needs the authorization. Then moto
    /// is asked as the zone's owner.
    private func associate(
        _ adding: Bool, zoneID: String, vpc: (id: String, region: String), account: String, owner: String,
        headers: [(name: String, value: String)], body: [UInt8]
    ) -> (Int, String)? {
        let action = adding ? "AssociateVPCWithHostedZone" : "DisassociateVPCFromHostedZone"
        let answer: (Int, String)
        if !owns(vpc, headers) {
            answer = Self.invalidVPC
        } else if adding, !authorizations.withLock({ $0.contains(Authorization(zoneID: zoneID, vpcID: vpc.id, vpcRegion: vpc.region, owner: owner)) }) {
            answer = Self.error(401, "NotAuthorizedException", "The VPC: \(vpc.id) has not been authorized to associate with the hosted zone \(zoneID).")
        } else if !adding, !associated(zoneID, vpc.id, owner: owner) {
            answer = Self.error(404, "VPCAssociationNotFound", "The specified VPC \(vpc.id) is not associated with the hosted zone \(zoneID).")
        } else {
            guard let asOwner = signed(as: owner, headers),
                let sent = send("POST", "/2013-04-01/hostedzone/\(zoneID)/\(adding ? "" : "dis")associatevpc", asOwner, body)
            else { return nil }
            answer = (sent.status, sent.body)
            if sent.status == 200 {
                let association = Association(zoneID: zoneID, vpcID: vpc.id, owner: owner, account: account)
                associations.withLock { _ = adding ? $0.insert(association).inserted : $0.remove(association) != nil }
            }
        }
        calls.withLock { $0.append(Call(action: action, account: account, zoneID: zoneID, vpcID: vpc.id, status: answer.0)) }
        return answer
    }

    /// The caller's own zones for the VPC, and those of every zone owner seen here that are
    /// associated with it (moto sets `OwningAccount` to the account it answers for).
    private func listByVPC(_ path: String, _ headers: [(name: String, value: String)]) -> (Int, String)? {
        let others = keys.withLock { $0.keys.sorted() }
        guard !others.isEmpty, let key = Self.accessKey(headers), let account = account(of: key),
            let own = send("GET", path, headers, []), own.status == 200
        else { return nil }
        var body = own.body
        var seen = Set(AWSFaultProxy.all("HostedZoneId", in: body))
        for owner in others where owner != account {
            guard let asOwner = signed(as: owner, headers), let theirs = send("GET", path, asOwner, []), theirs.status == 200 else { continue }
            for summary in AWSFaultProxy.all("HostedZoneSummary", in: theirs.body) {
                guard let id = AWSFaultProxy.first("HostedZoneId", in: summary), seen.insert(id).inserted else { continue }
                let element = "<HostedZoneSummary>\(summary)</HostedZoneSummary>"
                if let close = body.range(of: "</HostedZoneSummaries>") {
                    body.insert(contentsOf: element, at: close.lowerBound)
                } else if let empty = body.range(of: "<HostedZoneSummaries/>") {
                    body.replaceSubrange(empty, with: "<HostedZoneSummaries>\(element)</HostedZoneSummaries>")
                }
            }
        }
        return (200, body)
    }

    /// Whether moto shows the VPC to the caller's account in its region.
    private func owns(_ vpc: (id: String, region: String), _ headers: [(name: String, value: String)]) -> Bool {
        guard let key = Self.accessKey(headers),
            let answer = send(
                "POST", "/", [("content-type", "application/x-www-form-urlencoded"), ("authorization", Self.authorization(key, vpc.region, "ec2"))],
                Array("Action=DescribeVpcs&Version=2016-11-15&VpcId.1=\(vpc.id)".utf8))
        else { return false }
        return answer.status == 200 && AWSFaultProxy.all("vpcId", in: answer.body).contains(vpc.id)
    }

    /// Whether the owner's zone lists the VPC among its associations.
    private func associated(_ zoneID: String, _ vpcID: String, owner: String) -> Bool {
        guard let asOwner = keys.withLock({ $0[owner] }).map({ Self.authorization($0.key, "us-east-1", "route53") }),
            let zone = send("GET", "/2013-04-01/hostedzone/\(zoneID)", [("authorization", asOwner)], [])
        else { return false }
        return zone.status == 200 && AWSFaultProxy.all("VPCId", in: zone.body).contains(vpcID)
    }

    /// The request's headers with the owner's access key (and session token) in place of the caller's.
    private func signed(as owner: String, _ headers: [(name: String, value: String)]) -> [(name: String, value: String)]? {
        guard let credentials = keys.withLock({ $0[owner] }) else { return nil }
        var result = headers.filter { $0.name != "x-amz-security-token" }
        if let token = credentials.token { result.append(("x-amz-security-token", token)) }
        guard let index = result.firstIndex(where: { $0.name == "authorization" }) else { return nil }
        result[index].value = result[index].value.replacingOccurrences(
            of: #"Credential=[^/]+/"#, with: "Credential=\(credentials.key)/", options: .regularExpression)
        return result
    }

    /// The account moto maps an access key to, from its STS GetCallerIdentity.
    private func account(of key: String) -> String? {
        if let known = accountOfKey.withLock({ $0[key] }) { return known }
        guard
            let answer = send(
                "POST", "/", [("content-type", "application/x-www-form-urlencoded"), ("authorization", Self.authorization(key, "us-east-1", "sts"))],
                Array("Action=GetCallerIdentity&Version=2011-06-15".utf8)),
            answer.status == 200, let account = AWSFaultProxy.first("Account", in: answer.body)
        else { return nil }
        accountOfKey.withLock { $0[key] = account }
        return account
    }

    static func accessKey(_ headers: [(name: String, value: String)]) -> String? {
        guard let value = headers.first(where: { $0.name == "authorization" })?.value,
            let range = value.range(of: #"Credential=[^/]+/"#, options: .regularExpression)
        else { return nil }
        return String(value[range].dropFirst("Credential=".count).dropLast())
    }

    /// An Authorization header moto reads for its account and routing (it checks no signature).
    static func authorization(_ key: String, _ region: String, _ service: String) -> String {
        "AWS4-HMAC-SHA256 Credential=\(key)/20240101/\(region)/\(service)/aws4_request, SignedHeaders=host, Signature=0"
    }

    static let invalidVPC = error(
        400, "InvalidVPCId", "The VPC ID that you specified either isn't a valid ID or the current account is not authorized to access this VPC.")

    static func error(_ status: Int, _ code: String, _ message: String) -> (Int, String) {
        (
            status,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><ErrorResponse xmlns=\"\(namespace)\"><Error><Type>Sender</Type><Code>\(code)</Code><Message>\(message)</Message></Error><RequestId>cross-account-\(UUID().uuidString.prefix(8))</RequestId></ErrorResponse>"
        )
    }
}
