import Foundation

/// What the fuzz targets (`Fuzz/`, libFuzzer) and the regression tests over their corpus run:
/// arbitrary bytes through each parser, and through what consumes a parser's output. Nothing
/// here may crash, hang or grow without bound on any input; results are thrown away.
public enum FuzzEntry {
    /// Built once: lists, classifiers and the formats that need a setup.
    struct Kit {
        let referrers: ReferrerClassifier
        let bots: BotFilter
        let setup: FormatSetup
        let goals: GoalRules
        let explainOptions: IngestOptions
        let classifiers: Classifiers
    }

    nonisolated(unsafe) static let kit: Kit = {
        let lists = try! SourceLists.builtIn()
        let sources = TrafficSources(rules: ChannelRules(lists: lists))
        let format = try! FormatString(#"$remote_addr - [$time_iso8601] $host "$request_method $uri$is_args$args" $status "$http_referer" "$http_user_agent" $cookie_uid"#, visitorID: "uid")
        let json = JSONFieldMap(paths: [.time: ["t", "time"], .client: ["c.ip"], .uri: ["r.u"], .status: ["s"],
                                        .userAgent: ["r.h.ua"], .referrer: ["r.h.ref"], .visitorID: ["uid"]])
        var explain = IngestOptions()
        explain.siteHosts = ["example.com"]
        return Kit(referrers: ReferrerClassifier(lists: lists, sources: sources, siteHosts: ["example.com"]),
                   bots: try! BotFilter.builtIn(), setup: FormatSetup(formatString: format, jsonMap: json, visitorIDName: "uid"),
                   goals: try! GoalRules([Goal(name: "g", path: "/t*"), Goal(name: "e", path: "", event: "purchase")]),
                   explainOptions: explain, classifiers: try! Classifiers(options: explain))
    }()

    /// Lines of `format` (the bytes split at newlines, like a file), each parsed and, when a hit,
    /// classified the way the traffic stage does.
    public static func lines(_ format: LogFormat, _ data: UnsafeRawBufferPointer) {
        let k = kit
        guard var parser = k.setup.parser(for: format) else { return }
        let cap = 2 * data.count + 64
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: cap)
        defer { buffer.deallocate() }
        if data.count > 0 { memcpy(buffer, data.baseAddress!, data.count) }
        var arena = ParseArena(base: buffer + data.count, capacity: cap - data.count)
        var hit = Hit()
        var start = 0
        while start <= data.count {
            var end = start
            while end < data.count && buffer[end] != 0x0A { end += 1 }
            let line = ByteSpan(base: buffer + start, count: end - start)
            if parser.parse(line, into: &hit, arena: &arena) == .hit {
                hit.line = line
                _ = k.referrers.origin(referrer: hit.referrer, requestHost: hit.host)
                _ = CampaignParameters.parse(target: hit.target)
                let path = PageRules.path(of: hit.target)
                _ = PageRules().isPageview(method: hit.method, status: hit.status, path: path)
                _ = k.goals.match(method: hit.method, status: hit.status, path: path, event: hit.event)
                if hit.hasUserAgentField { _ = k.bots.classify(hit.userAgent) }
                _ = VisitorIDField("extra:1")!.value(in: hit)
                _ = LogTime.isoTimestamp(hit.time)
            } else {
                _ = parser.whereItStops(line)
            }
            start = end + 1
        }
    }

    /// The same, the first byte picking one of `formats` (one fuzz target for related formats).
    public static func lines(oneOf formats: [LogFormat], _ data: UnsafeRawBufferPointer) {
        guard data.count > 0 else { return }
        lines(formats[Int(data[0]) % formats.count], UnsafeRawBufferPointer(rebasing: data.dropFirst()))
    }

    /// The bytes as a file: decompressed (gzip chosen by magic, members, damage) to the end,
    /// by ISA-L and by zlib. Where neither finds damage both must give the same bytes; where
    /// one does, what each read must be a prefix of the other's (they may stop a few bytes
    /// apart inside a damaged block). Anything else stops the fuzzer.
    public static func gzip(_ data: UnsafeRawBufferPointer) {
        let path = NSTemporaryDirectory() + "ingest-fuzz-\(getpid()).gz"
        FileManager.default.createFile(atPath: path, contents: Data(data))
        defer { unlink(path) }
        func readAll(_ library: InflateLibrary) -> (bytes: [UInt8], damage: InputDamage?, capped: Bool)? {
            guard let input = try? DecompressedInput(path: path, inflate: library) else { return nil }
            let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1 << 16)
            defer { buffer.deallocate() }
            var kept: [UInt8] = []
            var total = 0
            // A bomb is read in bounded memory; stop after 64 MiB so one input stays quick, and
            // keep the first 4 MiB to compare.
            while total < 64 << 20 {
                let n = input.read(into: buffer, capacity: 1 << 16)
                if n == 0 { break }
                if kept.count < 4 << 20 { kept.append(contentsOf: UnsafeBufferPointer(start: buffer, count: min(n, (4 << 20) - kept.count))) }
                total += n
            }
            _ = input.damage?.message
            return (kept, input.damage, total >= 64 << 20)
        }
        guard let isal = readAll(.isal), let zlib = readAll(.zlib) else { return }
        if isal.damage == nil && zlib.damage == nil {
            precondition(isal.bytes == zlib.bytes, "ISA-L and zlib read different bytes from an undamaged input")
        } else {
            let (short, long) = isal.bytes.count <= zlib.bytes.count ? (isal.bytes, zlib.bytes) : (zlib.bytes, isal.bytes)
            precondition(long.starts(with: short), "ISA-L and zlib read different bytes before the damage")
            precondition((isal.damage != nil && zlib.damage != nil) || isal.capped || zlib.capped,
                         "one library found damage the other did not: \(isal.damage?.message ?? "none") / \(zlib.damage?.message ?? "none")")
        }
    }

    /// URLs, queries, referrers, cookies: every scanner that reads a URL's parts.
    public static func url(_ data: UnsafeRawBufferPointer) {
        let k = kit
        let bytes = Array(data)
        bytes.withSpan { s in
            _ = CampaignParameters.parse(target: s)
            _ = CampaignParameters.parse(query: s)
            // Equal decision keys only where the decided values are equal (the stage's cache).
            let whole = CampaignParameters.values(in: s), half = CampaignParameters.values(in: s.prefix(s.count / 2))
            if let k = CampaignParameters.decisionKey(whole), k == CampaignParameters.decisionKey(half),
               CampaignParameters.decide(whole)?.parameters != CampaignParameters.decide(half)?.parameters {
                fatalError("two campaign decisions share a key")
            }
            if (CampaignParameters.decisionKey(whole) == nil) != (CampaignParameters.decide(whole) == nil) {
                fatalError("a decision key without a decision, or the other way")
            }
            _ = k.referrers.origin(referrer: s, requestHost: .empty)
            _ = k.referrers.origin(referrer: s, requestHost: s.prefix(s.count / 2))
            _ = PageRules.path(of: s)
            let fastTarget = RequestLine.target(of: s), ruleTarget = RequestLine.targetByLastSpace(s)
            if fastTarget.base != ruleTarget.base || fastTarget.count != ruleTarget.count {
                fatalError("RequestLine.target(of:) differs from its rule")
            }
            var naive: Int?
            for i in 0..<s.count where s[i] == 0x3F || s[i] == 0x23 { naive = i; break }
            if s.firstIndex(of: 0x3F, or: 0x23) != naive { fatalError("firstIndex(of:or:) differs from a byte loop") }
            _ = PercentDecoding.decode(s)
            _ = CRMEvidence.parameter(Array("lead".utf8), in: s)
            _ = CookieHeader.value(of: Array("uid".utf8), in: s)
            _ = ALBParser.host(of: s)
            _ = LogTime.parseISO(s)
            _ = LogTime.parseEpoch(s)
            _ = LogTime.parseCommonLog(s)
            // The clock answers as parseCommonLog does, whatever day it remembers.
            if s.count >= 26 {
                var clock = CommonLogClock()
                for start in 0...min(s.count - 26, 64) {
                    let window = s.slice(start, start + 26)
                    let expected = LogTime.parseCommonLog(window)
                    for _ in 0..<2 where clock.time(window.base) != expected {
                        fatalError("CommonLogClock and parseCommonLog differ on \(window.string)")
                    }
                }
            }
        }
        // `ingest explain` on the bytes as landing, referrer and User-Agent (split at newlines).
        let parts = bytes.split(separator: 0x0A, maxSplits: 2, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        if let e = try? HitExplanation.make(landing: parts[0], referrer: parts.count > 1 ? parts[1] : nil, userAgent: parts.count > 2 ? parts[2] : nil,
                                            options: k.explainOptions, classifiers: k.classifiers) {
            _ = e.text
            _ = e.json
        }
    }

    /// The streams between a distributed run's stages: each line as an event line (one that
    /// reads must write back to the same event) and as a record of a partial.
    public static func partials(_ data: UnsafeRawBufferPointer) {
        var reader = PartialFile.Reader(config: "0")
        let bytes = Array(data)
        bytes.withUnsafeBufferPointer { b in
            var start = 0
            while start <= b.count {
                var end = start
                while end < b.count && b[end] != 0x0A { end += 1 }
                let line = b.isEmpty ? ByteSpan.empty : ByteSpan(base: b.baseAddress! + start, count: end - start)
                if let p = EventLine.parse(line) {
                    let source = p.source.count > 0 ? EventLine.sourceParts(p.source) : nil
                    precondition(p.source.count == 0 || source != nil, "an event's source fields read back")
                    var again: [UInt8] = []
                    let page = p.page.count > 0 ? EventLine.pageField(EventLine.unescaped(p.page.dropFirst(1))) : []
                    EventLine.append(p.event, source: source.map(EventLine.sourceFields) ?? EventLine.noSource, page: page, to: &again)
                    let q = again.withUnsafeBufferPointer { EventLine.parse(ByteSpan(base: $0.baseAddress!, count: $0.count - 1)) }
                    precondition(q != nil && q!.event.time == p.event.time && q!.event.seq == p.event.seq && q!.event.visitor == p.event.visitor
                                 && q!.event.goals == p.event.goals && q!.event.client == p.event.client && q!.event.lead == p.event.lead,
                                 "an event line written back reads as the same event")
                    precondition((q!.source.count > 0 ? EventLine.sourceParts(q!.source) : nil) == source, "the same source")
                }
                try? reader.add(line: line.string, origin: "fuzz")
                start = end + 1
            }
        }
        _ = reader.partial.runStats(reorderWindow: 600, siteHosts: [])
    }

    /// A paths.csv read back as `ingest attribute` reads it, and every model over it: the
    /// data-driven credits add up to the conversions.
    public static func paths(_ data: UnsafeRawBufferPointer) {
        guard let rows = try? PathsFile.rows(Array(data), name: "fuzz") else { return }
        let total = rows.reduce(0) { $0 + $1.conversions }
        let credits = DataDrivenAttribution.channelCredits(rows)
        for (_, byChannel) in credits where total > 0 {
            let sum = byChannel.values.reduce(0.0) { $0 + $1.conversions }
            precondition(abs(sum - Double(total)) <= 1e-6 * Double(total) || sum == 0, "credits sum to the conversions")
        }
        _ = PathAttribution.table(rows).render()
    }

    /// A CRM export (CSV or JSON lines) and a costs file, read as the run reads them.
    public static func crm(_ data: UnsafeRawBufferPointer) {
        let bytes = Array(data)
        _ = CSVRecords.parse(bytes)
        _ = CRMExport.jsonLines(bytes)
        _ = try? ChannelCosts.parse(bytes, origin: "costs")
        var zone = ReportTimeZone.utc
        let text = String(decoding: bytes.prefix(64), as: UTF8.self)
        _ = CRMTime.parse(text, zone: &zone)
        _ = CRMTimeFormat("%m/%d/%Y %I:%M %p")!.parse(text, zone: &zone)
        let path = NSTemporaryDirectory() + "ingest-fuzz-crm-\(getpid())"
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        defer { unlink(path) }
        var settings = CRMSettings()
        settings.files = [path]
        _ = try? CRMExport.read(settings, zone: .utc)
    }

    /// A `--referrer-db` or `--bot-db` file (as each of the known kinds), and every line of it
    /// as a bot regex through the literal prefilter.
    public static func lists(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: Array(data), as: UTF8.self)
        for name in ["SearchEngines.yml", "Socials.yml", "AIAssistants.yml", "referers.yml"] {
            if let db = try? ReferrerDatabase(text: text, path: name) {
                let lists = SourceLists()
                _ = try? lists.add(database: db)
                _ = lists.lookup(host: "www.example.com", path: "/search")
                _ = lists.category(ofSource: "example")
            }
        }
        if let db = try? BotDatabase(text: text, path: "bots.yml") {
            // The literal prefilter must never change the answer: the same first entry as trying
            // every regex in order.
            for ua in ["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", text] {
                let range = NSRange(location: 0, length: (ua as NSString).length)
                let plain = db.entries.indices.first { db.regex($0).firstMatch(in: ua, options: [], range: range) != nil }
                let quick = db.firstMatch(ua)
                precondition(quick == plain, "prefilter says \(quick.map(String.init) ?? "none"), the regexes say \(plain.map(String.init) ?? "none")")
            }
        }
        for line in text.split(separator: "\n").prefix(64) { _ = RegexLiterals.required(String(line)) }
    }

    /// A config file.
    public static func config(_ data: UnsafeRawBufferPointer) {
        let text = String(decoding: Array(data), as: UTF8.self)
        if let c = try? IngestConfig.parse(text, origin: "fuzz.toml") { _ = c.render() }
        _ = try? FormatString(text)
    }
}
