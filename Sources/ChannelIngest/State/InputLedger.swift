import Foundation
import GRDB

/// Which inputs earlier runs read, and how far: exactly-once input for nightly runs.
///
/// An input is known by its first decompressed bytes (`headLength`), so `access.log.1` that
/// logrotate renames to `access.log.2.gz` and compresses is the same input it was, and a
/// growing `access.log` is the same input with more lines. What was read is counted in
/// decompressed bytes up to the last complete line; the next run skips that much and reads on.
/// A file unchanged on disk since (same size, same last bytes) is not opened again.
struct InputLedger {
    static let headLength = 1024
    /// Bytes at the end of a file compared to tell "unchanged since" without reading it.
    static let tailLength = 64

    /// What the ledger decided for one file.
    enum Decision: Equatable {
        /// Never seen: read it all.
        case new
        /// Seen: read from `resumeAt` decompressed bytes on.
        case resume(id: Int64, at: Int)
        /// Read to its end by an earlier run and unchanged since.
        case done(id: Int64, damaged: Bool)
    }

    /// A file as it is on disk now.
    struct Look {
        var path: String
        var head: [UInt8]
        var device: Int64
        var inode: Int64
        var size: Int64
        var tailHash: Int64
        var isGzip: Bool

        init?(path: String, head: [UInt8]) {
            var st = stat()
            guard !head.isEmpty, stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            self.path = path
            self.head = head
            device = Int64(bitPattern: UInt64(st.st_dev))
            inode = Int64(bitPattern: UInt64(st.st_ino))
            size = Int64(st.st_size)
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            let fileSize = Int64(st.st_size)
            var tail = [UInt8](repeating: 0, count: Self.tailCount(fileSize))
            let got = tail.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(fileSize) - off_t($0.count)) }
            tailHash = Int64(bitPattern: tail.withUnsafeBufferPointer { fastHash($0.baseAddress!, max(0, got)) })
            var magic = [UInt8](repeating: 0, count: 2)
            isGzip = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 2, 0) } == 2 && magic == [0x1F, 0x8B]
        }

        static func tailCount(_ size: Int64) -> Int { Int(min(size, Int64(InputLedger.tailLength))) }

        func headHash(_ length: Int) -> Int64 {
            Int64(bitPattern: head.withUnsafeBufferPointer { fastHash($0.baseAddress!, length) })
        }

        /// A plain file is read up to its last complete line: the rest is still being written.
        func lastCompleteLine() -> Int? {
            guard !isGzip else { return nil }
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            let block = 1 << 16
            var buf = [UInt8](repeating: 0, count: block)
            var end = size
            while end > 0 {
                let start = max(0, end - Int64(block))
                let n = buf.withUnsafeMutableBytes { pread(fd, $0.baseAddress, Int(end - start), off_t(start)) }
                guard n > 0 else { return nil }
                if let i = buf[0..<n].lastIndex(of: 0x0A) { return Int(start) + i + 1 }
                end = start
            }
            return 0
        }
    }

    /// Decides for a file from what the state remembers; `warning` says when a file kept its
    /// name and inode but not its start (truncated and rewritten in place).
    static func decide(_ look: Look, _ db: Database) throws -> (Decision, warning: String?) {
        let rows = try Row.fetchAll(db, sql: """
            SELECT id, head_len, head_hash, consumed, damaged, size, tail_hash, path, device, inode
            FROM inputs WHERE head_len <= ? ORDER BY head_len DESC, consumed DESC
            """, arguments: [look.head.count])
        var hashes: [Int: Int64] = [:]
        for r in rows {
            let len: Int = r["head_len"]
            let h = hashes[len] ?? look.headHash(len)
            hashes[len] = h
            guard h == r["head_hash"] else { continue }
            let id: Int64 = r["id"]
            if r["size"] == look.size && r["tail_hash"] == look.tailHash {
                return (.done(id: id, damaged: r["damaged"]), nil)
            }
            return (.resume(id: id, at: r["consumed"]), nil)
        }
        let samePlace = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM inputs WHERE path = ? AND device = ? AND inode = ?",
                                         arguments: [look.path, look.device, look.inode]) ?? 0
        let warning = samePlace > 0
            ? "\(look.path): its start is not what an earlier run read (truncated and rewritten in place?); read as a new file"
            : nil
        return (.new, warning)
    }

    /// Records how far a file was read: `consumed` decompressed bytes from its start.
    static func record(_ look: Look, decision: Decision, consumed: Int, damaged: Bool, run: Int64, _ db: Database) throws {
        let headLen = look.head.count
        let args: StatementArguments = [headLen, look.headHash(headLen), consumed, damaged, look.path, look.device, look.inode,
                                        look.size, look.tailHash, run]
        switch decision {
        case .new:
            try db.execute(sql: """
                INSERT INTO inputs(head_len, head_hash, consumed, damaged, path, device, inode, size, tail_hash, run)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: args)
        case .resume(let id, _), .done(let id, _):
            try db.execute(sql: """
                UPDATE inputs SET head_len = ?, head_hash = ?, consumed = ?, damaged = ?, path = ?, device = ?, inode = ?,
                    size = ?, tail_hash = ?, run = ? WHERE id = ?
                """, arguments: args + [id])
        }
    }
}
