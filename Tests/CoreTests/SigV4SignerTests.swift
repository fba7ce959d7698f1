import Foundation
import Testing
@testable import Core

/// Our signer against vectors that botocore signed (scripts/sigv4-vectors.py): a request we would
/// sign wrongly fails here, not against AWS.
@Suite struct SigV4SignerTests {
    struct Vector: Decodable {
        let name, method, url, body, service, region, access_key, secret_key, amz_date: String
        let headers: [[String]]
        let token: String?
        let timestamp: Double
        let canonical_request, string_to_sign, authorization: String
    }

    static let vectors: [Vector] = {
        let url = Bundle.module.url(forResource: "Resources/sigv4-vectors", withExtension: "json")!
        struct File: Decodable { let vectors: [Vector] }
        return try! JSONDecoder().decode(File.self, from: Data(contentsOf: url)).vectors
    }()

    @Test(arguments: SigV4SignerTests.vectors.map(\.name))
    func matchesBotocoreByteForByte(name: String) throws {
        let v = try #require(Self.vectors.first { $0.name == name })
        let signer = SigV4Signer(service: v.service, region: v.region)
        let credentials = AWSCredentials(accessKeyID: v.access_key, secretAccessKey: v.secret_key, sessionToken: v.token)
        let signature = signer.sign(
            method: v.method, url: try #require(URL(string: v.url)),
            headers: v.headers.map { (name: $0[0], value: $0[1]) }, body: Array(v.body.utf8),
            credentials: credentials, date: Date(timeIntervalSince1970: v.timestamp))
        #expect(signature.amzDate == v.amz_date)
        #expect(signature.canonicalRequest == v.canonical_request)
        #expect(signature.stringToSign == v.string_to_sign)
        #expect(signature.authorization == v.authorization)
        #expect(signature.headers.contains { $0.name == "X-Amz-Security-Token" } == (v.token != nil))
    }

    @Test func vectorsCoverTheCasesThatMatter() {
        #expect(Self.vectors.count >= 10)
        #expect(Self.vectors.contains { $0.token != nil })
        #expect(Self.vectors.contains { $0.service == "route53" && $0.url.contains("%2F") })
        #expect(Self.vectors.contains { $0.url.contains(":5000") })
    }

    @Test func anyChangeToTheRequestChangesTheSignature() throws {
        let signer = SigV4Signer(service: "ec2", region: "us-east-1")
        let credentials = AWSCredentials(accessKeyID: "AKID", secretAccessKey: "secret")
        let url = try #require(URL(string: "https://ec2.us-east-1.amazonaws.com/"))
        let date = Date(timeIntervalSince1970: 1_795_000_000)
        let base = signer.sign(method: "POST", url: url, headers: [], body: Array("Action=A".utf8), credentials: credentials, date: date)
        let body = signer.sign(method: "POST", url: url, headers: [], body: Array("Action=B".utf8), credentials: credentials, date: date)
        let region = SigV4Signer(service: "ec2", region: "us-east-2").sign(
            method: "POST", url: url, headers: [], body: Array("Action=A".utf8), credentials: credentials, date: date)
        let later = signer.sign(method: "POST", url: url, headers: [], body: Array("Action=A".utf8), credentials: credentials, date: date.addingTimeInterval(1))
        #expect(Set([base.signature, body.signature, region.signature, later.signature]).count == 4)
        #expect(!base.authorization.contains("secret"))
    }
}
