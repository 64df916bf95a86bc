/// What identifies the settings a partial was counted with: two partials add up only when
/// every setting that changes a figure is the same (goals, sites, lists, zone, timeout,
/// lookback, model, formats, the visitor key).
///
/// It is the effective config as `--print-config` writes it, without what only says where
/// things are (the output folder, the state, the CRM and list files' paths — a Spark task sees
/// its own copies under other names) or what only the merge reads (costs), plus a keyed hash of
/// a fixed text, which differs for every secret without telling anything about it. FNV-1a,
/// 64 bits, as 16 hex digits: a check against mixing runs up, not a signature.
public enum ConfigFingerprint {
    public static func of(_ options: IngestOptions, keyer: VisitorKeyer) -> String {
        var c = options.asConfig
        c.out = ""
        c.state = nil
        c.secretFile = nil
        c.costs = nil
        c.crm.files = []
        c.referrerDatabases = []
        c.botDatabases = []
        var text = c.render()
        let probe = Array("ingest partial fingerprint".utf8)
        let key = probe.withUnsafeBufferPointer { keyer.visitor(id: ByteSpan(base: $0.baseAddress!, count: $0.count)) }
        text += "\n# visitor key check \(key)\n"
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in text.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
