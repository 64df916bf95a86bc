/// wyhash (final version 4, by Wang Yi, public domain): the hash of in-memory caches that are
/// looked up once per line, such as the bot verdict of a User-Agent.
///
/// `fastHash` mixes one 8-byte word after another, each waiting for the one before: about
/// 150 cycles for a 120-byte User-Agent, on the main thread, for every line. wyhash folds 16
/// bytes per 128-bit multiply in three independent lanes, a fifth of that. `fastHash` stays
/// where its values are kept across runs (the input ledger's fingerprints, and visitor keys
/// through the User-Agent hash); this one only keys what a run forgets.
@inline(__always)
func quickHash(_ p: UnsafePointer<UInt8>, _ n: Int, seed: UInt64 = 0) -> UInt64 {
    let raw = UnsafeRawPointer(p)
    @inline(__always) func r8(_ o: Int) -> UInt64 { raw.loadUnaligned(fromByteOffset: o, as: UInt64.self) }
    @inline(__always) func r4(_ o: Int) -> UInt64 { UInt64(raw.loadUnaligned(fromByteOffset: o, as: UInt32.self)) }
    var seed = seed ^ wyMum(seed ^ wySecret0, wySecret1)
    var a: UInt64, b: UInt64
    if n <= 16 {
        if n >= 4 {
            let step = (n >> 3) << 2
            a = r4(0) << 32 | r4(step)
            b = r4(n - 4) << 32 | r4(n - 4 - step)
        } else if n > 0 {
            a = UInt64(p[0]) << 16 | UInt64(p[n >> 1]) << 8 | UInt64(p[n - 1])
            b = 0
        } else {
            a = 0
            b = 0
        }
    } else {
        var i = n, o = 0
        if i >= 48 {
            var see1 = seed, see2 = seed
            repeat {
                seed = wyMum(r8(o) ^ wySecret1, r8(o + 8) ^ seed)
                see1 = wyMum(r8(o + 16) ^ wySecret2, r8(o + 24) ^ see1)
                see2 = wyMum(r8(o + 32) ^ wySecret3, r8(o + 40) ^ see2)
                o += 48
                i -= 48
            } while i >= 48
            seed ^= see1 ^ see2
        }
        while i > 16 {
            seed = wyMum(r8(o) ^ wySecret1, r8(o + 8) ^ seed)
            i -= 16
            o += 16
        }
        a = r8(o + i - 16)
        b = r8(o + i - 8)
    }
    let m = (a ^ wySecret1).multipliedFullWidth(by: b ^ seed)
    return wyMum(m.low ^ wySecret0 ^ UInt64(truncatingIfNeeded: n), m.high ^ wySecret1)
}

@inline(__always)
private func wyMum(_ a: UInt64, _ b: UInt64) -> UInt64 {
    let m = a.multipliedFullWidth(by: b)
    return m.high ^ m.low
}

private let wySecret0: UInt64 = 0x2D35_8DCC_AA6C_78A5
private let wySecret1: UInt64 = 0x8BB8_4B93_962E_ACC9
private let wySecret2: UInt64 = 0x4B33_A62E_D433_D4A3
private let wySecret3: UInt64 = 0x4D5A_2DA5_1DE1_AA47

extension ByteSpan {
    /// `quickHash` of the bytes: for caches a run keeps to itself.
    @inline(__always)
    var quickHash64: UInt64 { quickHash(base, count) }
}
