/// Attribution from `paths.csv` alone (`ingest attribute`): the data-driven models exactly as
/// a run computes them, and the rule models applied to a path's steps.
///
/// A path has no times and, under most transforms, one step for several sessions, so the rule
/// models here credit steps, not sessions (`linear` gives each step of `A > B` a half, however
/// many sessions each had), and `time-decay`, which needs times, is not among them.
public enum PathAttribution {
    /// The models a paths file is enough for.
    public static let models: [AttributionModel] = [.lastNonDirect, .last, .first, .linear, .position, .markov, .shapley]

    /// The `attribution.csv` of `rows` for `models`: channels by the journeys they are on (most
    /// first), then name.
    public static func table(_ rows: [PathRow], models: [AttributionModel] = PathAttribution.models) -> CSVTable {
        var credit: [AttributionModel: [Channel: (ExactSum, ExactSum)]] = [:]
        let dataDriven = DataDrivenAttribution.channelCredits(rows)
        var on = [Channel: Int]()
        for r in rows { for c in Set(r.path.channels) { on[c, default: 0] += r.journeys } }
        for m in models {
            var byChannel: [Channel: (ExactSum, ExactSum)] = [:]
            if m.isDataDriven {
                for (c, x) in dataDriven[m] ?? [:] { byChannel[c] = (ExactSum(x.conversions), ExactSum(x.value)) }
            } else {
                var shares: [Double] = []
                for r in rows where r.conversions > 0 {
                    let steps = r.path.channels
                    m.credits(steps.map { AttributionModel.Candidate(start: 0, isDirect: $0 == .direct) }, conversionTime: 0, into: &shares)
                    for (c, s) in zip(steps, shares) where s > 0 {
                        var x = byChannel[c] ?? (ExactSum(), ExactSum())
                        x.0.add(s * Double(r.conversions))
                        x.1.add(s * r.value.value)
                        byChannel[c] = x
                    }
                }
            }
            credit[m] = byChannel
        }
        var t = CSVTable(columns: ["channel", "model", "conversions", "value"])
        for c in on.keys.sorted(by: { on[$0]! != on[$1]! ? on[$0]! > on[$1]! : $0.name < $1.name }) {
            for m in models {
                let x = credit[m]?[c] ?? (ExactSum(), ExactSum())
                t.append([.text(c.name), .text(m.rawValue), .number(x.0.value, decimals: 2), .number(x.1.value, decimals: 2)])
            }
        }
        return t
    }
}
