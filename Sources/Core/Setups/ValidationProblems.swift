/// Collects problems, with helpers that read a typed field and report a wrong type or shape.
struct Problems {
    var list: [ValidationProblem] = []
    var prefix = ""

    /// Problems answered at most: a megabyte of bad ids is not worth a megabyte of errors.
    static let maxReported = 50

    /// The first `maxReported` problems, then one that counts the rest.
    var capped: [ValidationProblem] {
        guard list.count > Self.maxReported else { return list }
        return Array(list.prefix(Self.maxReported))
            + [ValidationProblem(field: "", code: "too_many_problems", message: "and \(list.count - Self.maxReported) more problems")]
    }

    mutating func add(_ field: String, _ code: String, _ message: String) {
        list.append(ValidationProblem(field: prefix + field, code: code, message: message))
    }

    /// `account_id`, `role_arn` (well formed, and in that account when both are given) and
    /// `external_id`, for the request and for its peer alike.
    mutating func identity(_ object: JSON) -> (accountID: String?, roleARN: String?, externalID: String?) {
        let accountID = optionalString(object, "account_id")
        if let accountID, !AWSIdentifiers.isAccountID(accountID) {
            add("account_id", "invalid_format", "account_id must be 12 digits")
        }
        let roleARN = optionalString(object, "role_arn")
        if let roleARN {
            if let arnAccount = AWSIdentifiers.roleARNAccount(roleARN) {
                if let accountID, AWSIdentifiers.isAccountID(accountID), accountID != arnAccount {
                    add("role_arn", "account_mismatch", "role_arn is in account \(arnAccount), not account_id \(accountID)")
                }
            } else {
                add("role_arn", "invalid_format", "role_arn must look like arn:aws:iam::123456789012:role/name")
            }
        }
        let externalID = optionalString(object, "external_id")
        if let externalID, !AWSIdentifiers.isExternalID(externalID) {
            add("external_id", "invalid_format", "external_id must be 2 to 1224 characters of letters, digits and +=,.@:/_-")
        }
        return (accountID, roleARN, externalID)
    }

    mutating func optionalString(_ object: JSON, _ key: String) -> String? {
        guard let value = object[key], !value.isNull else { return nil }
        guard let text = value.stringValue else {
            add(key, "invalid_type", "\(key) must be a string, got \(value.typeName)")
            return nil
        }
        return text
    }

    mutating func requiredString(_ object: JSON, _ key: String) -> String? {
        guard let value = object[key], !value.isNull else {
            add(key, "required", "\(key) is required")
            return nil
        }
        guard let text = value.stringValue else {
            add(key, "invalid_type", "\(key) must be a string, got \(value.typeName)")
            return nil
        }
        guard !text.isEmpty else {
            add(key, "required", "\(key) must not be empty")
            return nil
        }
        return text
    }

    mutating func requiredID(_ object: JSON, _ key: String, prefix idPrefix: String) -> String? {
        guard let text = requiredString(object, key) else { return nil }
        guard AWSIdentifiers.isResourceID(text, prefix: idPrefix) else {
            add(key, "invalid_format", "\(key) must look like \(idPrefix)-0123456789abcdef0, got \"\(Echo.text(text))\"")
            return nil
        }
        return text
    }

    mutating func stringList(_ object: JSON, _ key: String, required: Bool) -> [String]? {
        guard let value = object[key], !value.isNull else {
            if required { add(key, "required", "\(key) is required") }
            return nil
        }
        guard let items = value.arrayValue else {
            add(key, "invalid_type", "\(key) must be an array of strings, got \(value.typeName)")
            return nil
        }
        var strings: [String] = []
        var ok = true
        for (i, item) in items.enumerated() {
            if let s = item.stringValue {
                strings.append(s)
            } else {
                add("\(key)[\(i)]", "invalid_type", "\(key)[\(i)] must be a string, got \(item.typeName)")
                ok = false
            }
        }
        return ok ? strings : nil
    }

    mutating func idList(_ object: JSON, _ key: String, prefix idPrefix: String, required: Bool, max: Int) -> [String]? {
        guard let items = stringList(object, key, required: required) else { return nil }
        let before = list.count
        if required && items.isEmpty { add(key, "required", "\(key) must list at least one id") }
        if items.count > max { add(key, "too_many", "\(key) lists \(items.count) ids; at most \(max)") }
        for (i, id) in items.enumerated() where !AWSIdentifiers.isResourceID(id, prefix: idPrefix) {
            add("\(key)[\(i)]", "invalid_format", "\(key)[\(i)] must look like \(idPrefix)-0123456789abcdef0, got \"\(Echo.text(id))\"")
        }
        checkDuplicates(items, field: key)
        return list.count == before ? items : nil
    }

    mutating func checkDuplicates(_ items: [String], field: String) {
        var seen = Set<String>()
        for (i, item) in items.enumerated() where !seen.insert(item).inserted {
            add("\(field)[\(i)]", "duplicate", "\(field)[\(i)] repeats \"\(Echo.text(item))\"")
        }
    }
}
