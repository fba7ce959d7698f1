/// Builds EC2/STS Query parameters with EC2's flattening: a list `SubnetIds` (location name
/// `SubnetId`) becomes `SubnetId.1`, `SubnetId.2`; a filter `Filter.1.Name`, `Filter.1.Value.1`.
public struct QueryParameters: Sendable {
    public private(set) var items: [(String, String)] = []

    public init() {}

    public mutating func add(_ name: String, _ value: String?) {
        if let value { items.append((name, value)) }
    }

    public mutating func add(_ name: String, _ value: Bool?) {
        if let value { items.append((name, value ? "true" : "false")) }
    }

    public mutating func add(_ name: String, _ value: Int?) {
        if let value { items.append((name, String(value))) }
    }

    /// `name.1`, `name.2`, … (EC2 lists); `member` adds an inner name (STS: `name.member.1`).
    public mutating func add(list name: String, _ values: [String], member: String? = nil) {
        for (index, value) in values.enumerated() {
            items.append(("\(name)\(member.map { ".\($0)" } ?? "").\(index + 1)", value))
        }
    }

    public mutating func add(filters: [EC2Filter]) {
        for (i, filter) in filters.enumerated() {
            items.append(("Filter.\(i + 1).Name", filter.name))
            for (j, value) in filter.values.enumerated() { items.append(("Filter.\(i + 1).Value.\(j + 1)", value)) }
        }
    }

    /// `TagSpecification.1.ResourceType` and its tags.
    public mutating func add(tagsFor resourceType: String, _ tags: [(String, String)]) {
        guard !tags.isEmpty else { return }
        items.append(("TagSpecification.1.ResourceType", resourceType))
        for (i, tag) in tags.enumerated() {
            items.append(("TagSpecification.1.Tag.\(i + 1).Key", tag.0))
            items.append(("TagSpecification.1.Tag.\(i + 1).Value", tag.1))
        }
    }
}

/// An EC2 `Filter`: a name (`vpc-id`, `tag:privatelinkd:setup`) and the values that match.
public struct EC2Filter: Sendable, Equatable {
    public let name: String
    public let values: [String]
    public init(_ name: String, _ values: [String]) {
        self.name = name
        self.values = values
    }
}
