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

    /// Every regular file under `dir`, recursively, sorted; dot files and dot directories left
    /// out. A symbolic link counts as what it points to when that is a file; linked directories
    /// are not walked into (no loops).
    ///
    /// `readdir` with the entry's type, not `FileManager.enumerator` and a `URL` per entry:
    /// that took 35 µs a file, 70 ms for a directory of 2,000 CDN files.
    static func files(under dir: String) throws -> [String] {
        var found: [String] = []
        guard walk(dir.hasSuffix("/") ? String(dir.dropLast()) : dir, into: &found) else {
            throw IngestError.unusableInput("cannot list the directory \(dir)")
        }
        guard !found.isEmpty else { throw IngestError.unusableInput("the directory \(dir) holds no files") }
        return found.sorted()
    }

    /// Appends the files under `dir` (no trailing `/`); false when it can't be opened.
    private static func walk(_ dir: String, into found: inout [String]) -> Bool {
        guard let d = opendir(dir.isEmpty ? "/" : dir) else { return false }
        defer { closedir(d) }
        while let entry = readdir(d) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            guard !name.hasPrefix(".") else { continue }   // ., .. and hidden ones
            let path = dir + "/" + name
            switch Int32(entry.pointee.d_type) {
            case Int32(DT_REG):
                found.append(path)
            case Int32(DT_DIR):
                _ = walk(path, into: &found)
            default:
                // A link, or a file system that does not say: what `stat` finds there.
                var st = stat()
                guard stat(path, &st) == 0 else { continue }
                if (st.st_mode & S_IFMT) == S_IFREG {
                    found.append(path)
                } else if entry.pointee.d_type == DT_UNKNOWN && (st.st_mode & S_IFMT) == S_IFDIR {
                    _ = walk(path, into: &found)
                }
            }
        }
        return true
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
