/// Masks IP addresses in text that leaves the program (malformed-line samples), so that no raw
/// client address reaches an output file even when a line is quoted as an example.
public enum AddressRedaction {
    public static let mask = "[ip]"

    /// `text` with every IPv4 address and every IPv6 address (eight groups, or with `::`)
    /// replaced by `[ip]`.
    public static func redact(_ text: String) -> String {
        let b = Array(text.utf8)
        var out = [UInt8]()
        out.reserveCapacity(b.count)
        var i = 0
        while i < b.count {
            if let n = addressLength(b, i), i == 0 || !isAddressByte(b[i - 1]) {
                out.append(contentsOf: mask.utf8)
                i += n
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func isHex(_ c: UInt8) -> Bool {
        (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46)
    }

    private static func isAddressByte(_ c: UInt8) -> Bool { isHex(c) || c == 0x2E || c == 0x3A }

    /// Length of the address starting at `i`, if one does.
    private static func addressLength(_ b: [UInt8], _ i: Int) -> Int? {
        var j = i
        while j < b.count && isAddressByte(b[j]) { j += 1 }
        let run = b[i..<j]
        guard run.count >= 2 else { return nil }
        let colons = run.filter { $0 == 0x3A }.count
        // IPv6: all eight groups, or a `::` (so a time like 13:55:36 is not one).
        let hasDoubleColon = zip(run, run.dropFirst()).contains { $0 == 0x3A && $1 == 0x3A }
        if colons == 7 || (hasDoubleColon && colons >= 2) { return run.count }
        // IPv4: four dot-separated groups of 1–3 digits (a `:port` after it stays).
        let v4 = run.prefix { $0 != 0x3A }
        let parts = v4.split(separator: 0x2E, omittingEmptySubsequences: false)
        if parts.count == 4 && parts.allSatisfy({ $0.count >= 1 && $0.count <= 3 && $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }) {
            return v4.count
        }
        return nil
    }
}
