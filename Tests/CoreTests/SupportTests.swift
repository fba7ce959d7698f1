import Foundation
import Testing
@testable import Core

@Suite struct SupportTests {
    @Test func jsonRoundTripsAndEscapes() throws {
        let value: JSON = .object([
            ("text", "quote \" backslash \\ newline \n tab \t bell \u{7} é"), ("n", 42), ("f", .double(1.5)),
            ("list", [true, nil, "x"]), ("empty", .object([])),
        ])
        let text = value.serializedString
        #expect(text.contains(#"\u0007"#))
        #expect(try JSON.parse(text) == value)
        #expect(throws: JSONParseError.self) { try JSON.parse("{\"a\": }") }
        #expect(throws: JSONParseError.self) { try JSON.parse("") }
    }

    @Test func storedStringArraysReadBackExactly() {
        for list in [[], ["subnet-1"], ["a", "b", "c"], ["with \"quote\"", "back\\slash"], ["é", ""]] {
            let stored = JSON.strings(list).serializedString
            #expect(StoredJSON.stringArray(stored) == list)
        }
    }

    @Test func identifiersSortByCreation() {
        var previous = ""
        let date = Date()
        for _ in 0..<5000 {
            let id = Identifier.make(prefix: "su_", at: date)
            #expect(id.count == 29)
            #expect(id > previous)
            previous = id
        }
        let later = Identifier.make(prefix: "su_", at: date.addingTimeInterval(1))
        #expect(later > previous)
    }

    @Test func timestampsAreISO8601UTCWithMilliseconds() throws {
        let date = Date(timeIntervalSince1970: 1_795_000_000.123)
        let text = Timestamp.string(date)
        #expect(text == "2026-11-18T11:06:40.123Z")
        let parsed = try #require(Timestamp.date(text))
        #expect(abs(parsed.timeIntervalSince1970 - 1_795_000_000.123) < 0.001)
    }

    @Test func durations() {
        #expect(DurationText.seconds("200ms") == 0.2)
        #expect(DurationText.seconds("5s") == 5)
        #expect(DurationText.seconds("15m") == 900)
        #expect(DurationText.seconds("90d") == 7_776_000)
        #expect(DurationText.seconds("1h") == 3600)
        #expect(DurationText.seconds("1m30s") == 90)
        #expect(DurationText.seconds("2") == 2)
        for bad in ["", "5x", "m", "5s3", "-1s", "1.2.3s", "inf", "nan", "1e9", "0x10", "+5", "５s", "٣m"] {
            #expect(DurationText.seconds(bad) == nil, "\(bad)")
        }
    }

    @Test func asciiDecimalsRefuseSignsOtherScriptsAndOverflow() {
        #expect(ASCIIDecimal.parse("0") == 0)
        #expect(ASCIIDecimal.parse("007") == 7)
        #expect(ASCIIDecimal.parse("922337203685477580") == 922_337_203_685_477_580)
        for bad in ["", "+1", "-1", " 1", "1 ", "１", "٣", "1_000", "9223372036854775808", "99999999999999999999"] {
            #expect(ASCIIDecimal.parse(bad, maxDigits: 25) == nil, "\(bad)")
        }
        #expect(ASCIIDecimal.parse("1234", maxDigits: 3) == nil)
    }

    @Test func numbersAboveIntMaxDoNotWrap() throws {
        let big = try JSON.parse("{\"n\": 18446744073709551615}")
        #expect(big["n"]?.intValue == nil || big["n"]?.intValue ?? -1 > 0)
        #expect(big["n"] != .int(-1))
    }

    @Test func awsIdentifiers() {
        #expect(AWSIdentifiers.isResourceID("vpc-0123456789abcdef0", prefix: "vpc"))
        #expect(AWSIdentifiers.isResourceID("sg-01234567", prefix: "sg"))
        #expect(!AWSIdentifiers.isResourceID("sg-0123456g", prefix: "sg"))
        #expect(!AWSIdentifiers.isResourceID("vpc-01234567", prefix: "sg"))
        #expect(AWSIdentifiers.roleARNAccount("arn:aws-us-gov:iam::123456789012:role/path/name") == "123456789012")
        #expect(AWSIdentifiers.roleARNAccount("arn:aws:iam::123456789012:user/name") == nil)
        #expect(AWSIdentifiers.roleARNAccount("arn:aws:s3::123456789012:role/name") == nil)
    }
}

@Suite struct ASCIITrimTests {
    @Test func trimsOnlyASCIISpacesAndTabs() {
        #expect(" \tBearer x \t".trimmingASCIISpaces == "Bearer x")
        #expect("".trimmingASCIISpaces == "" && "   ".trimmingASCIISpaces == "")
        #expect("\u{00A0}a\u{00A0}".trimmingASCIISpaces == "\u{00A0}a\u{00A0}")  // not ASCII: kept
        #expect("a, b".split(separator: ",").map { String($0.trimmingASCIISpaces) } == ["a", "b"])
    }
}
