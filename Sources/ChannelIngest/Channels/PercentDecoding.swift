/// URL query value decoding: `%XX` once, `+` as a space (HTML form encoding).
///
/// Invalid escapes stay as they are; invalid UTF-8 after decoding is repaired when the bytes
/// become a `String`, so no byte sequence can fail here.
enum PercentDecoding {
    static func decode(_ s: ByteSpan) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(s.count)
        var i = 0
        while i < s.count {
            let c = s[i]
            if c == 0x2B {
                out.append(0x20)
            } else if c == 0x25, i + 2 < s.count, let h = hex(s[i + 1]), let l = hex(s[i + 2]) {
                out.append(h << 4 | l)
                i += 2
            } else {
                out.append(c)
            }
            i += 1
        }
        return out
    }

    @inline(__always)
    static func hex(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x41...0x46: return c - 0x41 + 10
        case 0x61...0x66: return c - 0x61 + 10
        default: return nil
        }
    }
}
