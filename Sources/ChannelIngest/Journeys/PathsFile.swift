import Foundation

/// Reads `paths.csv` back (`ingest attribute`): a file this tool wrote, or one of the same
/// columns from elsewhere (a warehouse query, fractribution's path summary), so attribution can
/// be rerun from the journeys alone.
public enum PathsFile {
    /// Counts above this are refused (their sums must not overflow).
    static let maxCount = 1 << 48
    /// Distinct channels a path may have (`--max-path-channels` allows at most 16 too).
    static let maxChannels = 16

    /// The rows of the CSV text `bytes`; `name` is for errors. Needs the columns `path`,
    /// `conversions` and `non_conversions`; `value` is 0 when absent; `journeys` is not read
    /// (it is their sum).
    public static func rows(_ bytes: [UInt8], name: String) throws -> [PathRow] {
        var header: [String: Int]?
        var out: [PathRow] = []
        var problem: String?
        CSVRecords.parse(bytes) { r in
            guard problem == nil else { return }
            guard let h = header else {
                var h: [String: Int] = [:]
                for (i, f) in r.fields.enumerated() { h[f.trimmingCharacters(in: .whitespaces).lowercased()] = h[f.trimmingCharacters(in: .whitespaces).lowercased()] ?? i }
                let missing = ["path", "conversions", "non_conversions"].filter { h[$0] == nil }
                if !missing.isEmpty { problem = "\(name): no \(missing.joined(separator: ", ")) column (a paths.csv has path, conversions, non_conversions, value, journeys)" }
                header = h
                return
            }
            if r.fields.allSatisfy({ $0.isEmpty }) { return }
            func field(_ k: String) -> String? {
                guard let i = h[k], i < r.fields.count else { return nil }
                return r.fields[i].trimmingCharacters(in: .whitespaces)
            }
            guard let text = field("path"), let path = JourneyPath(text: text.hasPrefix("'") ? String(text.dropFirst()) : text) else {
                problem = "\(name) line \(r.line): the path names no channels (channel names as in traffic.csv, joined by \" > \")"
                return
            }
            guard let c = field("conversions").flatMap({ Int($0) }), (0...Self.maxCount).contains(c),
                  let n = field("non_conversions").flatMap({ Int($0) }), (0...Self.maxCount).contains(n) else {
                problem = "\(name) line \(r.line): conversions and non_conversions must be whole numbers from 0 to \(Self.maxCount)"
                return
            }
            guard path.channelSet.nonzeroBitCount <= Self.maxChannels else {
                problem = "\(name) line \(r.line): a path of more than \(Self.maxChannels) channels (Shapley values take 2^n subsets)"
                return
            }
            var value = 0.0
            if let v = field("value"), !v.isEmpty {
                guard let x = Double(v), x.isFinite else {
                    problem = "\(name) line \(r.line): value must be a number"
                    return
                }
                value = x
            }
            out.append(PathRow(path: path, conversions: c, nonConversions: n, value: value))
        }
        if let problem { throw IngestError.unusableInput(problem) }
        guard header != nil else { throw IngestError.unusableInput("\(name): empty (a paths.csv has a header row)") }
        return out
    }

    public static func rows(path: String) throws -> [PathRow] {
        guard let data = path == "-" ? FileHandle.standardInput.readDataToEndOfFile() : FileManager.default.contents(atPath: path) else {
            throw IngestError.unusableInput("\(path): cannot read it (\(String(cString: strerror(errno))))")
        }
        return try rows([UInt8](data), name: path)
    }
}
