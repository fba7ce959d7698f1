/// Shapes of AWS identifiers, checked before anything is stored. Every check is on ASCII bytes:
/// `Character.isHexDigit` also takes fullwidth digits (`vpc-０１２…`), and `Character` equality
/// takes canonically equivalent ones (the Kelvin sign for `K`), none of which AWS would accept.
public enum AWSIdentifiers {
    /// `prefix-` followed by 8 or 17 lower-case hex digits, as EC2 issues them.
    public static func isResourceID(_ value: String, prefix: String) -> Bool {
        let bytes = Array(value.utf8)
        let head = Array((prefix + "-").utf8)
        guard bytes.count > head.count, bytes.starts(with: head) else { return false }
        let hex = bytes[head.count...]
        return (hex.count == 8 || hex.count == 17) && hex.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }

    public static func isAccountID(_ value: String) -> Bool {
        value.utf8.count == 12 && ASCIIDecimal.isDigits(value)
    }

    /// True when every byte is an ASCII letter, digit or one of `extra`.
    static func isASCIIWord<S: StringProtocol>(_ value: S, extra: String) -> Bool {
        let extra = Array(extra.utf8)
        return value.utf8.allSatisfy { b in
            (48...57).contains(b) || (65...90).contains(b) || (97...122).contains(b) || extra.contains(b)
        }
    }

    /// `arn:<partition>:iam::<account>:role/<path/name>`; returns the account id when well formed.
    public static func roleARNAccount(_ value: String) -> String? {
        let parts = value.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", ["aws", "aws-us-gov", "aws-cn"].contains(String(parts[1])),
            parts[2] == "iam", parts[3].isEmpty, isAccountID(String(parts[4])),
            parts[5].hasPrefix("role/"), parts[5].utf8.count > 5, parts[5].utf8.count <= 512 + 5,
            isASCIIWord(parts[5].dropFirst(5), extra: "+=,.@_-/")
        else { return nil }
        return String(parts[4])
    }

    /// STS `ExternalId`: 2–1224 characters of `[\w+=,.@:/-]`.
    public static func isExternalID(_ value: String) -> Bool {
        (2...1224).contains(value.utf8.count) && isASCIIWord(value, extra: "+=,.@:/_-")
    }
}
