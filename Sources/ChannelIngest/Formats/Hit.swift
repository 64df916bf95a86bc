/// One parsed log line, as borrowed spans into the line's bytes.
///
/// Only valid during the parser's callback; the traffic stage copies out what it keeps
/// (as hashes and interned ids), so nothing per line outlives the chunk it came from.
public struct Hit {
    /// Client address as logged (IPv4, IPv6 or a host name). Hashed, never stored.
    public var client: ByteSpan = .empty
    /// UTC epoch seconds.
    public var time: Int64 = 0
    public var method: ByteSpan = .empty
    /// The request target: path and query, as sent.
    public var target: ByteSpan = .empty
    public var status: Int = 0
    public var referrer: ByteSpan = .empty
    public var userAgent: ByteSpan = .empty
    /// The virtual host (vhost_combined), empty otherwise.
    public var host: ByteSpan = .empty
    /// False for formats without a User-Agent (`common`): the bot rule is skipped for them.
    public var hasUserAgentField = true
    /// The whole line (for fields read only when configured, such as a visitor id).
    public var line: ByteSpan = .empty
    /// A visitor id the format carries (a cookie named by `visitor_id_field`); empty for none.
    public var visitorID: ByteSpan = .empty
    /// Analytics exports only (GA4): the event's name when it is not a page view, the export's
    /// own session id, and the event's `value` parameter.
    public var event: ByteSpan = .empty
    public var sessionID: ByteSpan = .empty
    public var eventValue: ByteSpan = .empty

    public init() {}
}
