import Foundation

/// Turns a client address and User-Agent into a visitor key: SipHash-2-4 under a secret key.
///
/// Raw addresses never leave this function; without the key, a visitor key can't be matched
/// back to an address by hashing guesses. The command line keys with a per-installation secret
/// (`installation(secretFile:)`), so a visitor is the same visitor from one run to the next;
/// the library's default is a random key per run.
public struct VisitorKeyer: Sendable {
    private let k0: UInt64
    private let k1: UInt64

    public init(k0: UInt64, k1: UInt64) {
        self.k0 = k0
        self.k1 = k1
    }

    public static func random() -> VisitorKeyer {
        var g = SystemRandomNumberGenerator()
        return VisitorKeyer(k0: g.next(), k1: g.next())
    }

    /// Where the per-installation secret lives unless `--secret-file`, `secret_file` or
    /// `INGEST_SECRET_FILE` says otherwise: `$XDG_CONFIG_HOME/ingest/secret`, else
    /// `~/.config/ingest/secret`.
    public static var defaultSecretFile: String {
        let env = ProcessInfo.processInfo.environment
        if let f = env["INGEST_SECRET_FILE"], !f.isEmpty { return f }
        let base = env["XDG_CONFIG_HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? (NSHomeDirectory() + "/.config")
        return base + "/ingest/secret"
    }

    /// The key in `path` (32 hex digits twice), created there on first use with 0600
    /// permissions (and its folder with 0700). Two runs starting at once agree on one key.
    public static func installation(secretFile path: String) throws -> VisitorKeyer {
        for _ in 0..<2 {
            if let text = try? String(contentsOfFile: path, encoding: .utf8) {
                let hex = text.trimmingCharacters(in: .whitespacesAndNewlines)
                guard hex.count == 32, let k0 = UInt64(hex.prefix(16), radix: 16), let k1 = UInt64(hex.suffix(16), radix: 16) else {
                    throw IngestError.unusableInput("\(path): not an ingest secret (32 hex digits); remove it to make a new one (visitors then get new keys)")
                }
                return VisitorKeyer(k0: k0, k1: k1)
            }
            if FileManager.default.fileExists(atPath: path) {
                throw IngestError.unusableInput("cannot read the secret \(path): \(String(cString: strerror(errno)))")
            }
            let dir = (path as NSString).deletingLastPathComponent
            if !dir.isEmpty { try? FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700]) }
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if fd < 0 {
                if errno == EEXIST { continue }   // another run made it first: read that one
                throw IngestError.unusableInput("cannot create the secret \(path): \(String(cString: strerror(errno))) (set another with --secret-file)")
            }
            let key = random()
            let text = String(format: "%016llx%016llx\n", key.k0, key.k1)
            let ok = text.withCString { write(fd, $0, strlen($0)) } == text.utf8.count && fsync(fd) == 0
            close(fd)
            guard ok else { unlink(path); throw IngestError.unusableInput("cannot write the secret \(path)") }
            return key
        }
        throw IngestError.unusableInput("cannot read the secret \(path)")
    }

    /// The visitor for a client address and the User-Agent's hash.
    @inline(__always)
    public func visitor(client: ByteSpan, userAgentHash: UInt64) -> UInt64 {
        var s = SipState(k0: k0, k1: k1)
        s.compress(bytes: client)
        s.compress(userAgentHash)
        return s.finalize()
    }

    /// The visitor for a visitor id the log carries (a cookie value): the same id always gives
    /// the same key, and no id collides with an address + User-Agent key (own domain word).
    public func visitor(id: ByteSpan) -> UInt64 {
        hash(id, domain: 0x7669_7369_746F_7269)
    }

    /// A client address alone, for joining CRM rows that carry an IP but no User-Agent.
    public func client(_ address: ByteSpan) -> UInt64 {
        hash(address, domain: 0x636C_6965_6E74_6970)
    }

    private func hash(_ bytes: ByteSpan, domain: UInt64) -> UInt64 {
        var s = SipState(k0: k0, k1: k1)
        s.compress(domain)
        s.compress(bytes: bytes)
        return s.finalize()
    }
}

/// SipHash-2-4 rounds (Aumasson & Bernstein).
struct SipState {
    var v0: UInt64, v1: UInt64, v2: UInt64, v3: UInt64

    @inline(__always)
    init(k0: UInt64, k1: UInt64) {
        v0 = k0 ^ 0x736F_6D65_7073_6575
        v1 = k1 ^ 0x646F_7261_6E64_6F6D
        v2 = k0 ^ 0x6C79_6765_6E65_7261
        v3 = k1 ^ 0x7465_6462_7974_6573
    }

    @inline(__always)
    mutating func round() {
        v0 = v0 &+ v1; v1 = v1.rotl(13); v1 ^= v0; v0 = v0.rotl(32)
        v2 = v2 &+ v3; v3 = v3.rotl(16); v3 ^= v2
        v0 = v0 &+ v3; v3 = v3.rotl(21); v3 ^= v0
        v2 = v2 &+ v1; v1 = v1.rotl(17); v1 ^= v2; v2 = v2.rotl(32)
    }

    @inline(__always)
    mutating func compress(_ m: UInt64) {
        v3 ^= m
        round(); round()
        v0 ^= m
    }

    /// Compresses `bytes` 8 at a time, the tail and the length in one last word (SipHash's
    /// padding).
    @inline(__always)
    mutating func compress(bytes: ByteSpan) {
        let raw = UnsafeRawPointer(bytes.base)
        var i = 0
        while i + 8 <= bytes.count {
            compress(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        var last: UInt64 = UInt64(truncatingIfNeeded: bytes.count) << 56
        var shift: UInt64 = 0
        while i < bytes.count {
            last |= UInt64(bytes[i]) << shift
            shift += 8
            i += 1
        }
        compress(last)
    }

    @inline(__always)
    mutating func finalize() -> UInt64 {
        v2 ^= 0xFF
        round(); round(); round(); round()
        return v0 ^ v1 ^ v2 ^ v3
    }
}

extension UInt64 {
    @inline(__always)
    func rotl(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
