import Foundation
import Yams

/// A YAML file a user brings (`--referrer-db`, `--bot-db`): read and composed with Yams, every
/// problem one error line naming the flag and the file. Composed with the basic resolver: the
/// lists are all strings, and the default one would try int, float, bool and date patterns on
/// every scalar (half the load time of Snowplow's 85 KB referers.yml).
enum YAMLFile {
    static func read(_ path: String, flag: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            let fd = open(path, O_RDONLY)
            let why = fd < 0 ? String(cString: strerror(errno)) : "not a file"
            if fd >= 0 { close(fd) }
            throw IngestError.unusableInput("\(flag) \(path): cannot read it (\(why))")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw IngestError.unusableInput("\(flag) \(path): not YAML (not UTF-8 text)")
        }
        return text
    }

    static func compose(_ text: String, path: String, flag: String) throws -> Node? {
        do { return try Yams.compose(yaml: text, .basic) } catch {
            throw IngestError.unusableInput("\(flag) \(path): not YAML (\(YAMLProblem(error)))")
        }
    }
}

/// A Yams error as one short phrase with its line.
struct YAMLProblem: CustomStringConvertible {
    let description: String
    init(_ error: Error) {
        switch error as? YamlError {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            description = "line \(mark.line): \(problem)"
        case .reader(let problem, _, _, _): description = problem
        case .duplicatedKeysInMapping(let duplicates, _): description = "duplicate keys \(duplicates.joined(separator: ", "))"
        default: description = "\(error)".split(separator: "\n").first.map(String.init) ?? "unreadable"
        }
    }
}
