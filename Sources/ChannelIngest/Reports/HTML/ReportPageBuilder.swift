/// Lays out `report.html`'s sections from the written tables: which charts and tables, in
/// which order, with which words.
struct ReportPageBuilder {
    let tables: TrafficTables
    let verdict: Verdict
    let context: HTMLReport.Context

    private var stats: RunStats { tables.stats }
    /// The zone the tables' days are in.
    private var zone: String { tables.aggregates.zone.name }
    private var channelRows: [Verdict.Row] { verdict.rows.filter(\.isChannel) }

    func page() -> PageView {
        let hasTraffic = (verdict.total.sessions ?? 0) > 0
        var sections: [SectionView] = []
        if hasTraffic {
            sections.append(trafficSection())
            if verdict.hasConversions { sections.append(conversionSection()) }
            if verdict.hasLeads { sections.append(leadSection()) }
            if verdict.hasCosts, let s = moneySection() { sections.append(s) }
            sections.append(dailySection())
            if verdict.hasConversions, let s = modelSection() { sections.append(s) }
            sections.append(pagesSection())
        }
        sections.append(botSection())
        let sites = context.sites.isEmpty ? "" : " — " + context.sites.joined(separator: ", ")
        var page = PageView(
            title: "Channels report" + sites,
            version: "1",
            period: period(),
            facts: facts(),
            warnings: [],
            hasTraffic: hasTraffic,
            emptyReason: stats.lines == 0 ? "No line was read." :
                "\(HumanNumbers.count(stats.lines)) lines were read: \(HumanNumbers.count(stats.botHits)) bot hits, \(HumanNumbers.count(stats.malformed)) malformed lines, no pageview.",
            verdictIntro: verdictIntro(),
            verdict: hasTraffic ? verdictTable() : nil,
            sections: sections,
            sourceNote: context.source)
        page.warnings = stats.warnings
        return page
    }

    // MARK: header

    private func period() -> String {
        guard let first = stats.firstTime, let last = stats.lastTime else { return "No dated lines." }
        var zone = tables.aggregates.zone
        let a = zone.day(of: first), b = zone.day(of: last)
        let days = b - a + 1
        func date(_ day: Int64) -> String { LineChart.shortDate(LogTime.isoDate(days: day), withYear: true) }
        return "\(date(a)) to \(date(b)) · \(days) \(days == 1 ? "day" : "days") · days in \(self.zone)"
    }

    private func facts() -> [PageView.Fact] {
        var f = [PageView.Fact(value: HumanNumbers.count(stats.files), label: stats.files == 1 ? "file" : "files"),
                 PageView.Fact(value: HumanNumbers.count(stats.lines), label: "lines"),
                 PageView.Fact(value: HumanNumbers.count(stats.hits), label: "hits"),
                 PageView.Fact(value: HumanNumbers.count(stats.botHits), label: "bot hits"),
                 PageView.Fact(value: HumanNumbers.count(stats.malformed), label: "malformed lines")]
        if stats.spamHits > 0 { f.append(PageView.Fact(value: HumanNumbers.count(stats.spamHits), label: "referrer-spam hits")) }
        f.append(PageView.Fact(value: HumanNumbers.count(verdict.total.sessions ?? 0), label: "sessions"))
        f.append(PageView.Fact(value: HumanNumbers.count(verdict.total.users ?? 0), label: "visitors"))
        return f
    }

    // MARK: the verdict

    private func verdictIntro() -> String {
        var s = "Each channel's visits and how engaged they were"
        if verdict.hasConversions { s += ", what they converted (\(tables.aggregates.model.rawValue) credit)" }
        if verdict.hasLeads { s += ", how many leads were real and became customers" }
        if verdict.hasCosts { s += ", and what the channel cost against what it brought" }
        return s + ". Sorted by sessions, like traffic.csv."
    }

    /// The verdict's columns: title, CSV column (the `data-column` a test reads), and value.
    private func verdictColumns() -> [(title: String, key: String, value: (Verdict.Row) -> String?)] {
        let pct: (Double?) -> String? = { $0.map(HumanNumbers.percent) }
        let cnt: (Double?) -> String? = { $0.map(HumanNumbers.count) }
        let money: (Double?) -> String? = { $0.map(HumanNumbers.money) }
        var c: [(title: String, key: String, value: (Verdict.Row) -> String?)] = [
            ("Sessions", "sessions", { $0.sessions.map(HumanNumbers.count) }),
            ("Share", "share_of_sessions", { pct($0.share) }),
            ("Engaged", "engagement_rate", { pct($0.engagedRate) }),
        ]
        if verdict.hasConversions {
            c += [("Conversions", "conversions", { cnt($0.conversions) }), ("Conv. rate", "conversion_rate", { pct($0.conversionRate) })]
        }
        if verdict.hasLeads {
            c += [("Leads", "leads", { cnt($0.leads) }), ("Spam share", "spam_rate", { pct($0.spamShare) }),
                  ("Customers", "customers", { cnt($0.customers) }), ("Revenue", "revenue", { money($0.revenue) })]
        }
        if verdict.hasCosts {
            c += [("Cost", "cost", { money($0.cost) }), ("ROI", "roi", { pct($0.roi) }),
                  ("Cost per customer", "cost_per_customer", { money($0.costPerCustomer) })]
        }
        return c
    }

    private func verdictTable() -> TableView {
        let columns = verdictColumns()
        let rows = (verdict.rows + [verdict.total]).map { r in
            (kind: r.name == "total" ? "total" : r.isChannel ? "channel" : "pseudo", name: r.name == "total" ? "Total" : r.name,
             values: columns.map { $0.value(r) ?? "–" })
        }
        var table = TableView(id: "verdict", title: "Per channel", first: ("Channel", "channel"),
                              columns: columns.map { ($0.title, $0.key, true) }, rows: rows,
                              note: verdict.hasCosts ? "ROI = (value − cost) / cost, with the value credited to the channel; a channel with no cost has none." : nil)
        table.tableClass = "wide"
        return table
    }

    // MARK: charts by channel

    private func bars(_ rows: [Verdict.Row], style: String = "s0", value: (Verdict.Row) -> Double?, text: (Verdict.Row, Double) -> String,
                      title: (Verdict.Row, Double) -> String) -> [BarChart.Item] {
        rows.compactMap { r in
            guard let v = value(r) else { return nil }
            return BarChart.Item(label: r.name, bars: [BarChart.Bar(segments: [BarChart.Segment(value: v, style: v < 0 ? "negative" : style, title: title(r, v))],
                                                                       valueText: text(r, v))])
        }
    }

    private func trafficSection() -> SectionView {
        let items = bars(channelRows.filter { ($0.sessions ?? 0) > 0 }, value: { $0.sessions.map(Double.init) },
                         text: { r, v in HumanNumbers.count(v) + (r.share.map { " · " + HumanNumbers.percent($0) } ?? "") },
                         title: { r, v in "\(r.name): \(HumanNumbers.count(v)) sessions" })
        let chart = BarChart().figure(items, summary: "Sessions by channel: " + summaryList(items), tickFormat: { HumanNumbers.count($0) })
        let engaged = bars(channelRows.filter { ($0.sessions ?? 0) > 0 }, style: "s3", value: \.engagedRate, text: { _, v in HumanNumbers.percent(v) },
                           title: { r, v in "\(r.name): \(HumanNumbers.percent(v)) of its sessions were engaged" })
        let engagedChart = BarChart().figure(engaged, summary: "Engaged sessions by channel: " + summaryList(engaged), tickFormat: { HumanNumbers.percentTick($0) })
        return SectionView(id: "traffic", title: "Where the visits come from",
                           intro: "Sessions per channel, with their share of all sessions, and how many were engaged (10 s or more, two pageviews or a goal) — not a bounce.",
                           charts: [ChartView(id: "sessions", caption: "Sessions by channel", figure: chart),
                                    ChartView(id: "engagement", caption: "Engaged sessions by channel", figure: engagedChart)])
    }

    private func conversionSection() -> SectionView {
        let converting = verdict.rows.filter { ($0.conversions ?? 0) > 0 }
        let items = bars(converting, value: \.conversions, text: { _, v in HumanNumbers.count(v) },
                         title: { r, v in "\(r.name): \(HumanNumbers.count(v)) conversions" })
        let rateItems = bars(channelRows.filter { ($0.sessions ?? 0) > 0 }, style: "s3", value: \.conversionRate,
                             text: { _, v in HumanNumbers.percent(v) }, title: { r, v in "\(r.name): \(HumanNumbers.percent(v)) of its sessions converted" })
        var charts: [ChartView] = []
        if !items.isEmpty {
            charts.append(ChartView(id: "conversions", caption: "Conversions by channel",
                                    figure: BarChart().figure(items, summary: "Conversions by channel: " + summaryList(items), tickFormat: { HumanNumbers.count($0) })))
        }
        charts.append(ChartView(id: "conversion-rate", caption: "Conversion rate by channel",
                                figure: BarChart().figure(rateItems, summary: "Conversion rate by channel: " + summaryList(rateItems), tickFormat: { HumanNumbers.percentTick($0) })))
        return SectionView(id: "conversions", title: "What the visits convert",
                           intro: "Conversions credited to each channel by the \(tables.aggregates.model.rawValue) model, and conversions per session. (no session) and (not joined) are conversions no channel could take.",
                           charts: charts)
    }

    private func leadSection() -> SectionView {
        let rows = verdict.rows.filter { ($0.leads ?? 0) > 0 }
        let items = rows.map { r -> BarChart.Item in
            let leads = r.leads ?? 0, customers = r.customers ?? 0, qualified = r.qualified ?? 0, spam = r.spam ?? 0
            // The bar is the channel's leads by status; customers are people (a won lead, or an
            // order without a lead), so they are told beside the bar, not as a part of it.
            let parts: [(Double, String, String)] = [
                (min(qualified, leads), "lq-qualified", "qualified or won"),
                (max(0, leads - qualified - spam), "lq-new", "new"),
                (spam, "lq-spam", "spam"),
            ]
            var text = HumanNumbers.count(leads, "lead")
            if customers > 0 { text += " · " + HumanNumbers.count(customers, "customer") }
            if let s = r.suspicious, s > 0 { text += " · ⚑ \(HumanNumbers.count(s)) suspicious" }
            return BarChart.Item(label: r.name, bars: [BarChart.Bar(segments: parts.filter { $0.0 > 0 }.map {
                BarChart.Segment(value: $0.0, style: $0.1, title: "\(r.name): \(HumanNumbers.count($0.0)) \($0.2)")
            }, valueText: text)])
        }
        let legend = [Figure.LegendItem(style: "lq-qualified", text: "qualified or won"),
                      Figure.LegendItem(style: "lq-new", text: "new"), Figure.LegendItem(style: "lq-spam", text: "spam")]
        let chart = BarChart().figure(items, summary: "Leads by channel and status: " + rows.map {
            "\($0.name) \(HumanNumbers.count($0.leads ?? 0, "lead")), \(HumanNumbers.count($0.qualified ?? 0)) qualified or won, \(HumanNumbers.count($0.spam ?? 0)) spam, \(HumanNumbers.count($0.customers ?? 0, "customer"))"
        }.joined(separator: "; "), tickFormat: { HumanNumbers.count($0) }, legend: legend)
        return SectionView(id: "leads", title: "Are the leads real?",
                           intro: "Each channel's leads (rows of a lead type: orders and sales are not leads) by their status in the CRM, and its customers — people, counted once however many times they bought. ⚑ marks leads the data calls suspicious (a one-page visit under 10 s, a second lead within 24 h, automated-looking hits); they are counted, never removed.",
                           charts: [ChartView(id: "lead-quality", caption: "Lead quality by channel", figure: chart)])
    }

    private func moneySection() -> SectionView? {
        let costed = verdict.rows.filter { ($0.cost ?? 0) > 0 }
        guard !costed.isEmpty else { return nil }
        var charts: [ChartView] = []
        let perCustomer = bars(costed, style: "s1", value: \.costPerCustomer, text: { _, v in HumanNumbers.money(v) },
                               title: { r, v in "\(r.name): \(HumanNumbers.money(v)) per customer" })
        if !perCustomer.isEmpty {
            charts.append(ChartView(id: "cost-per-customer", caption: "Cost per customer",
                                    figure: BarChart().figure(perCustomer, summary: "Cost per customer: " + summaryList(perCustomer), tickFormat: { HumanNumbers.count($0) }),
                                    note: costed.count > perCustomer.count ? "Channels with a cost and no customer have no cost per customer." : nil))
        }
        let roi = bars(costed, style: "s4", value: \.roi, text: { _, v in HumanNumbers.percent(v) },
                       title: { r, v in "\(r.name): ROI \(HumanNumbers.percent(v))" })
        charts.append(ChartView(id: "roi", caption: "Return on what each channel cost",
                                figure: BarChart().figure(roi, summary: "ROI by channel: " + summaryList(roi), tickFormat: { HumanNumbers.percentTick($0) })))
        return SectionView(id: "money", title: "What each channel costs and returns",
                           intro: "Costs as given (your own hours count: hours × hourly rate). ROI = (value − cost) / cost; below 0 % a channel costs more than it brings.",
                           charts: charts)
    }

    // MARK: over time

    /// Every day from the first to the last date of `rows`.
    private func dayRange(_ rows: [TableIndex.Row]) -> [String]? {
        let days = rows.compactMap { $0.text("date").flatMap(Self.dayNumber) }
        guard let lo = days.min(), let hi = days.max() else { return nil }
        return (lo...hi).map { LogTime.isoDate(days: $0) }
    }

    static func dayNumber(_ iso: String) -> Int64? {
        let p = iso.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3 else { return nil }
        return LogTime.daysFromCivil(year: p[0], month: p[1], day: p[2])
    }

    private func dailySection() -> SectionView {
        let all = TableIndex.rows(of: tables.daily)
        let pseudo = Set(TrafficAggregates.Pseudo.allCases.map(\.name))
        let channelDays = all.filter { !pseudo.contains($0.text("channel") ?? "") }
        var charts: [ChartView] = []
        let top = channelRows.filter { ($0.sessions ?? 0) > 0 }.prefix(Self.topCount).map(\.name)
        if let days = dayRange(channelDays) {
            let index = Dictionary(uniqueKeysWithValues: days.enumerated().map { ($1, $0) })
            var values = [String: [Double]]()
            for name in top + ["other"] { values[name] = [Double](repeating: 0, count: days.count) }
            for r in channelDays {
                guard let d = r.text("date"), let i = index[d], let ch = r.text("channel") else { continue }
                let key = top.contains(ch) ? ch : "other"
                values[key]![i] += Double(r.int("sessions") ?? 0)
            }
            var series = top.enumerated().map { LineChart.Series(name: $1, style: "s\($0)", values: values[$1]!) }
            if values["other"]!.contains(where: { $0 > 0 }) { series.append(LineChart.Series(name: "other", style: "s7", values: values["other"]!)) }
            let f = LineChart().figure(days: days, series: series, summary: "Sessions per day, \(days.first!) to \(days.last!), for " + series.map(\.name).joined(separator: ", "),
                                       tickFormat: { HumanNumbers.count($0) })
            charts.append(ChartView(id: "daily-sessions", caption: "Sessions per day", figure: f))
        }
        if verdict.hasConversions, let days = dayRange(channelDays) ?? dayRange(all) {
            let index = Dictionary(uniqueKeysWithValues: days.enumerated().map { ($1, $0) })
            var values = [Double](repeating: 0, count: days.count)
            var outside = 0.0
            for r in all {
                guard let d = r.text("date") else { continue }
                let n = r.number("conversions") ?? 0
                if let i = index[d] { values[i] += n } else { outside += n }
            }
            let f = LineChart().figure(days: days, series: [LineChart.Series(name: "conversions", style: "s2", values: values)],
                                       summary: "Conversions per day, \(days.first!) to \(days.last!), \(HumanNumbers.count(values.reduce(0, +))) in all",
                                       tickFormat: { HumanNumbers.count($0) })
            let note = outside > 0 ? "\(HumanNumbers.count(outside)) more conversions (CRM rows) fall on days without logged sessions; daily.csv has them." : nil
            charts.append(ChartView(id: "daily-conversions", caption: "Conversions per day (every channel)", figure: f, note: note))
        }
        return SectionView(id: "daily", title: "Day by day",
                           intro: "Sessions belong to the day they started, conversions to the day they happened (\(zone)). The top \(Self.topCount) channels have a line each; the rest are summed as other.",
                           charts: charts, single: false)
    }

    private static var topCount: Int { HTMLReport.dailySeries }

    // MARK: attribution models

    private func modelSection() -> SectionView? {
        let attribution = TableIndex.rows(of: tables.attribution)
        let top = verdict.rows.filter { $0.isChannel && ($0.conversions ?? 0) > 0 }
            .sorted { ($0.conversions ?? 0) > ($1.conversions ?? 0) }.prefix(HTMLReport.modelChannels).map(\.name)
        guard !top.isEmpty else { return nil }
        let models = tables.models.map(\.rawValue)
        var credit = [String: [String: Double]]()
        for r in attribution {
            guard let ch = r.text("channel"), let m = r.text("model") else { continue }
            credit[ch, default: [:]][m] = r.number("conversions") ?? 0
        }
        let items = top.map { ch in
            BarChart.Item(label: ch, bars: models.enumerated().map { i, m in
                let v = credit[ch]?[m] ?? 0
                return BarChart.Bar(segments: [BarChart.Segment(value: v, style: "s\(i)", title: "\(ch), \(m): \(HumanNumbers.count(v)) conversions")],
                                    valueText: HumanNumbers.count(v))
            })
        }
        let legend = models.enumerated().map { Figure.LegendItem(style: "s\($0)", text: $1) }
        let f = BarChart().figure(items, summary: "Conversions credited by each attribution model for " + top.joined(separator: ", "),
                                  tickFormat: { HumanNumbers.count($0) }, legend: legend)
        var intro = "Who gets the credit when a visitor came several times: the last non-direct visit (the tables' default), the last, the first, all equally (linear), 40/20/40 (position) or the recent ones more (time-decay). A channel that gains under first-touch starts journeys; one that gains under last-touch closes them."
        if models.contains(AttributionModel.markov.rawValue) {
            intro += " The data-driven models learn from every journey, converting or not: markov credits a channel by how many conversions would be lost without it; shapley by how much it raises the conversion rate of the journeys it is on. Where they give a channel more than the rule models, it helps journeys convert more than its place in them shows."
        }
        var section = SectionView(id: "models", title: "The same conversions under each attribution model", intro: intro,
                                  charts: [ChartView(id: "models", caption: "Conversions by model, top channels", figure: f)], single: true)
        if let journeys = journeyTable() { section.tables = [journeys] }
        return section
    }

    /// The most frequent journeys (`paths.csv`): how often each converts.
    private func journeyTable() -> TableView? {
        let all = TableIndex.rows(of: tables.journeyPaths)
        guard !all.isEmpty else { return nil }
        let rows = all.prefix(HTMLReport.tableRows).map { r -> (kind: String, name: String, values: [String]) in
            let journeys = Double(r.int("journeys") ?? 0), conversions = Double(r.int("conversions") ?? 0)
            return (kind: "row", name: r.text("path") ?? "", values: [HumanNumbers.count(journeys), HumanNumbers.count(conversions),
                                                                      HumanNumbers.percent(journeys > 0 ? conversions / journeys : 0),
                                                                      HumanNumbers.money(r.number("value") ?? 0)])
        }
        return TableView(id: "journeys", title: "Top journeys (\(tables.aggregates.pathTransform.rawValue) paths)", first: ("Journey", "path"), firstClass: "path",
                         columns: [("Journeys", "journeys", true), ("Conversions", "conversions", true), ("Conv. rate", "conversion_rate", true),
                                   ("Value", "value", true)],
                         rows: rows, note: Self.capNote(shown: rows.count, of: all.count, file: "paths.csv"))
    }

    // MARK: tables

    private func pagesSection() -> SectionView {
        let landing = TableIndex.rows(of: tables.landingPages).filter { ($0.int("sessions") ?? 0) > 0 }
        let pageRows = landing.prefix(HTMLReport.tableRows).map { r in
            (kind: "row", name: r.text("landing_page") ?? "", values: [r.text("channel") ?? "", HumanNumbers.count(r.int("sessions") ?? 0),
                                                                       HumanNumbers.percent(r.number("bounce_rate") ?? 0), HumanNumbers.count(r.number("conversions") ?? 0)])
        }
        let pages = TableView(id: "landing-pages", title: "Top landing pages", first: ("Landing page", "landing_page"), firstClass: "path",
                              columns: [("Channel", "channel", false), ("Sessions", "sessions", true), ("Bounce rate", "bounce_rate", true),
                                        ("Conversions", "conversions", true)],
                              rows: pageRows, note: Self.capNote(shown: pageRows.count, of: landing.count, file: "landing_pages.csv"))
        let sourceList = TableIndex.rows(of: tables.sources).filter { ($0.int("sessions") ?? 0) > 0 }
        let sourceRows = sourceList.prefix(HTMLReport.tableRows).map { r in
            (kind: "row", name: r.text("source") ?? "", values: [r.text("medium") ?? "", r.text("channel") ?? "", HumanNumbers.count(r.int("sessions") ?? 0),
                                                                 HumanNumbers.count(r.int("users") ?? 0), HumanNumbers.count(r.number("conversions") ?? 0),
                                                                 HumanNumbers.percent(r.number("conversion_rate") ?? 0)])
        }
        let sources = TableView(id: "sources", title: "Top sources", first: ("Source", "source"), firstClass: "path",
                                columns: [("Medium", "medium", false), ("Channel", "channel", false), ("Sessions", "sessions", true),
                                          ("Users", "users", true), ("Conversions", "conversions", true), ("Conv. rate", "conversion_rate", true)],
                                rows: sourceRows, note: Self.capNote(shown: sourceRows.count, of: sourceList.count, file: "sources.csv"))
        return SectionView(id: "pages", title: "Landing pages and sources",
                           intro: "Where sessions start, and the source / medium behind each channel.", tables: [pages, sources])
    }

    static func capNote(shown: Int, of all: Int, file: String) -> String {
        shown < all ? "The first \(shown) of \(HumanNumbers.count(all)) rows; \(file) has all of them." : "All \(all) rows, as in \(file)."
    }

    private func botSection() -> SectionView {
        let rows = TableIndex.rows(of: tables.bots)
        let items = rows.map { r -> BarChart.Item in
            let hits = Double(r.int("hits") ?? 0), share = r.number("share_of_hits") ?? 0
            let name = r.text("bot") ?? ""
            return BarChart.Item(label: name, bars: [BarChart.Bar(segments: [BarChart.Segment(value: hits, style: "s6", title: "\(name): \(HumanNumbers.count(hits)) hits")],
                                                                 valueText: "\(HumanNumbers.count(hits)) · \(HumanNumbers.percent(share))")])
        }
        let share = stats.hits > 0 ? " — \(HumanNumbers.percent(Double(stats.botHits + stats.spamHits) / Double(stats.hits))) of all hits" : ""
        var section = SectionView(id: "bots", title: "Bots and spam, kept out of the numbers",
                                  intro: "Hits of crawlers, monitors, scripts and referrer spam\(share), by family, with their share of all hits. None of them is in a session.")
        if items.isEmpty {
            section.intro = "No bot hits and no referrer spam in this input."
        } else {
            section.charts = [ChartView(id: "bots", caption: "Bot hits by family",
                                        figure: BarChart().figure(items, summary: "Bot hits by family: " + summaryList(items), tickFormat: { HumanNumbers.count($0) }))]
        }
        return section
    }

    /// "Organic Search 644, Direct 402, …" for a chart's text alternative.
    private func summaryList(_ items: [BarChart.Item]) -> String {
        items.map { "\($0.label) \($0.bars.map(\.valueText).joined(separator: ", "))" }.joined(separator: "; ")
    }
}
