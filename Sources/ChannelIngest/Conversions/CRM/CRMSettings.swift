/// Everything about conversions from a CRM: the files, how to read them and how to join them
/// (`--conversions` and the config's `[crm]`).
public struct CRMSettings: Equatable, Sendable {
    public var files: [String] = []
    public var columns = CRMColumns()
    public var statuses = LeadStatusMapping()
    /// Goal of rows whose goal column is missing or empty.
    public var defaultGoal = "lead"
    /// Goals/types whose rows are leads (`[crm] lead_types`), compared without case.
    public var leadTypes = ["lead"]
    /// The URL query parameter of a goal hit that carries the CRM's lead id (`/thank-you?lead=123`).
    public var leadParameter = "lead"
    /// How far apart (seconds) a CRM row's time and a session or goal hit of its IP may be.
    public var joinWindow: Int64 = 30 * 60
    /// The export's own date layout, when it is not ISO 8601 or epoch (`%m/%d/%Y %I:%M %p`).
    public var timeFormat: CRMTimeFormat?

    public init() {}

    /// Whether a row is a lead (SPEC.md "lead"): its goal/type is one of `leadTypes`, or its
    /// file has no type column at all. Other rows are conversions, never leads.
    public func isLead(_ row: CRMRow) -> Bool {
        isLead(goal: row.goal, typed: row.typed)
    }

    public func isLead(goal: String, typed: Bool) -> Bool {
        !typed || leadTypes.contains { $0.caseInsensitiveCompare(goal) == .orderedSame }
    }
}
