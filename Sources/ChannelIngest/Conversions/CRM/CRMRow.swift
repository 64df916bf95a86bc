/// One row of a CRM export: a lead or a sale, with what it may be joined on.
///
/// The IP address and User-Agent are only held until the join turns them into the same keyed
/// hashes the log's visitors get; they are never written anywhere.
public struct CRMRow: Equatable, Sendable {
    /// Where the row came from, for messages.
    public var file: String
    public var line: Int
    /// UTC epoch seconds; nil when the export's time could not be read (the row can still join
    /// by lead id, at the time of the goal hit that carried it).
    public var time: Int64?
    public var goal: String
    /// Whether the row's file has a goal/type column: without one every row is a lead.
    public var typed = false
    /// The row's own value; nil falls back to the value of the configured goal of that name.
    public var value: Double?
    public var status: LeadStatus
    public var leadID: String?
    public var visitorID: String?
    public var ip: String?
    public var userAgent: String?
    /// When the lead became a customer, if the export says; else `time`.
    public var customerTime: Int64?

    public init(file: String = "crm", line: Int = 0, time: Int64?, goal: String = "lead", value: Double? = nil,
                status: LeadStatus = .new, leadID: String? = nil, visitorID: String? = nil, ip: String? = nil,
                userAgent: String? = nil, customerTime: Int64? = nil) {
        self.file = file
        self.line = line
        self.time = time
        self.goal = goal
        self.value = value
        self.status = status
        self.leadID = leadID
        self.visitorID = visitorID
        self.ip = ip
        self.userAgent = userAgent
        self.customerTime = customerTime
    }

    /// True when there is nothing to join on.
    var hasNoKey: Bool { leadID == nil && visitorID == nil && ip == nil }
}
