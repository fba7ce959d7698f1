/// Shapes of AWS identifiers, checked before anything is stored.
public enum AWSIdentifiers {
    /// `prefix-` followed by 8 or 17 lower-case hex digits, as EC2 issues them.
    public static func isResourceID(_ value: String, prefix: String) -> Bool {
        guard value.hasPrefix(prefix + "-") else { return false }
        let hex = value.dropFirst(prefix.count + 1)
        return (hex.count == 8 || hex.count == 17) && hex.allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    public static func isAccountID(_ value: String) -> Bool {
        value.count == 12 && value.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// `arn:<partition>:iam::<account>:role/<path/name>`; returns the account id when well formed.
    public static func roleARNAccount(_ value: String) -> String? {
        let parts = value.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", ["aws", "aws-us-gov", "aws-cn"].contains(String(parts[1])),
              parts[2] == "iam", parts[3].isEmpty, isAccountID(String(parts[4])),
              parts[5].hasPrefix("role/"), parts[5].count > 5, parts[5].count <= 512 + 5
        else { return nil }
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-/")
        guard parts[5].dropFirst(5).allSatisfy({ allowed.contains($0) }) else { return nil }
        return String(parts[4])
    }

    /// STS `ExternalId`: 2–1224 characters of `[\w+=,.@:/-]`.
    public static func isExternalID(_ value: String) -> Bool {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@:/_-")
        return (2...1224).contains(value.count) && value.allSatisfy { allowed.contains($0) }
    }
}
