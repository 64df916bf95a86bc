/// Google Analytics 4's BigQuery export as JSON lines (`bq extract
/// --destination_format NEWLINE_DELIMITED_JSON`), one event per line:
///
///     {"event_timestamp":"1612069510766593","event_name":"page_view","event_params":[
///       {"key":"page_location","value":{"string_value":"https://…"}},
///       {"key":"ga_session_id","value":{"int_value":"1612069510"}}, …],"user_pseudo_id":"1026454.42", …}
///
/// `page_view` events are page views (a GET of `page_location`, whose campaign parameters and
/// `page_referrer` feed the channel rules); any other event keeps its name for goals
/// (`[[goal]] event = "generate_lead"`), with its `value` parameter. `user_pseudo_id` is the
/// visitor and `ga_session_id` the session (the export's own, not ingest's timeout rules).
/// No User-Agent: the bot rule does not apply (GA4 filters known bots itself).
public struct GA4Parser: Sendable {
    public init() {}

    private static let get = StaticBytes.make("GET")

    public func parse(_ line: ByteSpan, into hit: inout Hit, arena: inout ParseArena) -> Bool {
        var s = JSONScanner(line)
        s.skipSpace()
        guard s.p < s.end, s.p.pointee == 0x7B else { return false }
        s.p += 1
        var time: Int64?, name = ByteSpan.empty, pseudo = ByteSpan.empty
        var location = ByteSpan.empty, referrer = ByteSpan.empty, session = ByteSpan.empty, value = ByteSpan.empty
        s.skipSpace()
        if s.p < s.end && s.p.pointee == 0x7D { return false }
        while true {
            s.skipSpace()
            guard let key = s.rawString() else { return false }
            s.skipSpace()
            guard s.p < s.end, s.p.pointee == 0x3A else { return false }
            s.p += 1
            s.skipSpace()
            if key.equals("event_timestamp") {
                guard let (v, _) = s.scalarOrFirst(arena: &arena), let t = LogTime.parseEpoch(v) else { return false }
                time = t
            } else if key.equals("event_name") {
                guard let (v, _) = s.scalarOrFirst(arena: &arena) else { return false }
                name = v
            } else if key.equals("user_pseudo_id") {
                guard let (v, _) = s.scalarOrFirst(arena: &arena) else { return false }
                pseudo = v
            } else if key.equals("event_params") {
                guard Self.params(&s, arena: &arena, { k, v in
                    if k.equals("page_location") { location = v } else if k.equals("page_referrer") { referrer = v } else if k.equals("ga_session_id") { session = v } else if k.equals("value") { value = v }
                }) else { return false }
            } else {
                guard s.skipValue() else { return false }
            }
            s.skipSpace()
            guard s.p < s.end else { return false }
            if s.p.pointee == 0x2C { s.p += 1; continue }
            if s.p.pointee == 0x7D { s.p += 1; break }
            return false
        }
        s.skipSpace()
        guard s.atEnd, let time, name.count > 0, pseudo.count > 0 else { return false }
        hit.time = time
        hit.status = 200
        hit.client = .empty
        hit.visitorID = pseudo
        hit.target = location
        hit.host = ALBParser.host(of: location)
        hit.referrer = referrer
        hit.userAgent = .empty
        hit.hasUserAgentField = false
        hit.sessionID = session
        hit.eventValue = value
        if name.equals("page_view") {
            // Spans must point into the chunk (its lines or arena), so "GET" is copied there.
            guard let get = arena.join(ByteSpan(base: Self.get, count: 3)) else { return false }
            hit.method = get
            hit.event = .empty
        } else {
            hit.method = .empty
            hit.event = name
        }
        return true
    }

    /// `[{"key":"…","value":{"string_value":…|"int_value":…|"double_value":…|"float_value":…}}, …]`.
    static func params(_ s: inout JSONScanner, arena: inout ParseArena, _ found: (ByteSpan, ByteSpan) -> Void) -> Bool {
        guard s.p < s.end, s.p.pointee == 0x5B else { return s.skipValue() }
        s.p += 1
        s.skipSpace()
        if s.p < s.end && s.p.pointee == 0x5D { s.p += 1; return true }
        while true {
            s.skipSpace()
            guard s.p < s.end, s.p.pointee == 0x7B else { return false }
            s.p += 1
            var key = ByteSpan.empty, value = ByteSpan.empty
            while true {
                s.skipSpace()
                if s.p < s.end && s.p.pointee == 0x7D { s.p += 1; break }
                guard let k = s.rawString() else { return false }
                s.skipSpace()
                guard s.p < s.end, s.p.pointee == 0x3A else { return false }
                s.p += 1
                s.skipSpace()
                if k.equals("key") {
                    guard let (v, _) = s.scalarOrFirst(arena: &arena) else { return false }
                    key = v
                } else if k.equals("value"), s.p < s.end, s.p.pointee == 0x7B {
                    // The one typed value that is not null.
                    s.p += 1
                    while true {
                        s.skipSpace()
                        if s.p < s.end && s.p.pointee == 0x7D { s.p += 1; break }
                        guard s.rawString() != nil else { return false }
                        s.skipSpace()
                        guard s.p < s.end, s.p.pointee == 0x3A else { return false }
                        s.p += 1
                        s.skipSpace()
                        guard let (v, _) = s.scalarOrFirst(arena: &arena) else { return false }
                        if v.count > 0 { value = v }
                        s.skipSpace()
                        if s.p < s.end && s.p.pointee == 0x2C { s.p += 1 }
                    }
                } else {
                    guard s.skipValue() else { return false }
                }
                s.skipSpace()
                if s.p < s.end && s.p.pointee == 0x2C { s.p += 1 }
            }
            if key.count > 0 { found(key, value) }
            s.skipSpace()
            guard s.p < s.end else { return false }
            if s.p.pointee == 0x2C { s.p += 1; continue }
            if s.p.pointee == 0x5D { s.p += 1; return true }
            return false
        }
    }

    public func diagnose(_ line: ByteSpan) -> String {
        guard line.count > 0, line[0] == 0x7B else { return "is not a JSON object" }
        return "has no event_timestamp, event_name or user_pseudo_id (a GA4 BigQuery export row has all three)"
    }
}
