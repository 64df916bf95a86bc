import Foundation

/// The inputs a run was given, as files: a directory is every file under it (dot files and
/// dot directories left out), a quoted glob (`'logs/*.gz'`, for when the shell's expansion
/// would be too long a command line) the files it matches. Both come out sorted, and the run
/// orders its inputs by their first timestamp anyway, so how they were named never matters.
///
/// Why it matters: a CDN hands over thousands of small files a day, and a command line of ten
/// thousand paths is slow to parse (the argument parser merges each value into the values so
/// far: quadratic) and may not fit the system's limit at all.
enum InputPaths {
    static func expand(_ arguments: [String]) throws -> [String] {
        var out: [String] = []
        for a in arguments {
            if a == "-" { out.append(a); continue }
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: a, isDirectory: &isDir) {
                out += isDir.boolValue ? try files(under: a) : [a]
            } else if a.contains(where: { "*?[".contains($0) }) {
                let matches = glob(a)
                guard !matches.isEmpty else { throw IngestError.unusableInput("no file matches \(a)") }
                out += matches
            } else {
                out.append(a)   // opening it says what is wrong
            }
        }
        return out
    }

    /// Every regular file under `dir`, recursively, sorted; dot files and dot directories left out.
    static func files(under dir: String) throws -> [String] {
        let base = URL(fileURLWithPath: dir)
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey],
                                                     options: [.skipsHiddenFiles]) else {
            throw IngestError.unusableInput("cannot list the directory \(dir)")
        }
        var found: [String] = []
        for case let url as URL in e where (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true {
            found.append(dir.hasSuffix("/") ? dir + url.path.dropFirst(base.path.count + 1) : dir + "/" + url.path.dropFirst(base.path.count + 1))
        }
        guard !found.isEmpty else { throw IngestError.unusableInput("the directory \(dir) holds no files") }
        return found.sorted()
    }

    /// glob(3): the paths matching `pattern`, sorted; none when nothing matches.
    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        guard Glibc.glob(pattern, 0, nil, &g) == 0 else { return [] }
        return (0..<Int(g.gl_pathc)).compactMap { g.gl_pathv[$0].map { String(cString: $0) } }
            .filter { var d: ObjCBool = false; return FileManager.default.fileExists(atPath: $0, isDirectory: &d) && !d.boolValue }
            .sorted()
    }
}
