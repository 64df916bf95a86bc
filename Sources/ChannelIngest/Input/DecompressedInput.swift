import Foundation

/// Reads one input (a file or stdin) and yields its decompressed bytes.
///
/// Gzip is chosen by the magic bytes `1f 8b`, never by the file name, so a rotated
/// `access.log.1` that is plain text and an `access.log.2.gz` are both read correctly.
/// Concatenated gzip members (what `cat a.gz b.gz` or pigz produce) are read to the end.
/// Damaged input is read up to the damage and described in `damage`. The members are
/// inflated by ISA-L, or by zlib (`InflateLibrary`); both read every input to the same bytes.
public final class DecompressedInput {
    public let name: String
    public private(set) var isGzip = false
    /// Compressed bytes consumed from the file so far.
    public private(set) var compressedOffset = 0
    /// Decompressed bytes produced so far.
    public private(set) var decompressedBytes = 0
    public private(set) var damage: InputDamage?
    /// Size of the file on disk, when it is a regular file (for progress).
    public private(set) var fileSize: Int?

    private var fd: Int32
    private let ownsFD: Bool
    private let inBuffer: UnsafeMutablePointer<UInt8>
    /// 256 KiB, or the file's size when smaller: thousands of small files each get a buffer
    /// of their own size, not a fresh 256 KiB mapping to fault in and return.
    private let inCapacity: Int
    private var inStart = 0
    private var inEnd = 0
    private var eof = false
    public let library: InflateLibrary
    private var inflater: Inflater?
    private var finished = false
    /// True once at least one member ended cleanly and we are between members.
    private var betweenMembers = false

    /// Opens `path` (`-` for standard input).
    public init(path: String, inflate library: InflateLibrary = .standard) throws {
        name = path
        self.library = library
        if path == "-" {
            fd = 0
            ownsFD = false
        } else {
            fd = open(path, O_RDONLY)
            if fd < 0 {
                throw IngestError.unusableInput("cannot open \(path): \(String(cString: strerror(errno)))")
            }
            ownsFD = true
            var st = stat()
            if fstat(fd, &st) == 0 {
                if (st.st_mode & S_IFMT) == S_IFDIR {
                    close(fd)
                    throw IngestError.unusableInput("\(path) is a directory; pass the files in it (e.g. \(path)/*.gz)")
                }
                if (st.st_mode & S_IFMT) == S_IFREG { fileSize = Int(st.st_size) }
            }
        }
        inCapacity = fileSize.map { min(1 << 18, max(4096, $0 + 1)) } ?? 1 << 18
        inBuffer = .allocate(capacity: inCapacity)
        fillInput()
        if inEnd - inStart >= 2 && inBuffer[inStart] == 0x1F && inBuffer[inStart + 1] == 0x8B {
            isGzip = true
            try startMember()
        }
    }

    deinit {
        if ownsFD { close(fd) }
        inBuffer.deallocate()
    }

    private func startMember() throws {
        if inflater == nil { inflater = makeInflater(library) }
        try inflater!.startMember()
    }

    /// Moves unread input to the front and reads more from the file.
    private func fillInput() {
        if inStart > 0 {
            let n = inEnd - inStart
            if n > 0 { memmove(inBuffer, inBuffer + inStart, n) }
            inStart = 0
            inEnd = n
        }
        while !eof && inEnd < inCapacity {
            let r = Foundation.read(fd, inBuffer + inEnd, inCapacity - inEnd)
            if r > 0 {
                inEnd += r
            } else if r == 0 {
                eof = true
            } else if errno == EINTR {
                continue
            } else {
                damage = InputDamage(kind: .readError, offset: compressedOffset + (inEnd - inStart),
                                     detail: String(cString: strerror(errno)))
                eof = true
            }
            if r > 0 && !isGzip { break }  // plain text: hand over what we have
        }
    }

    /// Fills `dest` with up to `capacity` decompressed bytes; returns 0 at the end of the input.
    public func read(into dest: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int {
        if finished { return 0 }
        var capacity = capacity
        if let limit {
            capacity = min(capacity, limit - decompressedBytes)
            if capacity <= 0 { finished = true; return 0 }
        }
        return isGzip ? readGzip(into: dest, capacity: capacity) : readPlain(into: dest, capacity: capacity)
    }

    /// Reading stops after this many decompressed bytes (a growing log is read up to its last
    /// complete line as it was when the run began; the rest is the next run's).
    public var limit: Int?
    /// Decompressed bytes passed over by `skip` (read by an earlier run).
    public private(set) var skippedBytes = 0

    /// Passes over the first `count` decompressed bytes without handing them out: a plain
    /// file seeks, a gzip file must inflate them. Returns how many there were.
    @discardableResult
    public func skip(_ count: Int) -> Int {
        guard count > 0 else { return 0 }
        if !isGzip, let size = fileSize {
            // The buffer holds the file's first bytes (read when it was opened).
            let n = min(count, size)
            if n <= inEnd - inStart {
                inStart += n
            } else {
                lseek(fd, off_t(n), SEEK_SET)
                inStart = 0
                inEnd = 0
                eof = false
            }
            compressedOffset = n
            decompressedBytes = n
            skippedBytes = n
            return n
        }
        let scratchSize = 1 << 16
        let scratch = UnsafeMutablePointer<UInt8>.allocate(capacity: scratchSize)
        defer { scratch.deallocate() }
        var left = count
        while left > 0 {
            let r = read(into: scratch, capacity: min(left, scratchSize))
            if r == 0 { break }
            left -= r
        }
        skippedBytes = count - left
        return skippedBytes
    }

    private func readPlain(into dest: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int {
        if inStart == inEnd {
            if eof { finished = true; return 0 }
            fillInput()
            if inStart == inEnd { finished = true; return 0 }
        }
        let n = min(capacity, inEnd - inStart)
        memcpy(dest, inBuffer + inStart, n)
        inStart += n
        compressedOffset += n
        decompressedBytes += n
        return n
    }

    private func readGzip(into dest: UnsafeMutablePointer<UInt8>, capacity: Int) -> Int {
        var produced = 0
        while produced < capacity && !finished {
            if inStart == inEnd {
                if eof {
                    if !betweenMembers {
                        damage = InputDamage(kind: .truncated, offset: compressedOffset,
                                             detail: "the file ends inside a gzip member")
                    }
                    finished = true
                    break
                }
                fillInput()
                continue
            }
            if betweenMembers {
                // Another member follows, or zero padding, or garbage.
                if inBuffer[inStart] == 0 {
                    // Some tools pad gzip files with zeros; skip them.
                    while inStart < inEnd && inBuffer[inStart] == 0 { inStart += 1; compressedOffset += 1 }
                    continue
                }
                if inEnd - inStart < 2 && !eof { fillInput(); continue }
                if inEnd - inStart >= 2 && inBuffer[inStart] == 0x1F && inBuffer[inStart + 1] == 0x8B {
                    _ = try? startMember()
                    betweenMembers = false
                } else {
                    damage = InputDamage(kind: .trailingGarbage, offset: compressedOffset, detail: "")
                    finished = true
                    break
                }
            }
            let (consumed, out, step) = inflater!.inflate(inBuffer + inStart, inEnd - inStart, dest + produced, capacity - produced)
            inStart += consumed
            compressedOffset += consumed
            produced += out
            switch step {
            case .progress:
                if consumed == 0 && out == 0 {
                    if inStart == inEnd && eof {
                        damage = InputDamage(kind: .truncated, offset: compressedOffset,
                                             detail: "the file ends inside a gzip member")
                        finished = true
                    } else if inStart == inEnd {
                        fillInput()
                    } else if produced > 0 {
                        // Output space ran out; return what we have.
                        decompressedBytes += produced
                        return produced
                    }
                }
            case .memberEnd:
                betweenMembers = true
            case .failed(let msg):
                damage = InputDamage(kind: .corrupt, offset: compressedOffset, detail: msg)
                finished = true
            }
        }
        decompressedBytes += produced
        return produced
    }
}
